/**
 * Windowed frames → 13 static cepstra, the first feature stage. The mel filterbank comes from
 * Meyda; the spectrum, filterbank sums, log and DCT run here on typed arrays with fft.js, because
 * Meyda allocates several arrays per frame and its FFT and DCT are written for clarity, not speed
 * (it alone cost 0.013 × real time at 8 kHz, four times the whole pipeline's budget). The test
 * suite keeps Meyda's own `extract` as the oracle this code must agree with.
 *
 * What is computed on a frame x (already pre-emphasised and windowed by the framer), as Meyda
 * defines its MFCC: |FFT(x)|² over bins 0..N/2−1, triangular mel filters (peak 1, on whole FFT
 * bins, 0 Hz to Nyquist), log(E + 1), and an unnormalised DCT-II (c_k = 2 Σ_n e_n cos(πk(n + ½)/B)).
 * Samples are scaled to the 16-bit range first, so band energies are large and log(E + 1)
 * behaves as ln E. Coefficient 0 (c0) stands for the frame energy; it is kept, not replaced by a
 * separate log-energy term: it is computed from the same filterbank as the others and needs no
 * extra pass over the frame.
 */
import FFT from 'fft.js';
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

/**
 * Meyda's mel filterbank for these settings, as Meyda itself builds it (one row per filter, one
 * weight per FFT bin below Nyquist: Meyda's rows have N/2 + 1 entries but it sums only the
 * first N/2, so the Nyquist bin is dropped here too). Meyda caches the bank on its shared object, so the cache is
 * cleared before and after: no other user of Meyda sees these settings.
 */
export function meydaMelFilterBank(sampleRateHz: number, fftSize: number, melBands: number): number[][] {
  const key = `${sampleRateHz} ${fftSize} ${melBands}`;
  let bank = filterBanks.get(key);
  if (bank === undefined) filterBanks.set(key, (bank = buildMeydaMelFilterBank(sampleRateHz, fftSize, melBands)));
  return bank;
}

/** Banks already built, by settings: building one runs Meyda once, which costs more than decoding a short file. */
const filterBanks = new Map<string, number[][]>();

function buildMeydaMelFilterBank(sampleRateHz: number, fftSize: number, melBands: number): number[][] {
  meyda.bufferSize = fftSize;
  meyda.sampleRate = sampleRateHz;
  meyda.melBands = melBands;
  meyda.numberOfMFCCCoefficients = 2;
  meyda.windowingFunction = 'rect';
  meyda.melFilterBank = undefined;
  meyda.barkScale = undefined;
  meyda.extract(['mfcc'], new Float32Array(fftSize));
  const bank = meyda.melFilterBank as number[][] | undefined;
  meyda.melFilterBank = undefined;
  meyda.barkScale = undefined;
  if (bank === undefined || bank.length !== melBands) {
    throw new Error('Meyda did not build a mel filterbank; the installed meyda version is not supported');
  }
  return bank.map((row) => row.slice(0, fftSize / 2));
}

/** A triangular filter stored by its non-zero span only. */
interface SparseFilter {
  readonly firstBin: number;
  readonly weights: Float64Array;
}

interface MfccTables {
  readonly filters: readonly SparseFilter[];
  readonly dctLiftered: Float64Array;
  /** fft.js keeps no state between calls, so one instance per size serves every extractor. */
  readonly fft: FFT;
}

/**
 * The read-only tables of an extractor, built once per setting: a file decoder makes a new front
 * end per file, and building these (Meyda's bank made sparse, the DCT's cosines, the FFT's
 * twiddles) cost about 0.1 ms, as much as 7 frames of audio.
 */
const tablesBySetting = new Map<string, MfccTables>();

