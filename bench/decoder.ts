/**
 * The decoder's figures with the shipped model: whole-pipeline speed on one core split by stage
 * (file → samples → features → scores + search), active tokens per frame, accuracy against
 * the unpruned search at several beams, streaming against batch, what speaker adaptation costs
 * per utterance, and memory over an hour of continuous speech.
 *
 *   taskset -c 1 npx tsx --expose-gc bench/decoder.ts [--fsdd DIR] [--model M] [--hour-minutes 60]
 *     [--sections speed,beam,streaming,adaptation,hour]   (all five by default)
 */
import { readFile as readFileCallback } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import wavefile from 'wavefile';
import { evaluate } from '../cli/eval-command.ts';
import { fsddDirOrExplain } from '../cli/options.ts';
import {
  FrontEnd,
  OnlineDecoder,
  PcmDecoder,
  Recognizer,
  concatBlocks,
  readWavHeader,
  svgLinePlot,
  type DecoderStats,
  type DiagonalGmm,
  type FinalHypothesis,
  type FrameBlock,
  type SpeechModel,
} from '../src/index.ts';
import { fsddCorpus } from '../streams/corpus.ts';
import { loadModel } from '../streams/model-file.ts';
import { digitStrings } from './connected-digits.ts';

const { WaveFile } = wavefile;
/** As streams/audio-file-source.ts reads files: the callback readFile, faster than fs/promises' on small files. */
const readFile = promisify(readFileCallback);
const { values } = parseArgs({
  options: {
    fsdd: { type: 'string' },
    model: { type: 'string' },
    'hour-minutes': { type: 'string', default: '60' },
    sections: { type: 'string', default: 'speed,beam,streaming,adaptation,hour' },
  },
});
const fsdd = fsddDirOrExplain(values.fsdd);
const model: SpeechModel = await loadModel(values.model);
const entries = await fsddCorpus(fsdd, { indices: [0, 4] });
const rate = model.frontEnd.frames.sampleRateHz;
const gc = (globalThis as { gc?: () => void }).gc;
const sections = new Set(values.sections.split(','));

/** FSDD is 8 kHz 16-bit WAV, the model's rate: no resampling on this path. */
async function readSamples(path: string): Promise<Float32Array> {
  const bytes = new Uint8Array(await readFile(path));
  const header = readWavHeader(bytes, path);
  if (header.sampleRateHz !== rate) throw new Error(`${path}: ${header.sampleRateHz} Hz; this benchmark expects ${rate} Hz files`);
  return new PcmDecoder(header.layout).push(bytes.subarray(header.dataStart, header.dataEnd));
}

console.log(`Decoder benchmark, model ${model.name}, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`);

// --- Speed by stage -------------------------------------------------------------------------
/**
 * Stand-ins for the model's GMMs that look every score up in a table filled beforehand: the
 * decoder run with them costs the search alone, so scoring = full decode − this.
 */
function precomputedGmms(features: FrameBlock): DiagonalGmm[] {
  const count = model.gmms.length;
  const table = new Float64Array(features.count * count);
  for (let t = 0; t < features.count; t++) {
    for (let g = 0; g < count; g++) table[t * count + g] = model.gmms[g].logLikelihood(features.data, t * features.width);
  }
  return model.gmms.map((gmm, g) => ({ dim: gmm.dim, logLikelihood: (_x: ArrayLike<number>, offset = 0) => table[(offset / features.width) * count + g] }) as unknown as DiagonalGmm);
}

interface StageTimes {
  fileMs: number;
  featureMs: number;
  decodeMs: number;
  searchOnlyMs: number;
  audioSec: number;
  frames: number;
  tokens: number;
  evaluations: number;
}

