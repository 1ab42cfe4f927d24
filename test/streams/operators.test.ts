import { lastValueFrom, of, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { Resampler, computeFeatures, frontEndConfig, type AudioChunk, type FrameBlock } from '../../src/index.ts';
import { features, frames, frontEnd, resample } from '../../streams/front-end-operators.ts';
import { floatChunks, pcmChunks } from '../../streams/pcm-chunk-source.ts';
import { stepperOperator, type Stepper } from '../../streams/stepper-operator.ts';
import { babble } from '../helpers.ts';

function newScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A stepper that sums its inputs and reports each push, for checking the operator's plumbing. */
function summing(log: string[]): () => Stepper<number, number> {
  return () => {
    let total = 0;
    log.push('create');
    return {
      push(value) {
        if (value < 0) throw new Error('negative');
        total += value;
        return value * 10;
      },
      finish: () => total,
      release: () => log.push('release'),
    };
  };
}

describe('stepperOperator', () => {
  it('emits each push in order and the flush on complete', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const log: string[] = [];
      expectObservable(cold('-a-b-c|', { a: 1, b: 2, c: 3 }).pipe(stepperOperator(summing(log)))).toBe('-x-y-z(t|)', {
        x: 10,
        y: 20,
        z: 30,
        t: 6,
      });
    });
  });

  it('creates state per subscription', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const log: string[] = [];
      const stream = cold('-a|', { a: 5 }).pipe(stepperOperator(summing(log)));
      expectObservable(stream).toBe('-x(t|)', { x: 50, t: 5 });
      expectObservable(stream).toBe('-x(t|)', { x: 50, t: 5 });
    });
  });

  it('routes a throwing push to the error channel and releases the state', () => {
    const log: string[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-c|', { a: 1, b: -1, c: 3 }).pipe(stepperOperator(summing(log)))).toBe(
        '-x-#',
        { x: 10 },
        new Error('negative'),
      );
    });
    expect(log).toEqual(['create', 'release']);
  });

  it('releases the state when the subscriber unsubscribes early', () => {
    const log: string[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d|', { a: 1, b: 2, c: 3, d: 4 });
      expectObservable(source.pipe(stepperOperator(summing(log))), '^---!').toBe('-x-y', { x: 10, y: 20 });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(log).toEqual(['create', 'release']);
  });

  it('passes upstream errors through unchanged', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', { a: 1 }, new Error('upstream')).pipe(stepperOperator(summing([])))).toBe(
        '-x-#',
        { x: 10 },
        new Error('upstream'),
      );
    });
  });
});

describe('front-end operators', () => {
  const config = frontEndConfig({ frames: { sampleRateHz: 8000 }, cmn: { mode: 'live' } });
  const samples = babble(8000, 0.5, 9);

  it('frames → features on virtual time: live CMN emits as audio arrives, the delta tail at completion', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const chunk = (from: number, to: number): AudioChunk => ({ samples: samples.subarray(from, to), sampleRateHz: 8000 });
      const source = cold('-a--b--c|', { a: chunk(0, 1000), b: chunk(1000, 3000), c: chunk(3000, 4000) });
      const counts = source.pipe(frames(config.frames), features(config));
      // Frames: 11 by 1000 samples, 36 by 3000, 48 by 4000; deltas hold back 4.
      expectObservable(counts, '^').toBe('-a--b--c(d|)', {
        a: expect.objectContaining({ count: 7, firstFrame: 0 }),
        b: expect.objectContaining({ count: 25, firstFrame: 7 }),
        c: expect.objectContaining({ count: 12, firstFrame: 32 }),
        d: expect.objectContaining({ count: 4, firstFrame: 44 }),
      });
    });
  });

  it('frames rejects audio at a rate other than the configured one', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a|', { a: { samples: new Float32Array(10), sampleRateHz: 16000 } });
      expectObservable(source.pipe(frames(config.frames))).toBe(
        '-#',
        undefined,
        expect.objectContaining({ code: 'AUDIO_BAD_SAMPLE_RATE' }),
      );
    });
  });

  it('frontEnd resamples to the model rate and matches resample-then-compute', async () => {
    const input = babble(16000, 0.5, 11);
    const chunks: AudioChunk[] = [0, 3000, 5000, 8000].map((from, i, all) => ({
      samples: input.subarray(from, all[i + 1] ?? input.length),
      sampleRateHz: 16000,
    }));
    const blocks: FrameBlock[] = await lastValueFrom(of(...chunks).pipe(frontEnd(config), toArray()));
    const resampler = await Resampler.create({ inputRateHz: 16000, outputRateHz: 8000 });
    const head = resampler.push(input);
    const tail = resampler.finish();
    const at8k = new Float32Array(head.length + tail.length);
    at8k.set(head);
    at8k.set(tail, head.length);
    const direct = computeFeatures(at8k, config);
    const streamed = blocks.flatMap((block) => Array.from(block.data));
    expect(streamed).toEqual(Array.from(direct.data));
  });

  it('resample fails the stream if the rate changes mid-stream', async () => {
    const chunks: AudioChunk[] = [
      { samples: new Float32Array(100), sampleRateHz: 16000 },
      { samples: new Float32Array(100), sampleRateHz: 44100 },
    ];
    await expect(lastValueFrom(of(...chunks).pipe(resample(8000)))).rejects.toMatchObject({ code: 'AUDIO_BAD_SAMPLE_RATE' });
  });
});

describe('live sources', () => {
  it('pcmChunks decodes bytes split inside samples', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const bytes = new Uint8Array(new Int16Array([16384, -16384, 8192]).buffer);
      const source = cold('-a-b|', { a: bytes.subarray(0, 3), b: bytes.subarray(3) });
      expectObservable(source.pipe(pcmChunks({ sampleFormat: 's16le', channels: 1 }, 8000))).toBe('-a-b|', {
        a: { samples: Float32Array.of(0.5), sampleRateHz: 8000 },
        b: { samples: Float32Array.of(-0.5, 0.25), sampleRateHz: 8000 },
      });
    });
  });

  it('pcmChunks reports a stream that ends mid-sample', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a|', { a: Uint8Array.of(1, 2, 3) });
      expectObservable(source.pipe(pcmChunks({ sampleFormat: 's16le', channels: 1 }, 8000))).toBe(
        '-a#',
        { a: { samples: Float32Array.of(new Int16Array(Uint8Array.of(1, 2).buffer)[0] / 32768), sampleRateHz: 8000 } },
        expect.objectContaining({ code: 'AUDIO_TRUNCATED' }),
      );
    });
  });

  it('floatChunks rejects a NaN with its position in the stream', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b|', { a: Float32Array.of(0, 0.5), b: Float32Array.of(0.1, Number.NaN) });
      expectObservable(source.pipe(floatChunks(16000, 'mic'))).toBe(
        '-a-#',
        { a: { samples: Float32Array.of(0, 0.5), sampleRateHz: 16000 } },
        expect.objectContaining({ code: 'AUDIO_NON_FINITE', message: 'mic: sample 3 is NaN' }),
      );
    });
  });
});
