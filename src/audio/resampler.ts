/**
 * Streaming, anti-aliased sample-rate conversion from a source's rate to the model's rate; the
 * stage between decoding and framing. Wraps libsamplerate (compiled to WebAssembly, so it runs in
 * Node, pages and workers alike) through its `full` API, which carries filter state across
 * chunks: any chunking of the same input gives bit-identical output.
 *
 * Contract: create with `Resampler.create` (the WebAssembly module loads asynchronously once),
 * then `push(samples) → samples` any number of times and `finish() → remaining samples` once.
 * The output of a whole stream has exactly round(inputSamples × outputRate / inputRate) samples:
 * `finish` flushes the filter's tail with silence and trims it. `release()` frees the
 * WebAssembly state; the instance is unusable afterwards. Returned arrays belong to the caller.
 */
import type libsamplerateModule from '@alexanderolsen/libsamplerate-js';
import { checkChoice, checkInteger, checkKnownFields, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';

export const RESAMPLER_QUALITIES = ['fastest', 'medium', 'best'] as const;
export type ResamplerQuality = (typeof RESAMPLER_QUALITIES)[number];

export interface ResamplerConfig {
  /** Rate of the incoming samples, Hz. Range 1000–768000. */
  readonly inputRateHz: number;
  /** Rate the samples are converted to, Hz. Range 1000–768000. */
  readonly outputRateHz: number;
  /**
   * libsamplerate's sinc converter: 'fastest' (80% pass band), 'medium' (90%), 'best' (97%).
   * Default 'medium': flat to 3.6 kHz at 8 kHz output, stop band ≥ 97 dB down. Better: slower.
   */
  readonly quality: ResamplerQuality;
}

export const DEFAULT_RESAMPLER_QUALITY: ResamplerQuality = 'medium';

const CONVERTER_TYPE: Record<ResamplerQuality, number> = {
  // libsamplerate's ConverterType values (SRC_SINC_BEST_QUALITY, _MEDIUM_QUALITY, _FASTEST), so
  // the library itself loads only when a resampler is made: it is 2 MB of WebAssembly.
  best: 0,
  medium: 1,
  fastest: 2,
};

/** Silence pushed per step to drain the filter at the end of a stream. */
const FLUSH_BLOCK = 4096;

export function validateResamplerConfig(value: unknown): ResamplerConfig {
  const config = checkObject('resampler', value);
  checkKnownFields('resampler', config, ['inputRateHz', 'outputRateHz', 'quality']);
  checkInteger('resampler', 'inputRateHz', config.inputRateHz, 1000, 768000);
  checkInteger('resampler', 'outputRateHz', config.outputRateHz, 1000, 768000);
  checkChoice('resampler', 'quality', config.quality, RESAMPLER_QUALITIES);
  return config as unknown as ResamplerConfig;
}

type Converter = Awaited<ReturnType<typeof libsamplerateModule.create>>;

/** libsamplerate converts by at most this factor either way (SRC_MAX_RATIO). */
const MAX_RATIO = 256;
/** The JavaScript wrapper refuses rates above this, though the converter only ever uses their ratio. */
const WRAPPER_MAX_RATE_HZ = 192000;

/**
 * Rates with the same ratio that the wrapper accepts: divided by their greatest common divisor
 * (768 kHz → 8 kHz is 96 → 1, exact), and only if that is not enough scaled down and rounded
 * (192,001 Hz → 8 kHz becomes 96,001 → 4,000: a ratio off by 5·10⁻⁶, 0.02 s in an hour).
 */
function wrapperRates(inputRateHz: number, outputRateHz: number): [number, number] {
  const divisor = greatestCommonDivisor(inputRateHz, outputRateHz);
  let input = inputRateHz / divisor;
  let output = outputRateHz / divisor;
  const scale = Math.ceil(Math.max(input, output) / WRAPPER_MAX_RATE_HZ);
  if (scale > 1) {
    input = Math.max(1, Math.round(input / scale));
    output = Math.max(1, Math.round(output / scale));
  }
  return [input, output];
}

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The library, loaded on first use. Its CommonJS exports arrive as `default` or as the module itself, depending on the loader. */
async function loadLibsamplerate(): Promise<typeof libsamplerateModule> {
  const loaded = (await import('@alexanderolsen/libsamplerate-js')) as unknown as { default?: typeof libsamplerateModule } & typeof libsamplerateModule;
  return loaded.default ?? loaded;
}

export class Resampler {
  readonly config: ResamplerConfig;
  /** undefined when the two rates are equal: samples pass through untouched. */
  private converter: Converter | undefined;
  private inputCount = 0;
  private outputCount = 0;
  private finished = false;

  private constructor(config: ResamplerConfig, converter: Converter | undefined) {
    this.config = config;
    this.converter = converter;
  }

  static async create(config: Partial<ResamplerConfig> & Pick<ResamplerConfig, 'inputRateHz' | 'outputRateHz'>): Promise<Resampler> {
    const valid = validateResamplerConfig({ quality: DEFAULT_RESAMPLER_QUALITY, ...config });
    if (valid.inputRateHz === valid.outputRateHz) return new Resampler(valid, undefined);
    const ratio = valid.outputRateHz / valid.inputRateHz;
    if (ratio < 1 / MAX_RATIO || ratio > MAX_RATIO) {
      throw new BeamlineError(
        ERROR_CODES.AUDIO_BAD_SAMPLE_RATE,
        `cannot convert ${valid.inputRateHz} Hz to ${valid.outputRateHz} Hz: the rates may differ by a factor of at most ${MAX_RATIO}`,
      );
    }
    const [inputRate, outputRate] = wrapperRates(valid.inputRateHz, valid.outputRateHz);
    const converter = await (await loadLibsamplerate()).create(1, inputRate, outputRate, { converterType: CONVERTER_TYPE[valid.quality] as never });
    return new Resampler(valid, converter);
  }

  /** Samples the whole stream will have produced once `finish` has run. */
  private expectedOutput(): number {
    return Math.round((this.inputCount * this.config.outputRateHz) / this.config.inputRateHz);
  }

  push(samples: Float32Array): Float32Array {
    this.checkUsable('push');
    this.inputCount += samples.length;
    if (this.converter === undefined) return samples.slice();
    if (samples.length === 0) return new Float32Array(0);
    const out = this.converter.full(samples);
    this.outputCount += out.length;
    return out;
  }

  finish(): Float32Array {
    this.checkUsable('finish');
    this.finished = true;
    if (this.converter === undefined) return new Float32Array(0);
    const target = this.expectedOutput();
    const tail: Float32Array[] = [];
    let produced = this.outputCount;
    const silence = new Float32Array(FLUSH_BLOCK);
    while (produced < target) {
      const out = this.converter.full(silence);
      tail.push(out.subarray(0, Math.min(out.length, target - produced)));
      produced += out.length;
    }
    const length = tail.reduce((sum, part) => sum + part.length, 0);
    const result = new Float32Array(length);
    let offset = 0;
    for (const part of tail) {
      result.set(part, offset);
      offset += part.length;
    }
    this.outputCount += length;
    return result;
  }

  /** Frees the WebAssembly converter. Safe to call twice. */
  release(): void {
    this.converter?.destroy();
    this.converter = undefined;
    this.finished = true;
  }

  private checkUsable(operation: string): void {
    if (this.finished) {
      throw new BeamlineError(
        ERROR_CODES.LIFECYCLE,
        `Resampler.${operation}() called after finish() or release(); create a new Resampler for a new stream`,
      );
    }
  }
}
