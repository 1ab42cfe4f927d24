/**
 * Training-data augmentation on samples, before the front end. FSDD's recordings are trimmed
 * to the word, but real input starts and ends with silence (room noise, or digital zeros from
 * padding and muted inputs), so training utterances get random stretches of quiet noise at
 * both ends: the silence model learns what the edges of real audio look like.
 */
import type { SeededRandom } from '../math/random.ts';

export interface SilencePadding {
  /** Longest stretch added at each end, seconds. Each end draws uniformly from [0, this]. */
  readonly maxSeconds: number;
  /** Quietest and loudest noise level, dBFS RMS (white Gaussian noise). */
  readonly levelDb: readonly [number, number];
}

export const DEFAULT_SILENCE_PADDING: SilencePadding = { maxSeconds: 0.3, levelDb: [-75, -50] };

/** The samples with quiet noise of random length and level before and after them. */
export function padWithSilence(samples: Float32Array, sampleRateHz: number, random: SeededRandom, padding: SilencePadding = DEFAULT_SILENCE_PADDING): Float32Array {
  const before = Math.floor(random.next() * padding.maxSeconds * sampleRateHz);
  const after = Math.floor(random.next() * padding.maxSeconds * sampleRateHz);
  const [low, high] = padding.levelDb;
  const amplitude = 10 ** ((low + random.next() * (high - low)) / 20);
  const out = new Float32Array(before + samples.length + after);
  for (let i = 0; i < before; i++) out[i] = amplitude * random.normal();
  out.set(samples, before);
  for (let i = before + samples.length; i < out.length; i++) out[i] = amplitude * random.normal();
  return out;
}