/** Times each stage on the recordings (each read from disk), keeping each file's fastest of `rounds`. */
async function speed(beam: number, paths: readonly string[], rounds: number, maxActive = 1000): Promise<StageTimes> {
  const recognizer = new Recognizer(model, { decoder: { beam, maxActive, wordEndBeam: Math.min(80, beam), partials: false } });
  const times: StageTimes = { fileMs: 0, featureMs: 0, decodeMs: 0, searchOnlyMs: 0, audioSec: 0, frames: 0, tokens: 0, evaluations: 0 };
  for (const path of paths) {
    let best = { fileMs: Infinity, featureMs: Infinity, decodeMs: Infinity, searchOnlyMs: Infinity };
    let stats: DecoderStats | undefined;
    let seconds = 0;
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      const samples = await readSamples(path);
      const t1 = performance.now();
      const frontEnd = new FrontEnd(recognizer.frontEnd, { cmnPriorMean: recognizer.model.cmnPriorMean });
      const features = concatBlocks([frontEnd.push(samples), frontEnd.finish()], frontEnd.width);
      const t2 = performance.now();
      const decoder = recognizer.createDecoder();
      decoder.push(features);
      decoder.finish();
      const t3 = performance.now();
      const searchOnly = new OnlineDecoder(recognizer.graph, precomputedGmms(features), { frameShiftSec: recognizer.frameShiftSec }, {
        ...recognizer.decoderOverrides,
        scoring: 'exact',
      });
      const t4 = performance.now();
      searchOnly.push(features);
      searchOnly.finish();
      const t5 = performance.now();
      best = {
        fileMs: Math.min(best.fileMs, t1 - t0),
        featureMs: Math.min(best.featureMs, t2 - t1),
        decodeMs: Math.min(best.decodeMs, t3 - t2),
        searchOnlyMs: Math.min(best.searchOnlyMs, t5 - t4),
      };
      stats = decoder.stats;
      seconds = samples.length / rate;
    }
    times.fileMs += best.fileMs;
    times.featureMs += best.featureMs;
    times.decodeMs += best.decodeMs;
    times.searchOnlyMs += best.searchOnlyMs;
    times.audioSec += seconds;
    times.frames += stats!.frames;
    times.tokens += stats!.activeTokens;
    times.evaluations += stats!.gmmEvaluations;
  }
  return times;
}

function printStages(times: StageTimes): void {
  const rtf = (ms: number): string => (ms / 1000 / times.audioSec).toFixed(4);
  const scoringMs = times.decodeMs - times.searchOnlyMs;
  const total = times.fileMs + times.featureMs + times.decodeMs;
  console.log('| stage | ms | real-time factor |');
  console.log('| --- | --- | --- |');
  console.log(`| read + decode WAV | ${times.fileMs.toFixed(0)} | ${rtf(times.fileMs)} |`);
  console.log(`| front end (frames, MFCC, CMN, Δ) | ${times.featureMs.toFixed(0)} | ${rtf(times.featureMs)} |`);
  console.log(`| GMM scoring (${(times.evaluations / times.frames).toFixed(1)} GMMs per frame) | ${scoringMs.toFixed(0)} | ${rtf(scoringMs)} |`);
  console.log(`| search (tokens, pruning, word ends) | ${times.searchOnlyMs.toFixed(0)} | ${rtf(times.searchOnlyMs)} |`);
  console.log(`| **whole pipeline** | ${total.toFixed(0)} | **${rtf(total)}** |`);
}

const testPaths = entries.map((entry) => entry.path);
if (sections.has('speed')) {
await speed(120, testPaths.slice(0, 50), 2); // warm-up: JIT
const measured = await speed(120, testPaths, 5);
console.log(`\nSpeed: FSDD test split (${entries.length} files, ${measured.audioSec.toFixed(1)} s of audio), default beam 120, one core, fastest of 5 runs per file\n`);
printStages(measured);

// The same stages on one long recording (connected digits, written as a 16-bit WAV), where
// the per-file costs (opening, constructing the front end and decoder) no longer count.
{
  const strings = await digitStrings(entries, 40, rate, 3);
  const parts: Float32Array[] = [];
  let length = 0;
  while (length < 300 * rate) {
    for (const string of strings) {
      parts.push(string.samples);
      length += string.samples.length;
    }
  }
  const joined = new Float32Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  const wav = new WaveFile();
  wav.fromScratch(1, rate, '16', Int16Array.from(joined, (x) => Math.max(-32768, Math.min(32767, Math.round(x * 32768)))));
  const path = join(await mkdtemp(join(tmpdir(), 'beamline-bench-')), 'long.wav');
  await writeFile(path, wav.toBuffer());
  const long = await speed(120, [path], 3);
  console.log(`\nThe same on one ${(long.audioSec / 60).toFixed(1)}-minute WAV of connected digits (fastest of 3 runs):\n`);
  printStages(long);
}

console.log(`\nActive tokens per frame: ${(measured.tokens / measured.frames).toFixed(1)} (graph: ${new Recognizer(model).graph.nodeCount} nodes)`);
}

