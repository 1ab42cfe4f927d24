/**
 * Samples → windowed analysis frames, the stage between the audio and the MFCC extractor. Each
 * frame is cut from the sample stream (length and shift in ms), has its DC offset removed, is
 * pre-emphasised within the frame (so frames never depend on where a chunk began), multiplied by
 * a Hamming window and zero-padded to the FFT size.
 *
 * Contract: `push(samples) → FrameBlock` returns every frame that the samples so far complete;
 * `finish() → FrameBlock` returns nothing more (a trailing partial frame is dropped, as Kaldi's
 * snip-edges and HTK do) and ends the stream; `reset()` starts a new stream at frame 0.
 * latencyFrames is 0. Blocks are new arrays owned by the caller; the sample history is reused.
 */
import { checkBoolean, checkInteger, checkKnownFields, checkNumber, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { emptyBlock, type FrameBlock } from './frame-block.ts';

export interface FramerConfig {
  /** Sample rate of the input, Hz. Range 4000–96000. Default 8000. */
  readonly sampleRateHz: number;
  /** Analysis window length, ms. Range 5–100. Default 25. Longer: finer frequency, blurrier time. */
  readonly frameLengthMs: number;
  /** Hop between frame starts, ms. Range 1–frameLengthMs. Default 10. Smaller: more frames, slower. */
  readonly frameShiftMs: number;
  /** Pre-emphasis coefficient (x[n] − k·x[n−1]). Range 0–1; 0 turns it off. Default 0.97. */
  readonly preEmphasis: number;
  /** Subtract each frame's mean before pre-emphasis. Default true (as Kaldi). */
  readonly removeDcOffset: boolean;
  /**
   * Peak of the triangular (TPDF) dither added to each frame, in 16-bit steps (1/32768). Default
   * 1; 0 turns it off. It keeps digital silence (padding, a muted input) from reaching the log of
   * zero energy, which no recording in training looks like. The noise is a fixed function of the
   * frame index, so features stay reproducible and independent of chunking. Range 0–100.
   */
  readonly dither: number;
}

export const DEFAULT_FRAMER_CONFIG: FramerConfig = {
  sampleRateHz: 8000,
  frameLengthMs: 25,
  frameShiftMs: 10,
  preEmphasis: 0.97,
  removeDcOffset: true,
  dither: 1,
};

const FRAMER_FIELDS = ['sampleRateHz', 'frameLengthMs', 'frameShiftMs', 'preEmphasis', 'removeDcOffset', 'dither'];

export function validateFramerConfig(value: unknown, owner = 'frames'): FramerConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, FRAMER_FIELDS);
  checkInteger(owner, 'sampleRateHz', config.sampleRateHz, 4000, 96000);
  const length = checkNumber(owner, 'frameLengthMs', config.frameLengthMs, 5, 100);
  checkNumber(owner, 'frameShiftMs', config.frameShiftMs, 1, length);
  checkNumber(owner, 'preEmphasis', config.preEmphasis, 0, 1);
  checkBoolean(owner, 'removeDcOffset', config.removeDcOffset);
  checkNumber(owner, 'dither', config.dither, 0, 100);
  return config as unknown as FramerConfig;
}

/** Samples per frame and per shift for a config (rounded to whole samples). */
export function frameGeometry(config: FramerConfig): { frameLength: number; frameShift: number; fftSize: number } {
  const frameLength = Math.round((config.sampleRateHz * config.frameLengthMs) / 1000);
  const frameShift = Math.round((config.sampleRateHz * config.frameShiftMs) / 1000);
  let fftSize = 1;
  while (fftSize < frameLength) fftSize *= 2;
  return { frameLength, frameShift, fftSize };
}

export function hammingWindow(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let n = 0; n < length; n++) window[n] = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (length - 1));
  return window;
}

export class Framer {
  readonly config: FramerConfig;
  readonly frameLength: number;
  readonly frameShift: number;
  /** Width of the output frames: the FFT size, a power of two ≥ frameLength. */
  readonly fftSize: number;
  readonly latencyFrames = 0;
  private readonly window: Float64Array;
  private readonly scratch: Float64Array;
  /** Samples not yet consumed by a frame start; grows only to the largest chunk seen. */
  private pending: Float32Array;
  private pendingLength = 0;
  private framesEmitted = 0;
  private finished = false;

