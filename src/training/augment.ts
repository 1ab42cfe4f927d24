/**
 * Training-data augmentation on samples, before the front end. FSDD's recordings are trimmed
 * to the word, but real input starts and ends with silence (room noise, or digital zeros from
 * padding and muted inputs), so training utterances get random stretches of quiet noise at
 * both ends: the silence model learns what the edges of real audio look like.
 */
import { Resampler } from '../audio/resampler.ts';
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

export interface ZeroPadding {
  /** Shortest and longest stretch of digital silence added at each end, seconds (each end draws its own). */
  readonly seconds: readonly [number, number];
}

export const DEFAULT_ZERO_PADDING: ZeroPadding = { seconds: [0.1, 0.8] };

/**
 * The samples between stretches of digital silence (zeros): what a file padded to a fixed
 * length, or a muted input, holds around a word. The front end's dither is all there is in
 * them, far quieter than any room, so the silence model must see them to know them.
 */
export function padWithZeros(samples: Float32Array, sampleRateHz: number, random: SeededRandom, padding: ZeroPadding = DEFAULT_ZERO_PADDING): Float32Array {
  const [low, high] = padding.seconds;
  const length = (): number => Math.floor((low + random.next() * (high - low)) * sampleRateHz);
  const before = length();
  const out = new Float32Array(before + samples.length + length());
  out.set(samples, before);
  return out;
}

export interface NoiseCopy {
  /** Speech-to-noise ratio, dB (speech power measured over the whole recording). */
  readonly snrDb: number;
  /** Longest stretch of the same noise added at each end, seconds; each end draws from [minPad, this]. */
  readonly maxPadSeconds: number;
  readonly minPadSeconds: number;
}

export const DEFAULT_NOISE_COPY: Omit<NoiseCopy, 'snrDb'> = { minPadSeconds: 0.05, maxPadSeconds: 0.4 };

/**
 * The samples in steady white noise `snrDb` below them, the noise running on for a random
 * stretch before and after: a recording made in a noisy room, whose pauses the silence model
 * must learn (FSDD's own recordings are trimmed and quiet).
 */
export function withNoise(samples: Float32Array, sampleRateHz: number, random: SeededRandom, copy: NoiseCopy): Float32Array {
  let power = 0;
  for (const x of samples) power += x * x;
  power /= Math.max(1, samples.length);
  const amplitude = Math.sqrt(power / 10 ** (copy.snrDb / 10));
  const pad = (): number => Math.floor((copy.minPadSeconds + random.next() * (copy.maxPadSeconds - copy.minPadSeconds)) * sampleRateHz);
  const before = pad();
  const after = pad();
  const out = new Float32Array(before + samples.length + after);
  out.set(samples, before);
  for (let i = 0; i < out.length; i++) out[i] += amplitude * random.normal();
  return out;
}

export interface ConnectedSpeech {
  /** Pause between words and at each end, seconds, drawn uniformly per pause. */
  readonly gapSeconds: readonly [number, number];
  /** Speech-to-noise ratio of the whole string, dB, drawn uniformly per string. */
  readonly snrDb: readonly [number, number];
}

export const DEFAULT_CONNECTED_SPEECH: ConnectedSpeech = { gapSeconds: [0.05, 0.6], snrDb: [15, 60] };

/**
 * Isolated recordings joined into one utterance of connected speech: pauses of random length
 * between and around them, all of it in steady white noise at a random SNR. Trained on such
 * strings, the models learn word-to-word transitions and pauses of every length and loudness,
 * as live input and connected digits have and FSDD's trimmed single words do not.
 */
export function joinWithNoisyPauses(parts: readonly Float32Array[], sampleRateHz: number, random: SeededRandom, options: ConnectedSpeech = DEFAULT_CONNECTED_SPEECH): Float32Array {
  const pause = (): number => Math.floor((options.gapSeconds[0] + random.next() * (options.gapSeconds[1] - options.gapSeconds[0])) * sampleRateHz);
  const pauses = parts.map(() => pause());
  pauses.push(pause());
  const length = parts.reduce((sum, part) => sum + part.length, 0) + pauses.reduce((sum, gap) => sum + gap, 0);
  const out = new Float32Array(length);
  let power = 0;
  let speech = 0;
  let at = 0;
  parts.forEach((part, i) => {
    at += pauses[i];
    out.set(part, at);
    at += part.length;
    for (const x of part) power += x * x;
    speech += part.length;
  });
  const snrDb = options.snrDb[0] + random.next() * (options.snrDb[1] - options.snrDb[0]);
  const amplitude = Math.sqrt(power / Math.max(1, speech) / 10 ** (snrDb / 10));
  for (let i = 0; i < out.length; i++) out[i] += amplitude * random.normal();
  return out;
}