// --- Accuracy against the unpruned search -----------------------------------------------------
if (sections.has('beam')) {
console.log('\nBeam against accuracy on the FSDD test split (isolated digits, digit loop, batch):\n');
console.log('| beam | max active | WER % | S | D | I | tokens/frame | scoring + search RTF |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const beamCurve: [number, number][] = [];
const maxActiveCurve: [number, number][] = [];
let defaultPoint: [number, number] | undefined;
for (const [beam, maxActive] of [
  [Infinity, Infinity],
  [200, 1000],
  [160, 1000],
  [120, 1000],
  [100, 1000],
  [80, 1000],
  [60, 1000],
  [40, 1000],
  [120, 30],
  [120, 15],
  [120, 8],
] as const) {
  const recognizer = new Recognizer(model, { decoder: { beam, maxActive, wordEndBeam: Math.min(80, beam), partials: false } });
  const { report } = await evaluate(recognizer, entries, true);
  const timing = Number.isFinite(beam) ? await speed(beam, testPaths, 2, maxActive) : undefined;
  const tokens = timing ? (timing.tokens / timing.frames).toFixed(1) : '-';
  const searchRtf = timing ? (timing.decodeMs / 1000 / timing.audioSec).toFixed(4) : '-';
  const { substitutions, deletions, insertions } = report.counts;
  if (timing) (maxActive === 1000 ? beamCurve : maxActiveCurve).push([timing.decodeMs / 1000 / timing.audioSec, report.wordErrorRate]);
  if (timing && beam === 120 && maxActive === 1000) {
    defaultPoint = [timing.decodeMs / 1000 / timing.audioSec, report.wordErrorRate];
    maxActiveCurve.push(defaultPoint);
  }
  console.log(
    `| ${Number.isFinite(beam) ? beam : 'none'} | ${Number.isFinite(maxActive) ? maxActive : 'none'} | ${report.wordErrorRate.toFixed(2)} | ${substitutions} | ${deletions} | ${insertions} | ${tokens} | ${searchRtf} |`,
  );
}
await writeFile(
  fileURLToPath(new URL('../docs/images/beam-tradeoff.svg', import.meta.url)),
  svgLinePlot(
    [
      { name: 'beam 200…40', points: [...beamCurve].sort((a, b) => a[0] - b[0]) },
      { name: 'max-active 1000…8', points: [...maxActiveCurve].sort((a, b) => a[0] - b[0]) },
      { name: 'default', points: defaultPoint ? [defaultPoint] : [] },
    ],
    { title: 'Accuracy against speed on the FSDD test split', xLabel: 'scoring + search real-time factor', yLabel: 'WER (%)', width: 640, height: 380 },
  ),
);
console.log('\nPlot: docs/images/beam-tradeoff.svg');

}

// --- Streaming against batch ----------------------------------------------------------------------
if (sections.has('streaming')) {
const batch = await evaluate(new Recognizer(model, { decoder: { partials: false } }), entries, true);
const streamed = await evaluate(new Recognizer(model, { streaming: true, decoder: { partials: false } }), entries, true);
console.log('\nStreaming (audio chunks through the RxJS pipeline, live CMN, endpointing, second pass at each final) against batch:\n');
console.log('| path | WER % | %Correct |');
console.log('| --- | --- | --- |');
console.log(`| batch | ${batch.report.wordErrorRate.toFixed(2)} | ${batch.report.percentCorrect.toFixed(1)} |`);
console.log(`| streaming | ${streamed.report.wordErrorRate.toFixed(2)} | ${streamed.report.percentCorrect.toFixed(1)} |`);

}

// --- What speaker adaptation costs --------------------------------------------------------------
if (sections.has('adaptation')) {
  // Each speaker's test files as one talker, as a live session learns them: after each utterance
  // its words are aligned and added to the statistics, then the transform is estimated again.
  const recognizer = new Recognizer(model, { decoder: { partials: false } });
  const utterances = await Promise.all(
    entries.map(async (entry) => {
      const frontEnd = recognizer.createFrontEnd();
      const samples = await readSamples(entry.path);
      return { speaker: entry.speaker ?? '', features: concatBlocks([frontEnd.push(samples), frontEnd.finish()], frontEnd.width) };
    }),
  );
  const measure = (): { decodeMs: number; addMs: number; estimateMs: number } => {
    const talkers = new Map<string, ReturnType<Recognizer['createSpeaker']>>();
    let decodeMs = 0;
    let addMs = 0;
    let estimateMs = 0;
    for (const { speaker, features } of utterances) {
      if (!talkers.has(speaker)) talkers.set(speaker, recognizer.createSpeaker().deferEstimates());
      const talker = talkers.get(speaker)!;
      let started = performance.now();
      const final = recognizer.decodeUtterance(talker.apply(features));
      decodeMs += performance.now() - started;
      started = performance.now();
      talker.add(features, final?.words ?? []);
      addMs += performance.now() - started;
      started = performance.now();
      talker.estimate();
      estimateMs += performance.now() - started;
    }
    return { decodeMs, addMs, estimateMs };
  };
  measure(); // warm-up: JIT
  const runs = [measure(), measure(), measure()];
  const fastest = (key: 'decodeMs' | 'addMs' | 'estimateMs'): number => Math.min(...runs.map((run) => run[key])) / utterances.length;
  const frames = utterances.reduce((sum, u) => sum + u.features.count, 0) / utterances.length;
  const perUtterance = fastest('addMs') + fastest('estimateMs');
  console.log(`
Speaker adaptation as a live session learns (\`--adaptation speaker\`): each speaker's ${utterances.length / new Set(utterances.map((u) => u.speaker)).size} test files in turn, ${frames.toFixed(0)} frames an utterance on average, fastest of 3 runs:
`);
  console.log('| per utterance | ms |');
  console.log('| --- | --- |');
  console.log(`| decode (scoring + search, through the transform) | ${fastest('decodeMs').toFixed(2)} |`);
  console.log(`| align the words and add the statistics | ${fastest('addMs').toFixed(2)} |`);
  console.log(`| estimate the transform (5 sweeps from the last one) | ${fastest('estimateMs').toFixed(2)} |`);
  console.log(`
A server adapting 200 streams that each end an utterance every 3 s spends ${((200 / 3) * perUtterance / 1000).toFixed(2)} of a core on learning.`);
}

// --- An hour of continuous speech -----------------------------------------------------------------
const minutes = sections.has('hour') ? Number(values['hour-minutes']) : 0;
if (minutes > 0) {
  const strings = await digitStrings(entries, 20, rate, 7);
  const recognizer = new Recognizer(model, { streaming: true, decoder: { partials: true } });
  const session = recognizer.createSession();
  const chunk = Math.round(0.1 * rate);
  let fed = 0;
  let finals = 0;
  let next = 0;
  const rows: string[] = [];
  const started = performance.now();
  gc?.();
  const heapAtStart = process.memoryUsage().heapUsed;
  for (let minute = 1; minute <= minutes; minute++) {
    while (fed < minute * 60 * rate) {
      const { samples } = strings[next++ % strings.length];
      for (let i = 0; i < samples.length; i += chunk) {
        finals += session.push(samples.subarray(i, i + chunk)).filter((event): event is FinalHypothesis => event.type === 'final').length;
      }
      fed += samples.length;
    }
    if (minute % 10 === 0 || minute === 1) {
      gc?.();
      const heap = (process.memoryUsage().heapUsed - heapAtStart) / 2 ** 20;
      rows.push(`| ${minute} | ${finals} | ${session.decoder.stats.records} | ${session.decoder.stats.maxRecords} | ${heap.toFixed(1)} |`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${minutes} minutes of connected digits in one streaming session (decoded in ${seconds.toFixed(1)} s, RTF ${(seconds / (fed / rate)).toFixed(4)}${gc ? '' : '; run with --expose-gc for the heap column'}):\n`);
  console.log('| minutes fed | finals | backpointer records now | most records held | heap growth MiB |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}
