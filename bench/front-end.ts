/**
 * Front-end speed: frames per second on one core for the 8 kHz and 16 kHz configurations, split
 * by stage, the real-time factor, the resampler's speed, and a long-file run through the stream
 * operators that reports the longest event-loop stall and the memory peak.
 *
 *   npx tsx --expose-gc bench/front-end.ts [--seconds 120] [--long-minutes 60]
 *
 * Audio: FSDD recordings joined end to end (BEAMLINE_FSDD or ../shared/data/fsdd) when present,
 * otherwise a synthetic harmonic signal; the long run uses a generated WAV in the temp folder.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Meyda from 'meyda';
import { lastValueFrom, tap } from 'rxjs';
import {
  CmnStage,
  DeltaStage,
  Framer,
  FrontEnd,
  MfccExtractor,
  PcmDecoder,
  Resampler,
  frontEndConfig,
  readWavHeader,
  type FrameBlock,
} from '../src/index.ts';
import { audioFile, frontEnd } from '../streams/index.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '120' }, 'long-minutes': { type: 'string', default: '60' } },
});
const seconds = Number(values.seconds);
const longMinutes = Number(values['long-minutes']);
const fsddDir = process.env.BEAMLINE_FSDD ?? join(import.meta.dirname, '../../shared/data/fsdd');

function speechAt8k(totalSeconds: number): { samples: Float32Array; source: string } {
  const out = new Float32Array(totalSeconds * 8000);
  const recordings = join(fsddDir, 'recordings');
  if (existsSync(recordings)) {
    let offset = 0;
    for (const name of readdirSync(recordings).sort()) {
      const bytes = new Uint8Array(readFileSync(join(recordings, name)));
      const header = readWavHeader(bytes, name);
      const samples = new PcmDecoder(header.layout).push(bytes.subarray(header.dataStart, header.dataEnd));
      const take = Math.min(samples.length, out.length - offset);
      out.set(samples.subarray(0, take), offset);
      offset += take;
      if (offset === out.length) return { samples: out, source: 'FSDD recordings joined' };
    }
  }
  for (let i = 0; i < out.length; i++) {
    const phase = (2 * Math.PI * (120 + 30 * Math.sin(i / 8000)) * i) / 8000;
    out[i] = 0.1 * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.3 * Math.sin(3 * phase)) + 0.01 * (Math.random() - 0.5);
  }
  return { samples: out, source: 'synthetic harmonics' };
}

function time<T>(run: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = run();
  return { ms: performance.now() - start, result };
}

async function upsample(samples: Float32Array, rateHz: number): Promise<Float32Array> {
  if (rateHz === 8000) return samples;
  const resampler = await Resampler.create({ inputRateHz: 8000, outputRateHz: rateHz });
  const head = resampler.push(samples);
  const tail = resampler.finish();
  resampler.release();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

const lines: string[] = [];
const print = (line = ''): void => {
  lines.push(line);
  console.log(line);
};

const { samples: speech8k, source } = speechAt8k(seconds);
print(`Front-end benchmark: ${seconds} s of audio (${source}), ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
print();
print(row(['rate', 'Meyda alone (frames/s)', 'framer', 'MFCC (fft.js)', 'CMN + Δ + ΔΔ', 'whole front end (frames/s)', 'real-time factor']));
print(row(['---', '---', '---', '---', '---', '---', '---']));
for (const rateHz of [8000, 16000]) {
  const samples = await upsample(speech8k, rateHz);
  const config = frontEndConfig({ frames: { sampleRateHz: rateHz } });
  const framer = new Framer(config.frames);
  // Warm up the JIT on a second of audio, then measure each stage on its real input.
  new FrontEnd(config).push(samples.subarray(0, rateHz));
  const framed = time(() => framer.push(samples));
  const frames: FrameBlock = framed.result;
  const mfcc = new MfccExtractor(rateHz, framer.fftSize, config.mfcc);
  const cepstra = time(() => mfcc.push(frames));
  const cmn = new CmnStage(13, config.cmn);
  const deltas = new DeltaStage(13, config.deltas);
  const post = time(() => {
    cmn.push(cepstra.result);
    return deltas.push(cmn.finish());
  });
  const whole = time(() => {
    const frontEnd = new FrontEnd(config);
    frontEnd.push(samples);
    return frontEnd.finish();
  });
  const meydaState = Meyda as unknown as {
    bufferSize: number;
    sampleRate: number;
    melFilterBank: unknown;
    windowingFunction: string;
    extract(features: string[], signal: Float32Array): unknown;
  };
  meydaState.bufferSize = framer.fftSize;
  meydaState.sampleRate = rateHz;
  meydaState.melFilterBank = undefined;
  meydaState.windowingFunction = 'rect';
  const scratch = new Float32Array(framer.fftSize);
  const meydaOnly = time(() => {
    for (let f = 0; f < frames.count; f++) {
      scratch.set(frames.data.subarray(f * framer.fftSize, (f + 1) * framer.fftSize));
      meydaState.extract(['mfcc'], scratch);
    }
  });
  const perSecond = (ms: number): string => Math.round((frames.count / ms) * 1000).toLocaleString('en-US');
  print(
    row([
      `${rateHz / 1000} kHz (${framer.fftSize}-point FFT)`,
      perSecond(meydaOnly.ms),
      perSecond(framed.ms),
      perSecond(cepstra.ms),
      perSecond(post.ms),
      perSecond(whole.ms),
      (whole.ms / 1000 / seconds).toFixed(4),
    ]),
  );
}

print();
print(row(['resampling', 'speed (× real time)']));
print(row(['---', '---']));
for (const [from, to] of [
  [16000, 8000],
  [44100, 16000],
  [48000, 8000],
]) {
  const input = await (async () => {
    const out = new Float32Array(from * 30);
    for (let i = 0; i < out.length; i++) out[i] = speech8k[Math.floor((i * 8000) / from) % speech8k.length];
    return out;
  })();
  const resampler = await Resampler.create({ inputRateHz: from, outputRateHz: to });
  const { ms } = time(() => {
    for (let i = 0; i < input.length; i += from / 10) resampler.push(input.subarray(i, i + from / 10));
    return resampler.finish();
  });
  resampler.release();
  print(row([`${from} → ${to} Hz, 100 ms chunks`, Math.round(30_000 / ms)]));
}

/** Writes `minutes` of 16 kHz 16-bit speech to a WAV in the temp folder; returns its path and size. */
async function writeLongWav(minutes: number): Promise<{ path: string; mib: number }> {
  const path = join(tmpdir(), `beamline-bench-${process.pid}.wav`);
  const total = minutes * 60 * 16000;
  const bytes = new Uint8Array(44 + total * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string): void => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + total * 2, true);
  ascii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 16000, true);
  view.setUint32(28, 32000, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, total * 2, true);
  const speech16k = await upsample(speech8k, 16000);
  for (let i = 0; i < total; i++) view.setInt16(44 + 2 * i, Math.round(speech16k[i % speech16k.length] * 32000), true);
  writeFileSync(path, bytes);
  return { path, mib: bytes.length / 2 ** 20 };
}

