/**
 * The decoder's figures with the shipped model: whole-pipeline speed on one core split by stage
 * (file → samples → features → scores + search), active tokens per frame, accuracy against
 * the unpruned search at several beams, streaming against batch, and memory over an hour of
 * continuous speech.
 *
 *   taskset -c 1 npx tsx --expose-gc bench/decoder.ts [--fsdd DIR] [--model M] [--hour-minutes 60]
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import wavefile from 'wavefile';
import { evaluate } from '../cli/eval-command.ts';
import { fsddDirOrExplain } from '../cli/options.ts';
import { FrontEnd, PcmDecoder, Recognizer, readWavHeader, type FinalHypothesis, type SpeechModel } from '../src/index.ts';
import { fsddCorpus } from '../streams/corpus.ts';
import { loadModel } from '../streams/model-file.ts';
import { digitStrings } from './connected-digits.ts';

const { WaveFile } = wavefile;
const { values } = parseArgs({
  options: {
    fsdd: { type: 'string' },
    model: { type: 'string' },
    'hour-minutes': { type: 'string', default: '60' },
  },
});
const fsdd = fsddDirOrExplain(values.fsdd);
const model: SpeechModel = await loadModel(values.model);
const entries = await fsddCorpus(fsdd, { indices: [0, 4] });
const rate = model.frontEnd.frames.sampleRateHz;
const gc = (globalThis as { gc?: () => void }).gc;

/** FSDD is 8 kHz 16-bit WAV, the model's rate: no resampling on this path. */
async function readSamples(path: string): Promise<Float32Array> {
  const bytes = new Uint8Array(await readFile(path));
  const header = readWavHeader(bytes, path);
  if (header.sampleRateHz !== rate) throw new Error(`${path}: ${header.sampleRateHz} Hz; this benchmark expects ${rate} Hz files`);
  return new PcmDecoder(header.layout).push(bytes.subarray(header.dataStart, header.dataEnd));
}

console.log(`Decoder benchmark, model ${model.name}, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`);

// --- Speed by stage -------------------------------------------------------------------------
async function speed(beam: number, rounds: number) {
  const recognizer = new Recognizer(model, { decoder: { beam, partials: false } });
  let fileMs = 0;
  let featureMs = 0;
  let searchMs = 0;
  let audioSec = 0;
  let frames = 0;
  let tokens = 0;
  let evaluations = 0;
  for (let round = 0; round < rounds; round++) {
    for (const entry of entries) {
      const t0 = performance.now();
      const samples = await readSamples(entry.path);
      const t1 = performance.now();
      const frontEnd = new FrontEnd(recognizer.frontEnd);
      const first = frontEnd.push(samples);
      const last = frontEnd.finish();
      const t2 = performance.now();
      const decoder = recognizer.createDecoder();
      decoder.push(first);
      decoder.push(last);
      decoder.finish();
      const t3 = performance.now();
      if (round === rounds - 1) {
        fileMs += t1 - t0;
        featureMs += t2 - t1;
        searchMs += t3 - t2;
        audioSec += samples.length / rate;
        frames += decoder.stats.frames;
        tokens += decoder.stats.activeTokens;
        evaluations += decoder.stats.gmmEvaluations;
      }
    }
  }
  return { fileMs, featureMs, searchMs, audioSec, frames, tokens, evaluations };
}

/** Cost of one GMM evaluation on real features, to split search time into scoring and the rest. */
async function gmmMicroseconds(): Promise<number> {
  const frontEnd = new FrontEnd(model.frontEnd);
  const samples = await readSamples(entries[0].path);
  const features = [frontEnd.push(samples), frontEnd.finish()].find((block) => block.count > 0)!;
  let sink = 0;
  const start = performance.now();
  let count = 0;
  for (let repeat = 0; repeat < 200; repeat++) {
    for (let t = 0; t < features.count; t++) {
      for (let g = 0; g < model.gmms.length; g += 3) {
        sink += model.gmms[g].logLikelihood(features.data, t * features.width);
        count++;
      }
    }
  }
  if (sink === 0) console.log('');
  return ((performance.now() - start) * 1000) / count;
}

