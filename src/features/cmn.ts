/**
 * Cepstral mean normalisation of the static cepstra, between the MFCC extractor and the deltas.
 * Removing the mean cepstrum cancels a fixed channel (microphone, line) and speaker tilt.
 *
 * - 'utterance': subtract the mean of the utterance's speech frames (those within
 *   `speechRangeDb` of its loudest), so silence at the edges does not shift it, with the prior
 *   mean counted as `utterancePriorFrames` more frames: a short word's mean is mostly its vowel,
 *   and subtracting all of it takes away what tells it from other words. Needs all of the
 *   utterance: push() holds frames back and finish() returns them all (latency: the whole utterance).
 *   An utterance whose loudness varies by less than NO_SPEECH_RANGE_DB holds no speech (steady
 *   noise, a pause cut off on its own): its own mean would make the noise look like average
 *   speech, so it gets the prior mean instead, where there is one, and stays quiet.
 * - 'live': subtract a running mean, as PocketSphinx's live CMN does. The running sum starts as
 *   the model's prior mean weighted as `priorWeightFrames` frames, so the first short utterance
 *   of a stream is normalised well; every frame is normalised with the mean of the frames before
 *   it, then added if it is speech-like: within `speechRangeDb` of the loudest frame so far
 *   (a level that sinks by 2 dB a second, to follow a quieter talker). Leaving pauses out keeps
 *   the mean where the utterance mode puts it, so silence still looks like silence after a long
 *   pause. When the count passes `windowFrames` × 1.6 the sum is scaled back to `windowFrames`,
 *   so the mean follows a changing channel. latencyFrames = 0.
 * - 'none': frames pass through.
 *
 * Output blocks are new arrays owned by the caller.
 */
import { checkChoice, checkInteger, checkKnownFields, checkNumber, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { concatBlocks, emptyBlock, type FrameBlock } from '../frames/frame-block.ts';

export const CMN_MODES = ['utterance', 'live', 'none'] as const;
export type CmnMode = (typeof CMN_MODES)[number];

export interface CmnConfig {
  /** Which normalisation; see the file comment. Default 'utterance'. */
  readonly mode: CmnMode;
  /** Live mode: frames the running mean averages over. Range 50–10000. Default 500 (5 s). Larger: steadier, slower to adapt. */
  readonly windowFrames: number;
  /** Live mode: weight of the prior mean, in frames. Range 1–10000. Default 500. Larger: trusts the prior longer. */
  readonly priorWeightFrames: number;
  /**
   * Utterance mode: only frames whose energy (c0) is within this many dB of the utterance's
   * loudest frame count towards the mean, so leading and trailing silence do not shift it.
   * Range 1–1000; 1000 counts every frame. Default 30.
   */
  readonly speechRangeDb: number;
  /**
   * Utterance mode: weight of the prior mean, in frames, blended into the utterance's speech
   * mean. Range 0–10000. Default 50; 0: the utterance's own mean. Model files without the field
   * were trained with 0 and read as 0.
   */
  readonly utterancePriorFrames: number;
  /**
   * Utterance mode: 0 (the default) subtracts one mean from the whole utterance; N > 0 gives
   * each frame the mean of the speech frames within N frames of it (blended with the prior as
   * above), so each word of a long utterance is normalised much as an isolated word is. Range
   * 0–10000. Model files without the field read as 0.
   */
  readonly utteranceWindowFrames: number;
}

export const DEFAULT_CMN_CONFIG: CmnConfig = {
  mode: 'utterance',
  windowFrames: 500,
  priorWeightFrames: 500,
  speechRangeDb: 30,
  utterancePriorFrames: 50,
  utteranceWindowFrames: 0,
};

/** The sum is rescaled when the count exceeds windowFrames × this (PocketSphinx uses 800/500). */
const HIGH_WATER_RATIO = 1.6;
/** How fast the live mode's loudest level sinks, and the frame rate it assumes (10 ms frames). */
const LIVE_LEVEL_DECAY_DB_PER_SEC = 2;
const FRAMES_PER_SEC = 100;
/** Utterance mode: below this range of frame loudness (dB) an utterance has no speech in it. */
export const NO_SPEECH_RANGE_DB = 6;

export function validateCmnConfig(value: unknown, owner = 'cmn'): CmnConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['mode', 'windowFrames', 'priorWeightFrames', 'speechRangeDb', 'utterancePriorFrames', 'utteranceWindowFrames']);
  checkChoice(owner, 'mode', config.mode, CMN_MODES);
  checkInteger(owner, 'windowFrames', config.windowFrames, 50, 10000);
  checkInteger(owner, 'priorWeightFrames', config.priorWeightFrames, 1, 10000);
  checkNumber(owner, 'speechRangeDb', config.speechRangeDb, 1, 1000);
  // Absent from model files written before it existed: they were trained without a blend.
  const utterancePriorFrames = config.utterancePriorFrames ?? 0;
  checkInteger(owner, 'utterancePriorFrames', utterancePriorFrames, 0, 10000);
  const utteranceWindowFrames = config.utteranceWindowFrames ?? 0;
  checkInteger(owner, 'utteranceWindowFrames', utteranceWindowFrames, 0, 10000);
  return { ...config, utterancePriorFrames, utteranceWindowFrames } as unknown as CmnConfig;
}

