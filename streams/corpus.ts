/**
 * Training and evaluation corpora on disk: FSDD's layout ({digit}_{speaker}_{index}.wav, digit →
 * word zero..nine) and a generic transcripts.tsv (file<TAB>words, paths relative to the TSV),
 * plus feature extraction through the same front end the decoder uses.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { BeamlineError, ERROR_CODES, concatBlocks, featureWidth, type FrameBlock, type FrontEndConfig, type FrontEndOptions } from '../src/index.ts';
import { audioFile } from './audio-file-source.ts';
import { frontEnd, resample } from './front-end-operators.ts';

export interface CorpusEntry {
  readonly path: string;
  readonly words: readonly string[];
  /** Speaker name where the layout tells it. */
  readonly speaker?: string;
  /** Recording index within the speaker and word (FSDD). */
  readonly index?: number;
}

export const FSDD_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

export interface FsddSelection {
  /** Speakers to include; all when omitted. */
  readonly speakers?: readonly string[];
  /** Speakers to leave out. */
  readonly excludeSpeakers?: readonly string[];
  /** Inclusive index range, e.g. [5, 49] for the training split, [0, 4] for the test split. */
  readonly indices?: readonly [number, number];
}

const FSDD_NAME = /^(\d)_([A-Za-z]+)_(\d+)\.wav$/;

/** FSDD recordings under `dir` (the folder holding the WAVs, or its parent with recordings/). */
export async function fsddCorpus(dir: string, selection: FsddSelection = {}): Promise<CorpusEntry[]> {
  let folder = dir;
  let names: string[];
  try {
    names = await readdir(folder);
    if (!names.some((name) => FSDD_NAME.test(name)) && names.includes('recordings')) {
      folder = join(dir, 'recordings');
      names = await readdir(folder);
    }
  } catch (error) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${dir}: cannot read the FSDD folder (${(error as Error).message})`, { cause: error });
  }
  const entries: CorpusEntry[] = [];
  for (const name of names.sort()) {
    const match = FSDD_NAME.exec(name);
    if (!match) continue;
    const [, digit, speaker, indexText] = match;
    const index = Number(indexText);
    if (selection.speakers && !selection.speakers.includes(speaker)) continue;
    if (selection.excludeSpeakers?.includes(speaker)) continue;
    if (selection.indices && (index < selection.indices[0] || index > selection.indices[1])) continue;
    entries.push({ path: join(folder, name), words: [FSDD_WORDS[Number(digit)]], speaker, index });
  }
  if (entries.length === 0) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${dir}: no FSDD recordings match the selection ${JSON.stringify(selection)}`);
  }
  return entries;
}

/** Entries of a transcripts.tsv: `file<TAB>words`, '#' comments and blank lines ignored. */
export async function transcriptsCorpus(tsvPath: string): Promise<CorpusEntry[]> {
  let text: string;
  try {
    text = await readFile(tsvPath, 'utf8');
  } catch (error) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${tsvPath}: cannot read the transcripts (${(error as Error).message})`, { cause: error });
  }
  const base = dirname(resolve(tsvPath));
  const entries: CorpusEntry[] = [];
  text.split(/\r?\n/).forEach((line, number) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const tab = line.indexOf('\t');
    const words = tab < 0 ? [] : line.slice(tab + 1).trim().split(/\s+/).filter(Boolean);
    if (tab < 0 || words.length === 0) {
      throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${basename(tsvPath)} line ${number + 1}: expected "file<TAB>words"; got ${JSON.stringify(line)}`);
    }
    entries.push({ path: resolve(base, line.slice(0, tab)), words: words.map((w) => w.toLowerCase()) });
  });
  if (entries.length === 0) throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${tsvPath}: no transcripts`);
  return entries;
}

/** A whole file's samples at `sampleRateHz` (decoded, mixed to mono, resampled). */
export async function fileSamples(path: string, sampleRateHz: number): Promise<Float32Array> {
  const chunks = await lastValueFrom(audioFile(path).pipe(resample(sampleRateHz), toArray()));
  const samples = new Float32Array(chunks.reduce((sum, chunk) => sum + chunk.samples.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    samples.set(chunk.samples, offset);
    offset += chunk.samples.length;
  }
  return samples;
}

/** The features of a whole file, through the decoder's own front end. */
export async function fileFeatures(path: string, config: FrontEndConfig, options: FrontEndOptions = {}): Promise<FrameBlock> {
  const blocks = await lastValueFrom(audioFile(path).pipe(frontEnd(config, options), toArray()));
  return concatBlocks(blocks, featureWidth(config));
}
