/** Shared test helpers: signal generators and measurement, written independently of src/. */
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function sine(frequencyHz: number, sampleRateHz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(sampleRateHz * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz);
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Speech-like test audio: harmonics of a wandering pitch plus noise. */
export function babble(sampleRateHz: number, seconds: number, seed = 1): Float32Array {
  const next = random(seed);
  const out = new Float32Array(Math.round(sampleRateHz * seconds));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const pitch = 120 + 40 * Math.sin(i / sampleRateHz);
    phase += (2 * Math.PI * pitch) / sampleRateHz;
    let value = 0;
    for (let h = 1; h <= 12; h++) value += Math.sin(h * phase) / h;
    out[i] = 0.2 * value + 0.02 * (next() - 0.5);
  }
  return out;
}

/** Root-mean-square level of the samples in [from, to), in dB relative to full-scale amplitude 1. */
export function rmsDb(samples: Float32Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return 10 * Math.log10(sum / (to - from));
}

/** Splits `total` items at the given cut points (sorted, unique, inside (0, total)). */
export function splitAt<T extends { subarray(a: number, b?: number): T }>(data: T, cuts: number[], total: number): T[] {
  const points = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < total).sort((a, b) => a - b), total];
  const parts: T[] = [];
  for (let i = 0; i + 1 < points.length; i++) parts.push(data.subarray(points[i], points[i + 1]));
  return parts;
}
