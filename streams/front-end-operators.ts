/**
 * The front end as RxJS operators, in flow order: resample (audio at any rate → the model's
 * rate), frames (audio → windowed frames), features (frames → MFCC + Δ + ΔΔ), and frontEnd,
 * all three in one.
 */
import { asyncScheduler, Observable, pipe, type OperatorFunction } from 'rxjs';
import {
  BeamlineError,
  DEFAULT_FRONT_END_CONFIG,
  ERROR_CODES,
  FeatureStage,
  Framer,
  Resampler,
  type AudioChunk,
  type FrameBlock,
  type FramerConfig,
  type FrontEndConfig,
  type FrontEndOptions,
  type ResamplerQuality,
} from '../src/index.ts';
import { stepperOperator } from './stepper-operator.ts';

const isEmptyBlock = (block: FrameBlock): boolean => block.count === 0;

function rateChanged(expected: number, actual: number): BeamlineError {
  return new BeamlineError(
    ERROR_CODES.AUDIO_BAD_SAMPLE_RATE,
    `the stream's sample rate changed from ${expected} Hz to ${actual} Hz; start a new stream for new audio`,
  );
}

/**
 * Converts audio to `outputRateHz`. The converter is made when the first chunk tells the input
 * rate; its WebAssembly loads asynchronously, so chunks arriving meanwhile wait in order and are
 * converted one per macrotask once it is ready; from then on every chunk is converted
 * synchronously as it arrives.
 */
export function resample(outputRateHz: number, quality?: ResamplerQuality): OperatorFunction<AudioChunk, AudioChunk> {
  return (source) =>
    new Observable<AudioChunk>((subscriber) => {
      let resampler: Resampler | undefined;
      let inputRateHz: number | undefined;
      /** Chunks waiting for the converter; undefined once it is ready (or not needed). */
      let waiting: Float32Array[] | undefined;
      let completeWhenReady = false;
      let closed = false;

      const emit = (samples: Float32Array): void => {
        if (samples.length > 0) subscriber.next({ samples, sampleRateHz: outputRateHz });
      };
      const fail = (error: unknown): void => {
        closed = true;
        subscriber.error(error);
      };
      const convert = (samples: Float32Array): void => {
        if (resampler === undefined) emit(samples);
        else emit(resampler.push(samples));
      };
      const finish = (): void => {
        if (resampler !== undefined) emit(resampler.finish());
        subscriber.complete();
      };
      /**
       * Converts the chunks that queued while the WebAssembly loaded, one per macrotask, so a
       * backlog never holds the event loop; chunks arriving meanwhile join the queue's end.
       */
      const drainOne = (): void => {
        if (closed || waiting === undefined) return;
        const samples = waiting.shift();
        try {
          if (samples !== undefined) convert(samples);
          if (waiting.length > 0) {
            subscriber.add(asyncScheduler.schedule(drainOne));
            return;
          }
          waiting = undefined;
          if (completeWhenReady) finish();
        } catch (error) {
          fail(error);
        }
      };
      const startConverter = (rateHz: number): void => {
        waiting = [];
        Resampler.create({ inputRateHz: rateHz, outputRateHz, ...(quality ? { quality } : {}) }).then((created) => {
          if (closed) return created.release();
          resampler = created;
          drainOne();
        }, fail);
      };

      const subscription = source.subscribe({
        next(chunk) {
          if (closed) return;
          if (inputRateHz === undefined) {
            inputRateHz = chunk.sampleRateHz;
            if (inputRateHz !== outputRateHz) startConverter(inputRateHz);
          } else if (chunk.sampleRateHz !== inputRateHz) {
            fail(rateChanged(inputRateHz, chunk.sampleRateHz));
            return;
          }
          if (waiting !== undefined) {
            waiting.push(chunk.samples);
            return;
          }
          try {
            convert(chunk.samples);
          } catch (error) {
            fail(error);
          }
        },
        error: fail,
        complete() {
          if (closed) return;
          if (waiting !== undefined) completeWhenReady = true;
          else finish();
        },
      });
      return () => {
        closed = true;
        subscription.unsubscribe();
        resampler?.release();
      };
    });
}

/** Audio at `config.sampleRateHz` → windowed frames. */
export function frames(config: FramerConfig): OperatorFunction<AudioChunk, FrameBlock> {
  return stepperOperator(() => {
    const framer = new Framer(config);
    return {
      push(chunk: AudioChunk) {
        if (chunk.sampleRateHz !== config.sampleRateHz) throw rateChanged(config.sampleRateHz, chunk.sampleRateHz);
        return framer.push(chunk.samples);
      },
      finish: () => framer.finish(),
    };
  }, isEmptyBlock);
}

/** Windowed frames → feature frames (MFCC, CMN, deltas). */
export function features(
  config: FrontEndConfig = DEFAULT_FRONT_END_CONFIG,
  options: FrontEndOptions = {},
): OperatorFunction<FrameBlock, FrameBlock> {
  return stepperOperator(() => new FeatureStage(config, options), isEmptyBlock);
}

/** Audio at any rate → feature frames: resample, frames, features. */
export function frontEnd(
  config: FrontEndConfig = DEFAULT_FRONT_END_CONFIG,
  options: FrontEndOptions & { resamplerQuality?: ResamplerQuality } = {},
): OperatorFunction<AudioChunk, FrameBlock> {
  return pipe(
    resample(config.frames.sampleRateHz, options.resamplerQuality),
    frames(config.frames),
    features(config, options),
  );
}