export class CmnStage {
  readonly config: CmnConfig;
  readonly width: number;
  /** 0 for 'live' and 'none'; the utterance mode holds everything until finish (Infinity). */
  readonly latencyFrames: number;
  private readonly prior: Float64Array;
  private readonly hasPrior: boolean;
  /** c0 per dB of frame energy; 0 when unknown. */
  private readonly c0PerDb: number;
  private readonly sum: Float64Array;
  private count = 0;
  private held: FrameBlock[] = [];
  private framesSeen = 0;
  private finished = false;
  /** Frames with c0 below the loudest frame's minus this are left out of the utterance mean. */
  private readonly c0Range: number;
  /** Live mode: the loudest c0 so far, sinking by `c0DecayPerFrame` each frame. */
  private loudest = Number.NEGATIVE_INFINITY;
  private readonly c0DecayPerFrame: number;

  /**
   * priorMean: the live mode's starting mean (zeros when the model has none). c0PerDb: how much
   * c0 rises per dB of frame energy (from the MFCC settings), for `speechRangeDb`.
   */
  constructor(width: number, config: Partial<CmnConfig> = {}, priorMean?: ArrayLike<number>, c0PerDb = 0) {
    this.config = validateCmnConfig({ ...DEFAULT_CMN_CONFIG, ...config });
    this.width = width;
    this.latencyFrames = this.config.mode === 'utterance' ? Infinity : 0;
    if (priorMean !== undefined && priorMean.length !== width) {
      throw new BeamlineError(
        ERROR_CODES.CONFIG_INVALID,
        `cmn prior mean must have ${width} values (one per cepstrum); got ${priorMean.length}`,
      );
    }
    this.prior = Float64Array.from(priorMean ?? new Float64Array(width));
    this.hasPrior = priorMean !== undefined;
    this.c0PerDb = c0PerDb;
    this.sum = new Float64Array(width);
    this.c0Range = c0PerDb > 0 ? this.config.speechRangeDb * c0PerDb : Number.POSITIVE_INFINITY;
    this.c0DecayPerFrame = (LIVE_LEVEL_DECAY_DB_PER_SEC / FRAMES_PER_SEC) * c0PerDb;
    this.reset();
  }

  /** The running mean the live mode would subtract from the next frame. */
  currentMean(): Float64Array {
    return this.sum.map((value) => value / this.count);
  }

  push(block: FrameBlock): FrameBlock {
    if (this.finished) {
      throw new BeamlineError(ERROR_CODES.LIFECYCLE, 'CmnStage.push() after finish(); call reset() to start a new stream');
    }
    this.framesSeen += block.count;
    switch (this.config.mode) {
      case 'none':
        return { ...block, data: block.data.slice(0, block.count * block.width) };
      case 'utterance':
        if (block.count > 0) this.held.push(block);
        return emptyBlock(this.width, 0);
      case 'live':
        return this.normaliseLive(block);
    }
  }