  constructor(config: Partial<FramerConfig> = {}) {
    this.config = validateFramerConfig({ ...DEFAULT_FRAMER_CONFIG, ...config });
    const geometry = frameGeometry(this.config);
    this.frameLength = geometry.frameLength;
    this.frameShift = geometry.frameShift;
    this.fftSize = geometry.fftSize;
    this.window = hammingWindow(this.frameLength);
    this.scratch = new Float64Array(this.frameLength);
    this.pending = new Float32Array(this.frameLength * 4);
  }

  push(samples: Float32Array): FrameBlock {
    if (this.finished) {
      throw new BeamlineError(ERROR_CODES.LIFECYCLE, 'Framer.push() after finish(); call reset() to start a new stream');
    }
    this.append(samples);
    const available = this.pendingLength >= this.frameLength
      ? 1 + Math.floor((this.pendingLength - this.frameLength) / this.frameShift)
      : 0;
    if (available === 0) return emptyBlock(this.fftSize, this.framesEmitted);
    const block: FrameBlock = {
      data: new Float32Array(available * this.fftSize),
      count: available,
      width: this.fftSize,
      firstFrame: this.framesEmitted,
    };
    for (let i = 0; i < available; i++) this.cutFrame(i * this.frameShift, this.framesEmitted + i, block.data, i * this.fftSize);
    const consumed = available * this.frameShift;
    this.pending.copyWithin(0, consumed, this.pendingLength);
    this.pendingLength -= consumed;
    this.framesEmitted += available;
    return block;
  }

  /** End of input: the trailing partial frame is dropped; no more frames follow. */
  finish(): FrameBlock {
    this.finished = true;
    return emptyBlock(this.fftSize, this.framesEmitted);
  }

  reset(): void {
    this.pendingLength = 0;
    this.framesEmitted = 0;
    this.finished = false;
  }

  private append(samples: Float32Array): void {
    const needed = this.pendingLength + samples.length;
    if (needed > this.pending.length) {
      const grown = new Float32Array(Math.max(needed, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    this.pending.set(samples, this.pendingLength);
    this.pendingLength = needed;
  }

  /** Dither, DC removal, pre-emphasis, window; writes fftSize values (zero tail) at out[offset]. */
  private cutFrame(start: number, frameIndex: number, out: Float32Array, offset: number): void {
    const { frameLength, scratch, window, pending } = this;
    const { preEmphasis, removeDcOffset, dither } = this.config;
    // Pass 1: copy (with dither) and sum.
    let sum = 0;
    if (dither > 0) {
      // Seeded by the frame index: the same noise for frame t however the audio arrives.
      // One xorshift32 step per sample gives two 16-bit uniforms; their sum − 1 is triangular
      // (TPDF) noise of ±1 LSB × dither.
      let state = Math.imul(frameIndex + 1, 0x9e3779b1) | 1;
      const scale = dither / 32768 / 65536;
      for (let n = 0; n < frameLength; n++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const sample = pending[start + n] + scale * ((state & 0xffff) + (state >>> 16) - 65536);
        scratch[n] = sample;
        sum += sample;
      }
    } else {
      for (let n = 0; n < frameLength; n++) sum += scratch[n] = pending[start + n];
    }
    // Pass 2: with u = s − mean, pre-emphasis u[n] − p·u[n−1] = s[n] − p·s[n−1] − (1 − p)·mean
    // (the first sample is its own predecessor), then the window.
    const mean = removeDcOffset ? sum / frameLength : 0;
    const offsetTerm = (1 - preEmphasis) * mean;
    let previous = scratch[0];
    for (let n = 0; n < frameLength; n++) {
      const sample = scratch[n];
      out[offset + n] = (sample - preEmphasis * previous - offsetTerm) * window[n];
      previous = sample;
    }
    // out is freshly zeroed, so the padding up to fftSize is already in place.
  }
}
