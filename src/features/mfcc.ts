/**
 * Windowed frames → 13 static cepstra, the first feature stage. The spectrum, mel filterbank, log
 * and DCT come from Meyda; this file configures Meyda to compute a standard MFCC and keeps each
 * extractor's settings its own.
 *
 * What Meyda computes on a frame x (already pre-emphasised and windowed by the framer):
 * |FFT(x)|² over bins 0..N/2−1, triangular mel filters (peak 1, on whole FFT bins, 0 Hz to
 * Nyquist), log(E + 1), and an unnormalised DCT-II (c_k = 2 Σ_n e_n cos(πk(n + ½)/B)).
 * Samples are scaled to the 16-bit range first, so band energies are large and log(E + 1)
 * behaves as ln E. Coefficient 0 (c0) stands for the frame energy; it is kept, not replaced by a
 * separate log-energy term: it is computed from the same filterbank as the others and needs no
 * extra pass over the frame.
 *
 * Meyda keeps its settings and its cached filterbank on one shared object. Each extractor builds
 * its own filterbank once and installs all of its settings right before every call, so two front
 * ends with different settings in one process never see each other's state (JavaScript runs the
 * two steps without interleaving).
 */
import Meyda from 'meyda';
import { checkInteger, checkKnownFields, checkObject } from '../config.ts';
import { emptyBlock, type FrameBlock } from '../frames/frame-block.ts';

export interface MfccConfig {
  /** Triangular mel filters from 0 Hz to Nyquist. Range 10–80, ≥ cepstra. Default 26. More: finer spectral detail. */
  readonly melBands: number;
  /** Cepstra kept, c0 included. Range 2–40 (Meyda's limit). Default 13. */
  readonly cepstra: number;
  /** HTK sinusoidal lifter L (c_n × (1 + L/2 · sin(πn/L))); 0 turns it off. Range 0–100. Default 22. */
  readonly cepstralLifter: number;
}

export const DEFAULT_MFCC_CONFIG: MfccConfig = { melBands: 26, cepstra: 13, cepstralLifter: 22 };

/** Samples in [-1, 1] are scaled by this before Meyda so that log(E + 1) ≈ ln E. */
export const MEYDA_INPUT_SCALE = 32768;

export function validateMfccConfig(value: unknown, owner = 'mfcc'): MfccConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['melBands', 'cepstra', 'cepstralLifter']);
  const cepstra = checkInteger(owner, 'cepstra', config.cepstra, 2, 40);
  checkInteger(owner, 'melBands', config.melBands, Math.max(10, cepstra), 80);
  checkInteger(owner, 'cepstralLifter', config.cepstralLifter, 0, 100);
  return config as unknown as MfccConfig;
}

export function lifterWeights(cepstra: number, lifter: number): Float64Array {
  const weights = new Float64Array(cepstra);
  for (let n = 0; n < cepstra; n++) weights[n] = lifter > 0 ? 1 + (lifter / 2) * Math.sin((Math.PI * n) / lifter) : 1;
  return weights;
}

/** Meyda's shared settings object, with the fields it reads but does not declare. */
interface MeydaState {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  numberOfMFCCCoefficients: number;
  windowingFunction: string;
  melFilterBank: number[][] | undefined;
  barkScale: Float32Array | undefined;
  extract(features: string[], signal: Float32Array): { mfcc: number[] };
}

const meyda = Meyda as unknown as MeydaState;

export class MfccExtractor {
  readonly config: MfccConfig;
  readonly sampleRateHz: number;
  /** Input frame width: a power of two (the FFT size). */
  readonly fftSize: number;
  readonly latencyFrames = 0;
  private readonly lifter: Float64Array;
  private readonly scaled: Float32Array;
  private readonly melFilterBank: number[][];
  private readonly barkScale: Float32Array;

  constructor(sampleRateHz: number, fftSize: number, config: Partial<MfccConfig> = {}) {
    this.config = validateMfccConfig({ ...DEFAULT_MFCC_CONFIG, ...config });
    this.sampleRateHz = sampleRateHz;
    this.fftSize = fftSize;
    this.lifter = lifterWeights(this.config.cepstra, this.config.cepstralLifter);
    this.scaled = new Float32Array(fftSize);
    // Let Meyda build the filterbank for exactly these settings, then keep it as ours.
    this.installSettings();
    meyda.melFilterBank = undefined;
    meyda.barkScale = undefined;
    meyda.extract(['mfcc'], this.scaled);
    const built = meyda as MeydaState;
    if (built.melFilterBank === undefined || built.barkScale === undefined) {
      throw new Error('Meyda did not build a mel filterbank; the installed meyda version is not supported');
    }
    this.melFilterBank = built.melFilterBank;
    this.barkScale = built.barkScale;
  }

  get width(): number {
    return this.config.cepstra;
  }

  /** Cepstra of every frame in the block (frames must be fftSize wide). */
  push(frames: FrameBlock): FrameBlock {
    const cepstra = this.config.cepstra;
    if (frames.count === 0) return emptyBlock(cepstra, frames.firstFrame);
    if (frames.width !== this.fftSize) {
      throw new RangeError(`MfccExtractor expects frames ${this.fftSize} wide; got ${frames.width}`);
    }
    const out = new Float32Array(frames.count * cepstra);
    this.installSettings();
    for (let f = 0; f < frames.count; f++) {
      const base = f * this.fftSize;
      for (let n = 0; n < this.fftSize; n++) this.scaled[n] = frames.data[base + n] * MEYDA_INPUT_SCALE;
      const mfcc = meyda.extract(['mfcc'], this.scaled).mfcc;
      for (let k = 0; k < cepstra; k++) out[f * cepstra + k] = mfcc[k] * this.lifter[k];
    }
    return { data: out, count: frames.count, width: cepstra, firstFrame: frames.firstFrame };
  }

  private installSettings(): void {
    meyda.bufferSize = this.fftSize;
    meyda.sampleRate = this.sampleRateHz;
    meyda.melBands = this.config.melBands;
    meyda.numberOfMFCCCoefficients = this.config.cepstra;
    meyda.windowingFunction = 'rect';
    if (this.melFilterBank !== undefined) {
      meyda.melFilterBank = this.melFilterBank;
      meyda.barkScale = this.barkScale;
    }
  }
}