if (longMinutes > 0) {
  // A long 16 kHz WAV streamed through the operators as a user's file would be: the event loop's
  // longest stall (before the first features: module loading, JIT and WebAssembly warm-up; after
  // it: steady state) and the memory above the baseline (the file's bytes are read whole).
  const { path, mib } = await writeLongWav(longMinutes);
  // Drop the generator's copy of the file first (run with --expose-gc), so the baseline is clean.
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) console.warn('(run with --expose-gc for a clean memory baseline)');
  collect?.();
  const baseline = process.memoryUsage().rss;
  let peakRss = baseline;
  let frames = 0;
  let firstOutputMs = 0;
  let warmUpStallMs = 0;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const start = performance.now();
  const config = frontEndConfig({ frames: { sampleRateHz: 8000 }, cmn: { mode: 'live' } });
  await lastValueFrom(
    audioFile(path).pipe(
      frontEnd(config),
      tap((block) => {
        if (frames === 0) {
          firstOutputMs = performance.now() - start;
          warmUpStallMs = delay.max / 1e6;
          delay.reset();
        }
        frames += block.count;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }),
    ),
  );
  const elapsed = (performance.now() - start) / 1000;
  delay.disable();
  rmSync(path);
  print();
  print(row(['long file through the stream operators', 'value']));
  print(row(['---', '---']));
  print(row(['audio', `${longMinutes} min, 16 kHz 16-bit WAV (${mib.toFixed(0)} MiB), resampled to 8 kHz, live CMN`]));
  print(row(['feature frames', frames.toLocaleString('en-US')]));
  print(row(['wall time', `${elapsed.toFixed(1)} s (real-time factor ${(elapsed / (longMinutes * 60)).toFixed(4)})`]));
  print(row(['first features after', `${firstOutputMs.toFixed(0)} ms (longest stall until then ${warmUpStallMs.toFixed(0)} ms)`]));
  print(row(['longest event-loop stall after that', `${(delay.max / 1e6).toFixed(1)} ms (p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms)`]));
  print(row(['peak RSS above start', `${((peakRss - baseline) / 2 ** 20).toFixed(0)} MiB (the file is ${mib.toFixed(0)} MiB)`]));
}

if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${lines.join('\n')}\n`);
