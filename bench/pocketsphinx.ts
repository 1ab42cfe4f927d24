/**
 * beamline against PocketSphinx on the same audio, in one run: FSDD's test split (index 0–4,
 * 250 isolated digits, five speakers) decoded with a digit-loop grammar by
 *   - PocketSphinx with its US English model (audio resampled to 16 kHz),
 *   - PocketSphinx with the 8 kHz TIDIGITS model from pocketsphinx-testdata,
 *   - beamline with its shipped model (the default digit loop).
 * Each system runs as one process over all files (pocketsphinx_batch; `beamline decode`) under
 * /usr/bin/time: CPU seconds (user + system) and peak resident memory are the whole process's.
 * PocketSphinx's word insertion penalty (-wip) is chosen on the training split (index 5–14 of
 * every speaker, 500 files) before the test split is decoded; beamline's defaults were chosen on
 * the training split too.
 *
 *   npx tsx bench/pocketsphinx.ts [--fsdd DIR]
 *
 * Needs Debian's PocketSphinx: apt-get install pocketsphinx pocketsphinx-en-us pocketsphinx-testdata
 * (without it, this prints how to install it and measures nothing). Then the same in white noise
 * and in babble at 20, 10 and 5 dB SNR, with a plot of WER against SNR (docs/images/noise-wer.svg).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import wavefile from 'wavefile';
import { fsddDirOrExplain } from '../cli/options.ts';
import { PcmDecoder, RecognitionScorer, Resampler, readWavHeader, svgLinePlot, type RecognitionReport } from '../src/index.ts';
import { fsddCorpus, FSDD_WORDS, type CorpusEntry } from '../streams/corpus.ts';

const run = promisify(execFile);
const { WaveFile } = wavefile;
const { values } = parseArgs({ options: { fsdd: { type: 'string' } } });
const fsdd = fsddDirOrExplain(values.fsdd);

const EN_US = '/usr/share/pocketsphinx/model/en-us';
const TIDIGITS = '/usr/share/pocketsphinx/test/data/tidigits';
const missing = [
  ['pocketsphinx_batch', '/usr/bin/pocketsphinx_batch', 'pocketsphinx'],
  ['the US English model', `${EN_US}/en-us`, 'pocketsphinx-en-us'],
  ['the TIDIGITS model', `${TIDIGITS}/hmm`, 'pocketsphinx-testdata'],
  ['GNU time', '/usr/bin/time', 'time'],
].filter(([, path]) => !existsSync(path));
if (missing.length > 0) {
  console.log(`Skipping the PocketSphinx comparison: ${missing.map(([what]) => what).join(', ')} not installed.`);
  console.log(`Install with: apt-get install ${missing.map(([, , pkg]) => pkg).join(' ')}`);
  process.exit(0);
}

const work = await mkdtemp(join(tmpdir(), 'beamline-vs-pocketsphinx-'));
const test = await fsddCorpus(fsdd, { indices: [0, 4] });
const tune = await fsddCorpus(fsdd, { indices: [5, 14] });

async function samplesOf(entry: CorpusEntry): Promise<Float32Array> {
  const bytes = new Uint8Array(await readFile(entry.path));
  const header = readWavHeader(bytes, entry.path);
  if (header.sampleRateHz !== 8000) throw new Error(`${entry.path}: expected 8 kHz`);
  return new PcmDecoder(header.layout).push(bytes.subarray(header.dataStart, header.dataEnd));
}

async function prepare(entries: readonly CorpusEntry[], name: string): Promise<{ dir8: string; dir16: string; ids: string[]; seconds: number }> {
  return writeSet(await Promise.all(entries.map(samplesOf)), name);
}

/** Each recording (8 kHz) as a plain 44-byte-header 16-bit WAV at 8 kHz and at 16 kHz (libsamplerate). */
async function writeSet(recordings: readonly Float32Array[], name: string): Promise<{ dir8: string; dir16: string; ids: string[]; seconds: number }> {
  const dir8 = await mkdtemp(join(work, `${name}-8k-`));
  const dir16 = await mkdtemp(join(work, `${name}-16k-`));
  const ids: string[] = [];
  let seconds = 0;
  for (const [i, samples] of recordings.entries()) {
    const resampler = await Resampler.create({ inputRateHz: 8000, outputRateHz: 16000 });
    const head = resampler.push(samples);
    const tail = resampler.finish();
    resampler.release();
    const up = new Float32Array(head.length + tail.length);
    up.set(head);
    up.set(tail, head.length);
    const id = `u${String(i).padStart(4, '0')}`;
    ids.push(id);
    seconds += samples.length / 8000;
    const write = (dir: string, rate: number, x: Float32Array): Promise<void> => {
      const wav = new WaveFile();
      wav.fromScratch(1, rate, '16', Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768)))));
      return writeFile(join(dir, `${id}.wav`), wav.toBuffer());
    };
    await write(dir8, 8000, samples);
    await write(dir16, 16000, up);
  }
  return { dir8, dir16, ids, seconds };
}

