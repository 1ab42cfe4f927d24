/**
 * The whole front end as one stepper: samples at the model's rate → 39-dimensional feature
 * frames (13 MFCC + Δ + ΔΔ by default). Framer → MFCC → CMN → deltas (→ the model's feature
 * transform, when it has one), in that order.
 *
 * Its configuration is one validated object that model files embed, so the features a model
 * was trained on and the features it decodes are made by the same code with the same settings.
 *
 * Contract: `push(samples)` returns the feature frames that are ready (each stage's look-ahead
 * holds some back: see `latencyFrames`); `finish()` flushes them and ends the stream; `reset()`
 * starts a new stream (live CMN keeps its running mean). The same samples split into any chunks
 * give bit-identical features.
 */
import { checkKnownFields, checkNumber, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { concatBlocks, type FrameBlock } from '../frames/frame-block.ts';
import { DEFAULT_FRAMER_CONFIG, Framer, frameGeometry, validateFramerConfig, type FramerConfig } from '../frames/framer.ts';
import { CmnStage, DEFAULT_CMN_CONFIG, validateCmnConfig, type CmnConfig } from './cmn.ts';
import { DEFAULT_DELTA_CONFIG, DeltaStage, validateDeltaConfig, type DeltaConfig } from './deltas.ts';
import { FeatureTransformStage, validateFeatureTransformConfig, type FeatureTransformConfig } from './feature-transform.ts';
import { DEFAULT_MFCC_CONFIG, MfccExtractor, validateMfccConfig, type MfccConfig } from './mfcc.ts';

export interface FrontEndConfig {
  readonly frames: FramerConfig;
  readonly mfcc: MfccConfig;
  readonly cmn: CmnConfig;
  readonly deltas: DeltaConfig;
  /** A square matrix applied to every feature frame last (learnt in training); absent: none. */
  readonly transform?: FeatureTransformConfig;
}

export const DEFAULT_FRONT_END_CONFIG: FrontEndConfig = {
  frames: DEFAULT_FRAMER_CONFIG,
  mfcc: DEFAULT_MFCC_CONFIG,
  cmn: DEFAULT_CMN_CONFIG,
  deltas: DEFAULT_DELTA_CONFIG,
};

/** A partial config: any subset of any section. */
export interface FrontEndOverrides {
  readonly frames?: Partial<FramerConfig>;
  readonly mfcc?: Partial<MfccConfig>;
  readonly cmn?: Partial<CmnConfig>;
  readonly deltas?: Partial<DeltaConfig>;
  readonly transform?: FeatureTransformConfig;
}

/** Fills unspecified fields with defaults and validates the result. */
export function frontEndConfig(overrides: FrontEndOverrides = {}): FrontEndConfig {
  return validateFrontEndConfig({
    frames: { ...DEFAULT_FRAMER_CONFIG, ...overrides.frames },
    mfcc: { ...DEFAULT_MFCC_CONFIG, ...overrides.mfcc },
    cmn: { ...DEFAULT_CMN_CONFIG, ...overrides.cmn },
    deltas: { ...DEFAULT_DELTA_CONFIG, ...overrides.deltas },
    ...(overrides.transform ? { transform: overrides.transform } : {}),
  });
}

/** Values per feature frame: the transform's rows when there is one, else the cepstra with their Δ orders. */
export function featureWidth(config: FrontEndConfig): number {
  return config.transform?.matrix.length ?? config.mfcc.cepstra * (config.deltas.order + 1);
}

/** Validates a complete config (as read from a model file); errors name the field path. */
export function validateFrontEndConfig(value: unknown, owner = 'frontEnd'): FrontEndConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['frames', 'mfcc', 'cmn', 'deltas', 'transform']);
  const mfcc = validateMfccConfig(config.mfcc, `${owner}.mfcc`);
  const deltas = validateDeltaConfig(config.deltas, `${owner}.deltas`);
  const width = mfcc.cepstra * (deltas.order + 1);
  return {
    frames: validateFramerConfig(config.frames, `${owner}.frames`),
    mfcc,
    cmn: validateCmnConfig(config.cmn, `${owner}.cmn`),
    deltas,
    ...(config.transform !== undefined ? { transform: validateFeatureTransformConfig(config.transform, width, `${owner}.transform`) } : {}),
  };
}

/**
 * Windowed frames → feature frames: MFCC → CMN → deltas. The part of the front end after the
 * framer, kept separate so a stream can frame and extract in different operators.
 */