await speed(120, 2); // warm-up: JIT
const perGmm = await gmmMicroseconds();
const measured = await speed(120, 3);
const rtf = (ms: number): string => (ms / 1000 / measured.audioSec).toFixed(4);
const scoringMs = (measured.evaluations * perGmm) / 1000;
console.log(`\nSpeed: FSDD test split (${entries.length} files, ${measured.audioSec.toFixed(1)} s of audio), default beam 120, one core\n`);
console.log('| stage | ms | real-time factor |');
console.log('| --- | --- | --- |');
console.log(`| read + decode WAV | ${measured.fileMs.toFixed(0)} | ${rtf(measured.fileMs)} |`);
console.log(`| front end (frames, MFCC, CMN, Δ) | ${measured.featureMs.toFixed(0)} | ${rtf(measured.featureMs)} |`);
console.log(`| GMM scoring (${(measured.evaluations / measured.frames).toFixed(1)} GMMs/frame × ${perGmm.toFixed(2)} µs) | ${scoringMs.toFixed(0)} | ${rtf(scoringMs)} |`);
console.log(`| search (tokens, pruning, word ends) | ${(measured.searchMs - scoringMs).toFixed(0)} | ${rtf(measured.searchMs - scoringMs)} |`);
const total = measured.fileMs + measured.featureMs + measured.searchMs;
console.log(`| **whole pipeline** | ${total.toFixed(0)} | **${rtf(total)}** |`);

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
  const recognizer = new Recognizer(model, { decoder: { partials: false } });
  let best = { fileMs: Infinity, featureMs: Infinity, searchMs: Infinity, frames: 0, gmm: 0 };
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    const samples = await readSamples(path);
    const t1 = performance.now();
    const frontEnd = new FrontEnd(recognizer.frontEnd);
    const features = [frontEnd.push(samples), frontEnd.finish()];
    const t2 = performance.now();
    const decoder = recognizer.createDecoder();
    for (const block of features) decoder.push(block);
    decoder.finish();
    const t3 = performance.now();
    if (t3 - t0 < best.fileMs + best.featureMs + best.searchMs) {
      best = { fileMs: t1 - t0, featureMs: t2 - t1, searchMs: t3 - t2, frames: decoder.stats.frames, gmm: decoder.stats.gmmEvaluations };
    }
  }
  const seconds = length / rate;
  const longRtf = (ms: number): string => (ms / 1000 / seconds).toFixed(4);
  const longScoring = (best.gmm * perGmm) / 1000;
  console.log(`\nThe same on one ${(seconds / 60).toFixed(1)}-minute WAV of connected digits (best of 3 runs):\n`);
  console.log('| stage | ms | real-time factor |');
  console.log('| --- | --- | --- |');
  console.log(`| read + decode WAV | ${best.fileMs.toFixed(0)} | ${longRtf(best.fileMs)} |`);
  console.log(`| front end | ${best.featureMs.toFixed(0)} | ${longRtf(best.featureMs)} |`);
  console.log(`| GMM scoring (${(best.gmm / best.frames).toFixed(1)} GMMs/frame) | ${longScoring.toFixed(0)} | ${longRtf(longScoring)} |`);
  console.log(`| search | ${(best.searchMs - longScoring).toFixed(0)} | ${longRtf(best.searchMs - longScoring)} |`);
  const longTotal = best.fileMs + best.featureMs + best.searchMs;
  console.log(`| **whole pipeline** | ${longTotal.toFixed(0)} | **${longRtf(longTotal)}** |`);
}
console.log(`\nActive tokens per frame: ${(measured.tokens / measured.frames).toFixed(1)} (graph: ${new Recognizer(model).graph.nodeCount} nodes)`);

// --- Accuracy against the unpruned search -----------------------------------------------------
console.log('\nBeam against accuracy on the FSDD test split (isolated digits, digit loop, batch):\n');
console.log('| beam | max active | WER % | S | D | I | tokens/frame | search RTF |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [beam, maxActive] of [
  [Infinity, Infinity],
  [160, 1000],
  [120, 1000],
  [100, 1000],
  [80, 1000],
  [60, 1000],
  [120, 15],
] as const) {
  const recognizer = new Recognizer(model, { decoder: { beam, maxActive, wordEndBeam: Math.min(80, beam), partials: false } });
  const { report } = await evaluate(recognizer, entries, true);
  const timing = Number.isFinite(beam) ? await speed(beam, 1) : undefined;
  const tokens = timing ? (timing.tokens / timing.frames).toFixed(1) : '-';
  const searchRtf = timing ? (timing.searchMs / 1000 / timing.audioSec).toFixed(4) : '-';
  const { substitutions, deletions, insertions } = report.counts;
  console.log(
    `| ${Number.isFinite(beam) ? beam : 'none'} | ${Number.isFinite(maxActive) ? maxActive : 'none'} | ${report.wordErrorRate.toFixed(2)} | ${substitutions} | ${deletions} | ${insertions} | ${tokens} | ${searchRtf} |`,
  );
}

// --- Streaming against batch ----------------------------------------------------------------------
const batch = await evaluate(new Recognizer(model, { decoder: { partials: false } }), entries, true);
const streamed = await evaluate(new Recognizer(model, { streaming: true, decoder: { partials: false } }), entries, true);
console.log('\nStreaming (audio chunks through the RxJS pipeline, live CMN, endpointing, second pass at each final) against batch:\n');
console.log('| path | WER % | %Correct |');
console.log('| --- | --- | --- |');
console.log(`| batch | ${batch.report.wordErrorRate.toFixed(2)} | ${batch.report.percentCorrect.toFixed(1)} |`);
console.log(`| streaming | ${streamed.report.wordErrorRate.toFixed(2)} | ${streamed.report.percentCorrect.toFixed(1)} |`);

// --- An hour of continuous speech -----------------------------------------------------------------
const minutes = Number(values['hour-minutes']);
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