function mfccTables(sampleRateHz: number, fftSize: number, config: MfccConfig): MfccTables {
  const { melBands, cepstra, cepstralLifter } = config;
  const key = `${sampleRateHz} ${fftSize} ${melBands} ${cepstra} ${cepstralLifter}`;
  const cached = tablesBySetting.get(key);
  if (cached) return cached;
  const filters = meydaMelFilterBank(sampleRateHz, fftSize, melBands).map((row) => {
    let first = row.findIndex((w) => w !== 0);
    if (first < 0) first = 0;
    let last = row.length - 1;
    while (last > first && row[last] === 0) last--;
    // The input scale is applied here, once, as its square on the power spectrum's weights.
    return { firstBin: first, weights: Float64Array.from(row.slice(first, last + 1), (w) => w * MEYDA_INPUT_SCALE * MEYDA_INPUT_SCALE) };
  });
  const lifter = lifterWeights(cepstra, cepstralLifter);
  const dctLiftered = new Float64Array(cepstra * melBands);
  for (let k = 0; k < cepstra; k++) {
    for (let n = 0; n < melBands; n++) dctLiftered[k * melBands + n] = 2 * Math.cos((Math.PI / melBands) * (n + 0.5) * k) * lifter[k];
  }
  const tables = { filters, dctLiftered, fft: new FFT(fftSize) };
  tablesBySetting.set(key, tables);
  return tables;
}

export class MfccExtractor {
  readonly config: MfccConfig;
  readonly sampleRateHz: number;
  /** Input frame width: a power of two (the FFT size). */
  readonly fftSize: number;
  readonly latencyFrames = 0;
  private readonly fft: FFT;
  private readonly filters: readonly SparseFilter[];
  /** cepstra × melBands: 2 cos(πk(n + ½)/B) × lifter weight of k. */
  private readonly dctLiftered: Float64Array;
  // Scratch reused for every frame.
  private readonly frameCopy: Float64Array;
  private readonly spectrum: Float64Array;
  private readonly power: Float64Array;
  private readonly logMel: Float64Array;

  constructor(sampleRateHz: number, fftSize: number, config: Partial<MfccConfig> = {}) {
    this.config = validateMfccConfig({ ...DEFAULT_MFCC_CONFIG, ...config });
    this.sampleRateHz = sampleRateHz;
    this.fftSize = fftSize;
    const tables = mfccTables(sampleRateHz, fftSize, this.config);
    this.filters = tables.filters;
    this.dctLiftered = tables.dctLiftered;
    this.fft = tables.fft;
    this.frameCopy = new Float64Array(fftSize);
    this.spectrum = new Float64Array(2 * fftSize);
    this.power = new Float64Array(fftSize / 2);
    this.logMel = new Float64Array(this.config.melBands);
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
    for (let f = 0; f < frames.count; f++) this.frame(frames.data, f * this.fftSize, out, f * cepstra);
    return { data: out, count: frames.count, width: cepstra, firstFrame: frames.firstFrame };
  }

  private frame(input: Float32Array, inputOffset: number, out: Float32Array, outOffset: number): void {
    const { fftSize, frameCopy, spectrum, power, logMel, filters, dctLiftered } = this;
    for (let n = 0; n < fftSize; n++) frameCopy[n] = input[inputOffset + n];
    this.fft.realTransform(spectrum, frameCopy);
    for (let j = 0; j < power.length; j++) {
      const re = spectrum[2 * j];
      const im = spectrum[2 * j + 1];
      power[j] = re * re + im * im;
    }
    for (let b = 0; b < filters.length; b++) {
      const { firstBin, weights } = filters[b];
      let energy = 0;
      for (let j = 0; j < weights.length; j++) energy += weights[j] * power[firstBin + j];
      logMel[b] = Math.log(energy + 1);
    }
    // Two partial sums per cepstrum: half the dependency chain of one (bands are even by default).
    const bands = logMel.length;
    const pairs = bands - (bands % 2);
    for (let k = 0; k < this.config.cepstra; k++) {
      let even = 0;
      let odd = 0;
      const row = k * bands;
      for (let b = 0; b < pairs; b += 2) {
        even += dctLiftered[row + b] * logMel[b];
        odd += dctLiftered[row + b + 1] * logMel[b + 1];
      }
      if (pairs < bands) even += dctLiftered[row + bands - 1] * logMel[bands - 1];
      out[outOffset + k] = even + odd;
    }
  }
}
