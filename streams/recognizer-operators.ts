/**
 * The search as RxJS operators: decode (feature frames → hypothesis events) and recognize (audio
 * at any rate → hypothesis events: resampling, then a recognition session). Each subscription
 * gets its own decoder or session; the recogniser (model and compiled graph) is shared.
 */
import { Observable, pipe, type OperatorFunction, type Subscriber } from 'rxjs';
import {
  BeamlineError,
  ERROR_CODES,
  type AudioChunk,
  type DecoderEvent,
  type FrameBlock,
  type RecognitionSession,
  type Recognizer,
  type ResamplerQuality,
  type SpeakerAdaptation,
} from '../src/index.ts';
import { resample } from './front-end-operators.ts';

export interface DecodeOptions {
  /** Each emission ends the current utterance now (push-to-talk release) and emits its final. */
  readonly finalize$?: Observable<unknown>;
  /** 'speaker' adaptation: the talker's state, shared with their other streams (default: one of its own). */
  readonly speaker?: SpeakerAdaptation;
}

/** Runs one step of a decoder or session and emits its events; an error goes to the error channel (returns false). */
function emitEvents(subscriber: Subscriber<DecoderEvent>, step: () => DecoderEvent[]): boolean {
  let events: DecoderEvent[];
  try {
    events = step();
  } catch (error) {
    subscriber.error(error);
    return false;
  }
  for (const event of events) subscriber.next(event);
  return true;
}

/** Feature frames → partial and final hypotheses. End of input emits the last final. */
export function decode(recognizer: Recognizer, options: DecodeOptions = {}): OperatorFunction<FrameBlock, DecoderEvent> {
  return (source) =>
    new Observable<DecoderEvent>((subscriber) => {
      let decoder: ReturnType<Recognizer['createDecoder']>;
      try {
        decoder = recognizer.createDecoder();
      } catch (error) {
        subscriber.error(error);
        return;
      }
      const run = (step: () => DecoderEvent[]): boolean => emitEvents(subscriber, step);
      if (options.finalize$ !== undefined) {
        subscriber.add(options.finalize$.subscribe(() => run(() => decoder.finalize())));
      }
      subscriber.add(
        source.subscribe({
          next: (block) => run(() => decoder.push(block)),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (run(() => decoder.finish())) subscriber.complete();
          },
        }),
      );
    });
}

export interface RecognizeOptions extends DecodeOptions {
  readonly resamplerQuality?: ResamplerQuality;
}

/**
 * Audio chunks at any rate → hypothesis events: resample to the model's rate, then a
 * recognition session (front end and search; in streaming mode, finals from a second pass over
 * each utterance, see RecognitionSession).
 */
export function recognize(recognizer: Recognizer, options: RecognizeOptions = {}): OperatorFunction<AudioChunk, DecoderEvent> {
  return pipe(resample(recognizer.sampleRateHz, options.resamplerQuality), session(recognizer, options));
}

function session(recognizer: Recognizer, options: DecodeOptions): OperatorFunction<AudioChunk, DecoderEvent> {
  return (source) =>
    new Observable<DecoderEvent>((subscriber) => {
      let current: RecognitionSession;
      try {
        current = recognizer.createSession(options.speaker);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      const run = (step: () => DecoderEvent[]): boolean => emitEvents(subscriber, step);
      if (options.finalize$ !== undefined) subscriber.add(options.finalize$.subscribe(() => run(() => current.finalize())));
      subscriber.add(
        source.subscribe({
          next: (chunk) => {
            if (chunk.sampleRateHz !== recognizer.sampleRateHz) {
              subscriber.error(
                new BeamlineError(ERROR_CODES.AUDIO_BAD_SAMPLE_RATE, `the recogniser needs audio at ${recognizer.sampleRateHz} Hz; got ${chunk.sampleRateHz} Hz`),
              );
              return;
            }
            run(() => current.push(chunk.samples));
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (run(() => current.finish())) subscriber.complete();
          },
        }),
      );
    });
}