export interface EdgeClipping {
  /** How far below the loudest 10 ms frame the cut-off may lie, dB; each end draws uniformly from it. */
  readonly belowPeakDb: readonly [number, number];
}

export const DEFAULT_EDGE_CLIPPING: EdgeClipping = { belowPeakDb: [6, 30] };

/**
 * The samples with their quiet edges cut off, as an energy-based trimmer does: everything
 * before the first and after the last 10 ms frame within a random depth of the loudest frame.
 * Recordings cut this way lose a word's weak onset and coda (the /s/ of "six", the /t/ of
 * "two"), and FSDD's own recordings are often cut so: trained on such copies, the models
 * still know a word without them.
 */
export function clipQuietEdges(samples: Float32Array, sampleRateHz: number, random: SeededRandom, clipping: EdgeClipping = DEFAULT_EDGE_CLIPPING): Float32Array {
  const frame = Math.max(1, Math.round(sampleRateHz / 100));
  const frames = Math.floor(samples.length / frame);
  if (frames < 2) return samples;
  const energyDb = new Float64Array(frames);
  let peak = -Infinity;
  for (let f = 0; f < frames; f++) {
    let power = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) power += samples[i] * samples[i];
    energyDb[f] = 10 * Math.log10(power / frame + 1e-12);
    peak = Math.max(peak, energyDb[f]);
  }
  const [low, high] = clipping.belowPeakDb;
  const startThreshold = peak - (low + random.next() * (high - low));
  const endThreshold = peak - (low + random.next() * (high - low));
  let first = 0;
  while (energyDb[first] < startThreshold) first++;
  let last = frames - 1;
  while (energyDb[last] < endThreshold) last--;
  return samples.slice(first * frame, last === frames - 1 ? samples.length : (last + 1) * frame);
}

export interface NoiseOnly {
  /** Shortest and longest stretch, seconds. */
  readonly seconds: readonly [number, number];
  /** Quietest and loudest level, dBFS RMS. */
  readonly levelDb: readonly [number, number];
  /** Largest coefficient of the one-pole low-pass that colours the noise (0: white; towards 1: ever darker). */
  readonly maxColour: number;
}

export const DEFAULT_NOISE_ONLY: NoiseOnly = { seconds: [0.3, 2], levelDb: [-70, -20], maxColour: 0.95 };

/**
 * A stretch of steady noise with no speech in it, of random length, level and colour (white to
 * low-pass). Normalised on its own, as a pause the endpointer cuts off or a file with no speech
 * is, noise looks like nothing FSDD's words show; trained on such stretches as utterances
 * without words, the silence model claims them instead of the word that fits noise best. Off in
 * the shipped recipe: with them the live pass heard words in quiet pauses (docs/BENCHMARKS.md);
 * per-utterance CMN's no-speech rule (features/cmn.ts) handles noise-only stretches instead.
 */
export function noiseOnly(sampleRateHz: number, random: SeededRandom, options: NoiseOnly = DEFAULT_NOISE_ONLY): Float32Array {
  const [shortest, longest] = options.seconds;
  const out = new Float32Array(Math.floor((shortest + random.next() * (longest - shortest)) * sampleRateHz));
  const colour = random.next() * options.maxColour;
  let previous = 0;
  let power = 0;
  for (let i = 0; i < out.length; i++) {
    previous = colour * previous + random.normal();
    out[i] = previous;
    power += previous * previous;
  }
  const [low, high] = options.levelDb;
  const scale = 10 ** ((low + random.next() * (high - low)) / 20) / Math.sqrt(power / Math.max(1, out.length) || 1);
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/**
 * Speed perturbation, as Kaldi's recipes do it with sox: the recording played `speed` times
 * faster (shorter, higher in pitch and formants alike), by resampling it from `speed` × its rate
 * back to its rate. Speeds in 0.5–2.
 */
export async function changeSpeed(samples: Float32Array, sampleRateHz: number, speed: number): Promise<Float32Array> {
  if (!(speed >= 0.5 && speed <= 2)) throw new RangeError(`speed must be in [0.5, 2]; got ${speed}`);
  const resampler = await Resampler.create({ inputRateHz: Math.round(sampleRateHz * speed), outputRateHz: sampleRateHz });
  try {
    const head = resampler.push(samples);
    const tail = resampler.finish();
    const out = new Float32Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  } finally {
    resampler.release();
  }
}