interface Measured {
  report: RecognitionReport;
  cpuSeconds: number;
  peakMiB: number;
}

/** Runs a command under GNU time; returns its stdout and CPU seconds and peak RSS. */
async function timed(command: string, args: string[]): Promise<{ stdout: string; cpuSeconds: number; peakMiB: number }> {
  const stats = join(work, 'time.txt');
  const { stdout } = await run('/usr/bin/time', ['-o', stats, '-f', '%U %S %M', command, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const [user, system, kib] = (await readFile(stats, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
  return { stdout, cpuSeconds: user + system, peakMiB: kib / 1024 };
}

function score(entries: readonly CorpusEntry[], hypotheses: readonly string[][]): RecognitionReport {
  const scorer = new RecognitionScorer();
  entries.forEach((entry, i) => scorer.add(entry.words, hypotheses[i] ?? []));
  return scorer.report();
}

const grammar = join(work, 'digits.gram');
await writeFile(grammar, `#JSGF V1.0;\ngrammar digits;\npublic <digits> = ( ${FSDD_WORDS.join(' | ')} )+ ;\n`);
// The en-us dictionary's entries for the ten words (first pronunciations and variants).
const enUsDict = join(work, 'digits-en-us.dict');
const cmudict = await readFile(`${EN_US}/cmudict-en-us.dict`, 'utf8');
await writeFile(enUsDict, cmudict.split('\n').filter((line) => FSDD_WORDS.includes(line.split(' ')[0].replace(/\(\d+\)$/, ''))).join('\n') + '\n');

interface SphinxSetup {
  readonly name: string;
  /** For the plot's legend. */
  readonly short: string;
  readonly hmm: string;
  readonly dict: string;
  readonly rate: 8000 | 16000;
}
const SETUPS: SphinxSetup[] = [
  { name: 'PocketSphinx, US English model (16 kHz)', short: 'PocketSphinx en-us', hmm: `${EN_US}/en-us`, dict: enUsDict, rate: 16000 },
  { name: 'PocketSphinx, TIDIGITS model (8 kHz)', short: 'PocketSphinx TIDIGITS', hmm: `${TIDIGITS}/hmm`, dict: `${TIDIGITS}/lm/tidigits.dic`, rate: 8000 },
];

async function pocketsphinx(setup: SphinxSetup, data: { dir8: string; dir16: string; ids: string[] }, entries: readonly CorpusEntry[], wip: number): Promise<Measured> {
  const ctl = join(work, 'files.ctl');
  const hyp = join(work, 'out.hyp');
  await writeFile(ctl, data.ids.join('\n') + '\n');
  const { cpuSeconds, peakMiB } = await timed('pocketsphinx_batch', [
    '-hmm', setup.hmm, '-dict', setup.dict, '-jsgf', grammar, '-wip', String(wip),
    '-ctl', ctl, '-cepdir', setup.rate === 8000 ? data.dir8 : data.dir16, '-cepext', '.wav', '-adcin', 'yes', '-adchdr', '44',
    '-samprate', String(setup.rate), '-nfft', setup.rate === 8000 ? '256' : '512', '-hyp', hyp, '-logfn', join(work, 'sphinx.log'),
  ]);
  // Hypothesis lines: "words (uttid score)".
  const byId = new Map<string, string[]>();
  for (const line of (await readFile(hyp, 'utf8')).split('\n')) {
    const match = /^(.*?)\s*\((u\d+)\s+-?\d+\)\s*$/.exec(line);
    if (match) byId.set(match[2], match[1].split(/\s+/).filter(Boolean).map((word) => word.replace(/\(\d+\)$/, '')));
  }
  return { report: score(entries, data.ids.map((id) => byId.get(id) ?? [])), cpuSeconds, peakMiB };
}

async function beamline(data: { dir8: string; ids: string[] }, entries: readonly CorpusEntry[]): Promise<Measured> {
  const bin = fileURLToPath(new URL('../bin/beamline.js', import.meta.url));
  const files = data.ids.map((id) => join(data.dir8, `${id}.wav`));
  const { stdout, cpuSeconds, peakMiB } = await timed(process.execPath, [bin, 'decode', '--format', 'jsonl', ...files]);
  const byFile = new Map(stdout.trim().split('\n').map((line) => JSON.parse(line) as { file: string; text: string }).map((r) => [r.file, r.text.split(' ').filter(Boolean)]));
  return { report: score(entries, files.map((file) => byFile.get(file) ?? [])), cpuSeconds, peakMiB };
}

console.log(`beamline against PocketSphinx (Debian's pocketsphinx ${(await run('dpkg-query', ['-W', '-f', '${Version}', 'pocketsphinx'])).stdout}), ${new Date().toISOString().slice(0, 10)}, one process per system over all files\n`);
const tuneData = await prepare(tune, 'tune');
const testData = await prepare(test, 'test');

console.log(`Word insertion penalty (-wip) on the training split (index 5–14, ${tune.length} files): WER %\n`);
const WIPS = [1e-20, 1e-10, 1e-5, 1e-2, 0.65, 10];
console.log(`| model | ${WIPS.map((w) => `wip ${w}`).join(' | ')} |`);
console.log(`| --- | ${WIPS.map(() => '---').join(' | ')} |`);
const chosen = new Map<SphinxSetup, number>();
for (const setup of SETUPS) {
  const wers: number[] = [];
  for (const wip of WIPS) wers.push((await pocketsphinx(setup, tuneData, tune, wip)).report.wordErrorRate);
  chosen.set(setup, WIPS[wers.indexOf(Math.min(...wers))]);
  console.log(`| ${setup.name} | ${wers.map((w) => w.toFixed(1)).join(' | ')} |`);
}

console.log(`\nFSDD test split (index 0–4, ${test.length} files, ${testData.seconds.toFixed(1)} s of audio), digit-loop grammar:\n`);
console.log('| system | WER % | S | D | I | utterances right | CPU s | real-time factor | peak memory | CPU vs beamline |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const ours = await beamline(testData, test);
const row = (name: string, m: Measured): string => {
  const { substitutions, deletions, insertions } = m.report.counts;
  return `| ${name} | ${m.report.wordErrorRate.toFixed(1)} | ${substitutions} | ${deletions} | ${insertions} | ${(100 - m.report.sentenceErrorRate).toFixed(1)}% | ${m.cpuSeconds.toFixed(2)} | ${(m.cpuSeconds / testData.seconds).toFixed(4)} | ${m.peakMiB.toFixed(0)} MiB | ${(m.cpuSeconds / ours.cpuSeconds).toFixed(2)}× |`;
};
for (const setup of SETUPS) console.log(row(`${setup.name}, -wip ${chosen.get(setup)}`, await pocketsphinx(setup, testData, test, chosen.get(setup)!)));
console.log(row('beamline, shipped model (8 kHz)', ours));
console.log('\nCPU and memory are whole processes: model loading and (for beamline) Node start-up included.');

// --- Noise robustness ---------------------------------------------------------------------------
/**
 * The test split in noise at a given SNR (speech power over each whole recording): steady white
 * noise, or babble — six other recordings of the training split (index 5–49, any speaker)
 * looped and summed, a crowd of digit speakers talking at once.
 */
const testSamples = await Promise.all(test.map(samplesOf));
const babbleSources = await Promise.all((await fsddCorpus(fsdd, { indices: [5, 49] })).filter((_, i) => i % 37 === 0).map(samplesOf));
let seed = 12345;
const uniform = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());

function noisy(samples: Float32Array, kind: 'white' | 'babble', snrDb: number): Float32Array {
  const noise = new Float32Array(samples.length);
  if (kind === 'white') {
    for (let i = 0; i < noise.length; i++) noise[i] = gaussian();
  } else {
    for (let talker = 0; talker < 6; talker++) {
      const source = babbleSources[Math.floor(uniform() * babbleSources.length)];
      const offset = Math.floor(uniform() * source.length);
      for (let i = 0; i < noise.length; i++) noise[i] += source[(offset + i) % source.length];
    }
  }
  const power = (x: Float32Array): number => x.reduce((sum, v) => sum + v * v, 0) / Math.max(1, x.length);
  const gain = Math.sqrt(power(samples) / Math.max(1e-12, power(noise)) / 10 ** (snrDb / 10));
  return samples.map((v, i) => v + gain * noise[i]);
}

const SNRS = [20, 10, 5];
const curves = new Map<string, [number, number][]>();
console.log('\nNoise robustness: WER % on the test split mixed with noise (same settings as above)\n');
console.log(`| system | noise | clean | ${SNRS.map((snr) => `${snr} dB`).join(' | ')} |`);
console.log(`| --- | --- | --- | ${SNRS.map(() => '---').join(' | ')} |`);
const clean = new Map<string, number>([['beamline', ours.report.wordErrorRate]]);
for (const setup of SETUPS) clean.set(setup.name, (await pocketsphinx(setup, testData, test, chosen.get(setup)!)).report.wordErrorRate);
for (const kind of ['white', 'babble'] as const) {
  const rows = new Map<string, number[]>();
  for (const snr of SNRS) {
    const data = await writeSet(testSamples.map((samples) => noisy(samples, kind, snr)), `${kind}-${snr}`);
    const results: [string, Measured][] = [['beamline', await beamline(data, test)]];
    for (const setup of SETUPS) results.push([setup.name, await pocketsphinx(setup, data, test, chosen.get(setup)!)]);
    for (const [name, measured] of results) rows.set(name, [...(rows.get(name) ?? []), measured.report.wordErrorRate]);
  }
  for (const [name, wers] of rows) {
    console.log(`| ${name} | ${kind} | ${clean.get(name)!.toFixed(1)} | ${wers.map((w) => w.toFixed(1)).join(' | ')} |`);
    const short = SETUPS.find((setup) => setup.name === name)?.short ?? name;
    curves.set(`${short}, ${kind}`, [[40, clean.get(name)!], ...SNRS.map((snr, i) => [snr, wers[i]] as [number, number])]);
  }
}
const plot = svgLinePlot(
  [...curves].map(([name, points]) => ({ name, points })),
  { title: 'WER against SNR on FSDD test split (clean plotted at 40 dB)', xLabel: 'SNR (dB)', yLabel: 'WER (%)', width: 760, height: 420 },
);
const plotPath = fileURLToPath(new URL('../docs/images/noise-wer.svg', import.meta.url));
await writeFile(plotPath, plot);
console.log(`\nPlot: docs/images/noise-wer.svg`);