/** Per-instance options that are not part of the model's configuration. */
export interface FrontEndOptions {
  /** Starting mean of live CMN (from the model). */
  readonly cmnPriorMean?: ArrayLike<number>;
  /**
   * Vocal-tract-length perturbation for training-data augmentation: the mel filterbank is laid
   * out as if the sample rate were `vtlpWarp` times the real one, which scales every filter's
   * frequency by 1 / vtlpWarp (a shorter or longer vocal tract). Default 1 (no warp). Range 0.7–1.3.
   */
  readonly vtlpWarp?: number;
}

/**
 * How much c0 rises for one dB more in every band: c0 = 2 Σ_b ln E_b (Meyda's DCT scale 2,
 * lifter weight 1 at c0), so 2 · melBands · ln(10) / 10.
 */
export function c0PerDb(config: FrontEndConfig): number {
  return (2 * config.mfcc.melBands * Math.LN10) / 10;
}

export class FeatureStage {
  readonly config: FrontEndConfig;
  /** Values per output frame. */
  readonly width: number;
  /** Width of the windowed frames it takes (the FFT size). */
  readonly inputWidth: number;
  private readonly mfcc: MfccExtractor;
  private readonly cmn: CmnStage;
  private readonly deltas: DeltaStage;
  private readonly transform: FeatureTransformStage | undefined;
  private finished = false;

  constructor(config: FrontEndConfig = DEFAULT_FRONT_END_CONFIG, options: FrontEndOptions = {}) {
    this.config = validateFrontEndConfig(config);
    this.inputWidth = frameGeometry(this.config.frames).fftSize;
    const warp = checkNumber('frontEndOptions', 'vtlpWarp', options.vtlpWarp ?? 1, 0.7, 1.3);
    this.mfcc = new MfccExtractor(this.config.frames.sampleRateHz * warp, this.inputWidth, this.config.mfcc);
    this.cmn = new CmnStage(this.mfcc.width, this.config.cmn, options.cmnPriorMean, c0PerDb(this.config));
    this.deltas = new DeltaStage(this.mfcc.width, this.config.deltas);
    this.transform = this.config.transform ? new FeatureTransformStage(this.deltas.width, this.config.transform) : undefined;
    this.width = this.transform?.width ?? this.deltas.width;
  }

  /** Frames held back by look-ahead (Infinity with per-utterance CMN). */
  get latencyFrames(): number {
    return this.cmn.latencyFrames + this.deltas.latencyFrames;
  }

  push(frames: FrameBlock): FrameBlock {
    if (this.finished) {
      throw new BeamlineError(ERROR_CODES.LIFECYCLE, 'FeatureStage.push() after finish(); call reset() to start a new stream');
    }
    return this.transformed(this.deltas.push(this.cmn.push(this.mfcc.push(frames))));
  }

  private transformed(block: FrameBlock): FrameBlock {
    return this.transform ? this.transform.push(block) : block;
  }

  finish(): FrameBlock {
    this.finished = true;
    const fromCmn = this.deltas.push(this.cmn.finish());
    return this.transformed(concatBlocks([fromCmn, this.deltas.finish()], this.deltas.width));
  }

  reset(): void {
    this.cmn.reset();
    this.deltas.reset();
    this.finished = false;
  }
}

/** The whole front end: samples at `frames.sampleRateHz` → feature frames. */
export class FrontEnd {
  readonly config: FrontEndConfig;
  readonly width: number;
  readonly sampleRateHz: number;
  private readonly framer: Framer;
  private readonly features: FeatureStage;

  constructor(config: FrontEndConfig = DEFAULT_FRONT_END_CONFIG, options: FrontEndOptions = {}) {
    this.features = new FeatureStage(config, options);
    this.config = this.features.config;
    this.framer = new Framer(this.config.frames);
    this.sampleRateHz = this.config.frames.sampleRateHz;
    this.width = this.features.width;
  }

  get latencyFrames(): number {
    return this.features.latencyFrames;
  }

  push(samples: Float32Array): FrameBlock {
    return this.features.push(this.framer.push(samples));
  }

  finish(): FrameBlock {
    const last = this.features.push(this.framer.finish());
    return concatBlocks([last, this.features.finish()], this.width);
  }

  reset(): void {
    this.framer.reset();
    this.features.reset();
  }
}

/** Batch helper: the features of a whole utterance. */
export function computeFeatures(samples: Float32Array, config: FrontEndConfig = DEFAULT_FRONT_END_CONFIG, options: FrontEndOptions = {}): FrameBlock {
  const frontEnd = new FrontEnd(config, options);
  const head = frontEnd.push(samples);
  return concatBlocks([head, frontEnd.finish()], frontEnd.width);
}
