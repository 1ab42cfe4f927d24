/**
 * Byte or sample chunks from a live source (socket, microphone) → AudioChunk stream. Chunks may
 * split a sample anywhere; the decoder carries the stray bytes to the next chunk.
 */
import { defer, map, type OperatorFunction } from 'rxjs';
import { PcmDecoder, checkFiniteSamples, type AudioChunk, type PcmLayout } from '../src/index.ts';
import { stepperOperator } from './stepper-operator.ts';

/** Raw PCM bytes (`layout`, at `sampleRateHz`) → mono audio chunks. */
export function pcmChunks(layout: PcmLayout, sampleRateHz: number, sourceName = 'stream'): OperatorFunction<Uint8Array, AudioChunk> {
  return stepperOperator(
    () => {
      const decoder = new PcmDecoder(layout, sourceName);
      const emptyChunk: AudioChunk = { samples: new Float32Array(0), sampleRateHz };
      return {
        push: (bytes: Uint8Array): AudioChunk => ({ samples: decoder.push(bytes), sampleRateHz }),
        finish: (): AudioChunk => {
          decoder.finish();
          return emptyChunk;
        },
      };
    },
    (chunk) => chunk.samples.length === 0,
  );
}

/** Mono float samples (as a microphone worklet delivers them) → audio chunks; rejects NaN/∞. */
export function floatChunks(sampleRateHz: number, sourceName = 'stream'): OperatorFunction<Float32Array, AudioChunk> {
  return (source) =>
    defer(() => {
      let position = 0; // per subscription: sample numbers in errors count from this stream's start
      return source.pipe(
        map((samples) => {
          checkFiniteSamples(samples, sourceName, position);
          position += samples.length;
          return { samples, sampleRateHz };
        }),
      );
    });
}
