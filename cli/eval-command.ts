/**
 * `beamline eval`: recognises a test set with a model and prints HResults-style figures
 * (%Correct, accuracy, H/D/S/I/N, sentence error rate, confusion matrix), or JSON.
 */
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import {
  BeamlineError,
  ERROR_CODES,
  IsolatedWordClassifier,
  RecognitionScorer,
  formatReport,
  type RecognitionReport,
  type SpeechModel,
} from '../src/index.ts';
import { fileFeatures, fsddCorpus, transcriptsCorpus, type CorpusEntry } from '../streams/corpus.ts';
import { loadModel } from '../streams/model-file.ts';
import { fsddDirOrExplain, indexRange, list } from './options.ts';

export interface EvalOptions {
  model?: string;
  indices: [number, number];
  speakers?: string[];
  excludeSpeakers?: string[];
  format: 'text' | 'json';
  quiet?: boolean;
}

export interface EvalResult {
  readonly report: RecognitionReport;
  /** Per-speaker reports where the data names speakers. */
  readonly speakers: Record<string, RecognitionReport>;
}

async function corpusFor(data: string | undefined, options: EvalOptions): Promise<CorpusEntry[]> {
  if (data !== undefined && data.endsWith('.tsv')) return transcriptsCorpus(data);
  const dir = fsddDirOrExplain(data);
  if (!(await stat(dir)).isDirectory()) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${dir}: expected an FSDD folder or a transcripts .tsv file`);
  }
  return fsddCorpus(dir, {
    indices: options.indices,
    ...(options.speakers ? { speakers: options.speakers } : {}),
    ...(options.excludeSpeakers ? { excludeSpeakers: options.excludeSpeakers } : {}),
  });
}

export async function evaluate(model: SpeechModel, entries: readonly CorpusEntry[], quiet = false): Promise<EvalResult> {
  const classifier = new IsolatedWordClassifier(model);
  const overall = new RecognitionScorer();
  const bySpeaker = new Map<string, RecognitionScorer>();
  const bar = quiet ? undefined : new cliProgress.SingleBar({ format: 'eval |{bar}| {value}/{total} files', stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar?.start(entries.length, 0);
  for (const entry of entries) {
    if (entry.words.length !== 1) {
      bar?.stop();
      throw new BeamlineError(
        ERROR_CODES.DATA_INVALID,
        `${entry.path}: has ${entry.words.length} words; this eval classifies isolated words (one word per recording) until the online decoder lands`,
      );
    }
    const features = await fileFeatures(entry.path, model.frontEnd);
    const word = classifier.classify(features);
    const hypothesis = word === undefined ? [] : [word];
    overall.add(entry.words, hypothesis);
    if (entry.speaker !== undefined) {
      if (!bySpeaker.has(entry.speaker)) bySpeaker.set(entry.speaker, new RecognitionScorer());
      bySpeaker.get(entry.speaker)!.add(entry.words, hypothesis);
    }
    bar?.increment();
  }
  bar?.stop();
  return { report: overall.report(), speakers: Object.fromEntries([...bySpeaker].map(([name, scorer]) => [name, scorer.report()])) };
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('recognise a test set and print HResults-style figures: %Correct, accuracy, H/D/S/I/N, SER, confusions')
    .argument('[data]', 'an FSDD folder or a transcripts .tsv (default: FSDD beside the repository or $BEAMLINE_FSDD)')
    .option('--model <file>', 'model file (default: the shipped digits model)')
    .addOption(new Option('--indices <range>', 'FSDD recording indices (the test split)').argParser(indexRange).default([0, 4], '0-4'))
    .option('--speakers <names>', 'FSDD speakers to include, comma-separated', list)
    .option('--exclude-speakers <names>', 'FSDD speakers to leave out, comma-separated', list)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (data: string | undefined, options: EvalOptions) => {
      const model = await loadModel(options.model);
      const entries = await corpusFor(data, options);
      const result = await evaluate(model, entries, options.format === 'json');
      if (options.format === 'json') {
        process.stdout.write(`${JSON.stringify({ model: model.name, files: entries.length, ...result })}\n`);
        return;
      }
      const vocabulary = [...model.lexicon.keys()];
      process.stdout.write(`${formatReport(result.report, vocabulary, `${model.name} on ${entries.length} files`)}\n`);
      const speakers = Object.entries(result.speakers);
      if (speakers.length > 1) {
        process.stdout.write('\nper speaker: ' + speakers.map(([name, r]) => `${name} ${r.percentCorrect.toFixed(1)}%`).join(', ') + '\n');
      }
    });
}