  finish(): FrameBlock {
    this.finished = true;
    if (this.config.mode !== 'utterance') return emptyBlock(this.width, this.framesSeen);
    const all = concatBlocks(this.held, this.width);
    this.held = [];
    let loudest = Number.NEGATIVE_INFINITY;
    let quietest = Number.POSITIVE_INFINITY;
    for (let f = 0; f < all.count; f++) {
      loudest = Math.max(loudest, all.data[f * this.width]);
      quietest = Math.min(quietest, all.data[f * this.width]);
    }
    const noSpeech = this.hasPrior && this.c0PerDb > 0 && all.count > 0 && loudest - quietest < NO_SPEECH_RANGE_DB * this.c0PerDb;
    if (!noSpeech && this.config.utteranceWindowFrames > 0) return this.subtractWindowedMeans(all, loudest - this.c0Range);
    const mean = noSpeech ? Float64Array.from(this.prior) : this.speechMean(all, loudest - this.c0Range);
    for (let f = 0; f < all.count; f++) for (let d = 0; d < this.width; d++) all.data[f * this.width + d] -= mean[d];
    return all;
  }

  /**
   * Each frame minus the mean of the speech frames (c0 at or above `threshold`) within
   * utteranceWindowFrames of it, blended with the prior: running sums over a sliding window.
   */
  private subtractWindowedMeans(all: FrameBlock, threshold: number): FrameBlock {
    const { width } = this;
    const reach = this.config.utteranceWindowFrames;
    const priorFrames = this.hasPrior ? this.config.utterancePriorFrames : 0;
    const source = all.data.slice(0, all.count * width);
    const sum = new Float64Array(width);
    let counted = 0;
    const update = (f: number, sign: number): void => {
      if (f < 0 || f >= all.count || !(source[f * width] >= threshold)) return;
      counted += sign;
      for (let d = 0; d < width; d++) sum[d] += sign * source[f * width + d];
    };
    for (let f = 0; f < Math.min(reach, all.count); f++) update(f, 1);
    for (let f = 0; f < all.count; f++) {
      update(f + reach, 1);
      update(f - reach - 1, -1);
      const frames = Math.max(1, counted + priorFrames);
      for (let d = 0; d < width; d++) all.data[f * width + d] = source[f * width + d] - (sum[d] + priorFrames * this.prior[d]) / frames;
    }
    return all;
  }

  /** Mean of the frames whose c0 is at or above `threshold`. */
  private speechMean(all: FrameBlock, threshold: number): Float64Array {
    const mean = new Float64Array(this.width);
    let counted = 0;
    for (let f = 0; f < all.count; f++) {
      if (!(all.data[f * this.width] >= threshold)) continue;
      counted++;
      for (let d = 0; d < this.width; d++) mean[d] += all.data[f * this.width + d];
    }
    const priorFrames = this.hasPrior ? this.config.utterancePriorFrames : 0;
    for (let d = 0; d < this.width; d++) mean[d] = (mean[d] + priorFrames * this.prior[d]) / Math.max(1, counted + priorFrames);
    return mean;
  }

  /** Starts a new stream. The live mode keeps its running mean: the channel is the same. */
  reset(): void {
    if (this.count === 0) {
      for (let d = 0; d < this.width; d++) this.sum[d] = this.prior[d] * this.config.priorWeightFrames;
      this.count = this.config.priorWeightFrames;
    }
    this.held = [];
    this.framesSeen = 0;
    this.finished = false;
  }

  private normaliseLive(block: FrameBlock): FrameBlock {
    const { width, sum } = this;
    const out = new Float32Array(block.count * width);
    const highWater = this.config.windowFrames * HIGH_WATER_RATIO;
    for (let f = 0; f < block.count; f++) {
      const base = f * width;
      const inverseCount = 1 / this.count;
      for (let d = 0; d < width; d++) out[base + d] = block.data[base + d] - sum[d] * inverseCount;
      const c0 = block.data[base];
      this.loudest = Math.max(c0, this.loudest - this.c0DecayPerFrame);
      if (!(c0 >= this.loudest - this.c0Range)) continue;
      for (let d = 0; d < width; d++) sum[d] += block.data[base + d];
      this.count++;
      if (this.count > highWater) {
        const scale = this.config.windowFrames / this.count;
        for (let d = 0; d < width; d++) sum[d] *= scale;
        this.count = this.config.windowFrames;
      }
    }
    return { data: out, count: block.count, width, firstFrame: block.firstFrame };
  }
}
