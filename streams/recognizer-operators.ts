/**
 * The search as RxJS operators: decode (feature frames → hypothesis events) and recognize (audio
 * at any rate → hypothesis events: the front end, then decode). Each subscription gets its own
 * decoder; the recogniser (model and compiled graph) is shared.
 */
import { Observable, pipe, type OperatorFunction } from 'rxjs';
import type { AudioChunk, DecoderEvent, FrameBlock, Recognizer, ResamplerQuality } from '../src/index.ts';
import { frontEnd } from './front-end-operators.ts';

export interface DecodeOptions {
  /** Each emission ends the current utterance now (push-to-talk release) and emits its final. */
  readonly finalize$?: Observable<unknown>;
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
      const run = (step: () => DecoderEvent[]): boolean => {
        let events: DecoderEvent[];
        try {
          events = step();
        } catch (error) {
          subscriber.error(error);
          return false;
        }
        for (const event of events) subscriber.next(event);
        return true;
      };
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

/** Audio chunks at any rate → hypothesis events: resample, frames, features, decode. */
export function recognize(recognizer: Recognizer, options: RecognizeOptions = {}): OperatorFunction<AudioChunk, DecoderEvent> {
  return pipe(
    frontEnd(recognizer.frontEnd, {
      cmnPriorMean: recognizer.model.cmnPriorMean,
      ...(options.resamplerQuality !== undefined ? { resamplerQuality: options.resamplerQuality } : {}),
    }),
    decode(recognizer, options),
  );
}
