import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcmDecoder } from '../../../src/audio/pcm-decoder.ts';
import { readWavHeader } from '../../../src/audio/wav-header.ts';
import { CmnStage } from '../../../src/features/cmn.ts';
import { DeltaStage } from '../../../src/features/deltas.ts';
import { FrontEnd, computeFeatures, featureWidth, frontEndConfig, type FrontEndOverrides } from '../../../src/features/front-end.ts';
import { concatBlocks, type FrameBlock } from '../../../src/frames/frame-block.ts';
import { Framer } from '../../../src/frames/framer.ts';
import { FIXTURES, babble, random, splitAt } from '../../helpers.ts';

function readFixture(name: string): Float32Array {
  const bytes = new Uint8Array(readFileSync(`${FIXTURES}audio/${name}`));
  const header = readWavHeader(bytes, name);
  return new PcmDecoder(header.layout).push(bytes.subarray(header.dataStart, header.dataEnd));
}

function runChunked(samples: Float32Array, overrides: FrontEndOverrides, cuts: number[]): FrameBlock {
  const frontEnd = new FrontEnd(frontEndConfig(overrides));
  const blocks = splitAt(samples, cuts, samples.length).map((chunk) => frontEnd.push(chunk));
  blocks.push(frontEnd.finish());
  return concatBlocks(blocks, frontEnd.width);
}

describe('MFCC front end', () => {
  // Golden values: tools/mfcc-reference.py (numpy, written from the textbook definition).
  const reference = JSON.parse(readFileSync(`${FIXTURES}mfcc-reference.json`, 'utf8')) as {
    files: Record<string, { sampleRateHz: number; frames: number[][] }>;
  };

  it.each(['espeak-seven-8k.wav', 'espeak-seven-16k.wav'])('agrees with the numpy reference on %s', (name) => {
    const { sampleRateHz, frames: expected } = reference.files[name];
    const statics = computeFeatures(
      readFixture(name),
      frontEndConfig({ frames: { sampleRateHz, dither: 0 }, cmn: { mode: 'none' }, deltas: { order: 0 } }),
    );
    expect(statics.count).toBe(expected.length);
    expect(statics.width).toBe(13);
    // Meyda works in float32, numpy in float64; measured worst: 3e-7 of the frame's c0 scale.
    let worst = 0;
    for (let f = 0; f < statics.count; f++) {
      const scale = Math.abs(expected[f][0]) + 1;
      for (let k = 0; k < 13; k++) worst = Math.max(worst, Math.abs(statics.data[f * 13 + k] - expected[f][k]) / scale);
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('emits 39 values per 10 ms frame, whole frames only', () => {
    const features = computeFeatures(babble(16000, 1.0), frontEndConfig({ frames: { sampleRateHz: 16000 } }));
    expect(features.width).toBe(39);
    expect(features.count).toBe(1 + Math.floor((16000 - 400) / 160)); // Kaldi snip-edges count: 98
  });

  it.each<[string, FrontEndOverrides]>([
    ['8 kHz, per-utterance CMN', { frames: { sampleRateHz: 8000 } }],
    ['16 kHz, live CMN', { frames: { sampleRateHz: 16000 }, cmn: { mode: 'live' } }],
    ['8 kHz, no CMN, deltas window 3', { cmn: { mode: 'none' }, deltas: { window: 3 } }],
    ['8 kHz, Δ window 3, ΔΔ window 2', { deltas: { window: 3, accelerationWindow: 2 } }],
  ])('gives bit-identical features however the audio is chunked (%s)', (_, overrides) => {
    const rate = overrides.frames?.sampleRateHz ?? 8000;
    const samples = babble(rate, 0.6, 7);
    const whole = runChunked(samples, overrides, []);
    fc.assert(
      fc.property(fc.array(fc.nat(samples.length), { maxLength: 30 }), (cuts) => {
        const chunked = runChunked(samples, overrides, cuts);
        expect(chunked.count).toBe(whole.count);
        expect(chunked.data).toEqual(whole.data);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps two front ends with different settings independent in one process', () => {
    const a = babble(8000, 0.5, 3);
    const b = babble(16000, 0.5, 4);
    const aloneA = computeFeatures(a, frontEndConfig({ frames: { sampleRateHz: 8000 } }));
    const aloneB = computeFeatures(b, frontEndConfig({ frames: { sampleRateHz: 16000 }, mfcc: { melBands: 40 } }));
    const frontA = new FrontEnd(frontEndConfig({ frames: { sampleRateHz: 8000 } }));
    const frontB = new FrontEnd(frontEndConfig({ frames: { sampleRateHz: 16000 }, mfcc: { melBands: 40 } }));
    const blocksA: FrameBlock[] = [];
    const blocksB: FrameBlock[] = [];
    for (let i = 0; i < 10; i++) {
      blocksA.push(frontA.push(a.subarray(i * 400, (i + 1) * 400)));
      blocksB.push(frontB.push(b.subarray(i * 800, (i + 1) * 800)));
    }
    blocksA.push(frontA.finish());
    blocksB.push(frontB.finish());
    expect(concatBlocks(blocksA, 39).data).toEqual(aloneA.data);
    expect(concatBlocks(blocksB, 39).data).toEqual(aloneB.data);
  });

  it('names the field, range and value of a bad configuration', () => {
    expect(() => frontEndConfig({ frames: { frameShiftMs: 40 } })).toThrow(
      'frontEnd.frames.frameShiftMs must be a number in [1, 25]; got 40',
    );
    expect(() => frontEndConfig({ mfcc: { cepstra: 30, melBands: 26 } })).toThrow('frontEnd.mfcc.melBands must be an integer in [30, 80]; got 26');
    expect(() => frontEndConfig({ cmn: { mode: 'sliding' as never } })).toThrow(/frontEnd\.cmn\.mode must be one of "utterance", "live", "none"; got "sliding"/);
    expect(() => frontEndConfig({ frames: { sampleRateHz: 8000.5 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('applies a feature transform last: each frame times the matrix, however the audio is chunked', () => {
    const samples = readFixture('espeak-seven-8k.wav');
    const matrix = Array.from({ length: 39 }, (_, i) => Array.from({ length: 39 }, (_, j) => (i === j ? 1 : 0) + 0.05 * Math.sin(i * 7 + j * 3)));
    const plain = computeFeatures(samples, frontEndConfig());
    const transformed = computeFeatures(samples, frontEndConfig({ transform: { matrix } }));
    expect(transformed.count).toBe(plain.count);
    for (const t of [0, 10, plain.count - 1]) {
      for (const i of [0, 13, 38]) {
        const expected = matrix[i].reduce((sum, value, j) => sum + value * plain.data[t * 39 + j], 0);
        expect(transformed.data[t * 39 + i]).toBeCloseTo(expected, 2);
      }
    }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: samples.length }), { maxLength: 6 }), (cuts) => {
        expect(runChunked(samples, { transform: { matrix } }, cuts).data).toEqual(transformed.data);
      }),
      { numRuns: 10 },
    );
  });

  it('projects onto fewer dimensions with a matrix of fewer rows, however the audio is chunked', () => {
    const samples = readFixture('espeak-seven-8k.wav');
    const matrix = Array.from({ length: 20 }, (_, i) => Array.from({ length: 39 }, (_, j) => (i === j ? 1 : 0) + 0.05 * Math.cos(i * 5 + j * 2)));
    const config = frontEndConfig({ transform: { matrix } });
    expect(featureWidth(config)).toBe(20);
    const plain = computeFeatures(samples, frontEndConfig());
    const projected = computeFeatures(samples, config);
    expect(projected.width).toBe(20);
    expect(projected.count).toBe(plain.count);
    for (const t of [0, 17, plain.count - 1]) {
      for (const i of [0, 12, 19]) {
        const expected = matrix[i].reduce((sum, value, j) => sum + value * plain.data[t * 39 + j], 0);
        expect(projected.data[t * 20 + i]).toBeCloseTo(expected, 2);
      }
    }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: samples.length }), { maxLength: 6 }), (cuts) => {
        expect(runChunked(samples, { transform: { matrix } }, cuts).data).toEqual(projected.data);
      }),
      { numRuns: 10 },
    );
  });

  it('names the row or entry of a bad feature transform', () => {
    const square = (n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Number(i === j)));
    expect(() => frontEndConfig({ transform: { matrix: [...square(39), square(39)[0]] } })).toThrow('frontEnd.transform.matrix must have 1 to 39 rows (at most the feature width); got 40');
    expect(() => frontEndConfig({ transform: { matrix: [] } })).toThrow('frontEnd.transform.matrix must have 1 to 39 rows (at most the feature width); got 0');
    const ragged = square(39);
    ragged[4] = ragged[4].slice(1);
    expect(() => frontEndConfig({ transform: { matrix: ragged } })).toThrow('frontEnd.transform.matrix[4] must have 39 numbers; got 38');
    const broken = square(39);
    broken[2][7] = Number.NaN;
    expect(() => frontEndConfig({ transform: { matrix: broken } })).toThrow('frontEnd.transform.matrix[2][7] must be a finite number; got NaN');
    expect(frontEndConfig({ deltas: { order: 0 }, transform: { matrix: square(13) } }).transform?.matrix.length).toBe(13);
  });
});

describe('Framer', () => {
  it('dithers digital silence into finite, varied, reproducible features', () => {
    const silence = new Float32Array(8000);
    const features = computeFeatures(silence, frontEndConfig({ cmn: { mode: 'none' } }));
    expect(features.data.every(Number.isFinite)).toBe(true);
    // Without dither every band is log(0 + 1) = 0; with it, c0 sits well above that.
    expect(features.data[0]).toBeGreaterThan(10);
    expect(computeFeatures(silence, frontEndConfig({ cmn: { mode: 'none' } })).data).toEqual(features.data);
    const undithered = computeFeatures(silence, frontEndConfig({ frames: { dither: 0 }, cmn: { mode: 'none' } }));
    expect(undithered.data.every((value) => value === 0)).toBe(true);
  });


  it('cuts 1 + floor((n − length) / shift) frames and drops the trailing partial frame', () => {
    const framer = new Framer({ sampleRateHz: 8000 });
    const count = framer.push(new Float32Array(1000)).count + framer.finish().count;
    expect(count).toBe(1 + Math.floor((1000 - 200) / 80));
  });

  it('refuses push after finish until reset', () => {
    const framer = new Framer();
    framer.finish();
    expect(() => framer.push(new Float32Array(10))).toThrow(expect.objectContaining({ code: 'LIFECYCLE' }));
    framer.reset();
    expect(framer.push(new Float32Array(200)).count).toBe(1);
  });
});

describe('DeltaStage', () => {
  it('with its own ΔΔ window equals the regression formulas evaluated directly (edge frames replicated)', () => {
    const frames = 23;
    const statics = Array.from({ length: frames }, (_, t) => Math.sin(t * 0.7) * 5 + t * 0.3);
    const clamp = (t: number): number => Math.min(Math.max(t, 0), frames - 1);
    const regression = (values: (t: number) => number, t: number, n: number): number => {
      let sum = 0;
      let squares = 0;
      for (let k = 1; k <= n; k++) {
        sum += k * (values(clamp(t + k)) - values(clamp(t - k)));
        squares += k * k;
      }
      return sum / (2 * squares);
    };
    for (const [window, accelerationWindow] of [[3, 2], [2, 4], [1, 1]]) {
      const stage = new DeltaStage(1, { window, accelerationWindow });
      expect(stage.latencyFrames).toBe(window + accelerationWindow);
      const block = { data: Float32Array.from(statics), count: frames, width: 1, firstFrame: 0 };
      const out = concatBlocks([stage.push(block), stage.finish()], 3);
      const delta = (t: number): number => regression((u) => statics[u], t, window);
      for (let t = 0; t < frames; t++) {
        expect(out.data[3 * t + 1]).toBeCloseTo(delta(t), 4);
        expect(out.data[3 * t + 2]).toBeCloseTo(regression(delta, t, accelerationWindow), 4);
      }
    }
  });

  function ramp(frames: number, width: number, slope: (d: number) => number): FrameBlock {
    const data = new Float32Array(frames * width);
    for (let t = 0; t < frames; t++) for (let d = 0; d < width; d++) data[t * width + d] = 3 + slope(d) * t;
    return { data, count: frames, width, firstFrame: 0 };
  }

  it('gives constant Δ equal to the slope and zero ΔΔ on a linear ramp (away from the edges)', () => {
    const stage = new DeltaStage(3);
    const out = concatBlocks([stage.push(ramp(30, 3, (d) => d - 0.5)), stage.finish()], 9);
    expect(out.count).toBe(30);
    for (let t = 4; t < 26; t++) {
      for (let d = 0; d < 3; d++) {
        expect(out.data[t * 9 + d]).toBeCloseTo(3 + (d - 0.5) * t, 4);
        expect(out.data[t * 9 + 3 + d]).toBeCloseTo(d - 0.5, 5);
        expect(out.data[t * 9 + 6 + d]).toBeCloseTo(0, 5);
      }
    }
  });

  it('replicates the edge frames, as HTK does', () => {
    // First frame of a ramp with slope 1, window 2: Δ_0 = (1·(c1 − c0) + 2·(c2 − c0)) / 10 = 0.5.
    const stage = new DeltaStage(1, { order: 1 });
    const out = concatBlocks([stage.push(ramp(10, 1, () => 1)), stage.finish()], 2);
    expect(out.data[1]).toBeCloseTo(0.5, 6);
    expect(out.data[19]).toBeCloseTo(0.5, 6);
  });

  it('holds back order × window frames and returns them at finish', () => {
    const stage = new DeltaStage(2);
    expect(stage.latencyFrames).toBe(4);
    expect(stage.push(ramp(10, 2, () => 1)).count).toBe(6);
    expect(stage.finish().count).toBe(4);
  });
});

describe('CmnStage', () => {
  function noisyFrames(count: number, mean: number[], seed: number): FrameBlock {
    const next = random(seed);
    const data = new Float32Array(count * mean.length);
    for (let t = 0; t < count; t++) for (let d = 0; d < mean.length; d++) data[t * mean.length + d] = mean[d] + 4 * (next() - 0.5);
    return { data, count, width: mean.length, firstFrame: 0 };
  }

  it('per utterance: output has zero mean', () => {
    const stage = new CmnStage(2, { mode: 'utterance' });
    expect(stage.push(noisyFrames(100, [10, -5], 1)).count).toBe(0);
    const out = stage.finish();
    const sums = [0, 0];
    for (let t = 0; t < out.count; t++) for (let d = 0; d < 2; d++) sums[d] += out.data[t * 2 + d];
    expect(sums[0] / out.count).toBeCloseTo(0, 4);
    expect(sums[1] / out.count).toBeCloseTo(0, 4);
  });

  it('per utterance: frames far below the loudest (silence) do not count towards the mean', () => {
    // c0 per dB = 10 here; speech frames at c0 ≈ 100, silence at c0 = −500 (60 dB down).
    const stage = new CmnStage(2, { mode: 'utterance', speechRangeDb: 30 }, undefined, 10);
    const speech = noisyFrames(50, [100, 7], 4);
    const silence: FrameBlock = { data: Float32Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? -500 : -3)), count: 50, width: 2, firstFrame: 50 };
    stage.push(speech);
    stage.push(silence);
    const out = stage.finish();
    let speechMean = 0;
    for (let t = 0; t < 50; t++) speechMean += out.data[t * 2 + 1];
    expect(Math.abs(speechMean / 50)).toBeLessThan(1e-4); // normalised by the speech frames' mean alone
    expect(out.data[50 * 2 + 1]).toBeCloseTo(-3 - 7, 0);
  });

  it('per utterance: an utterance of steady loudness (no speech) gets the prior mean, not its own', () => {
    // c0 per dB = 10: c0 varies by ±2 (0.4 dB in all), under NO_SPEECH_RANGE_DB.
    const steady = noisyFrames(60, [-200, 3], 5);
    const withPrior = new CmnStage(2, { mode: 'utterance' }, [100, 7], 10);
    withPrior.push(steady);
    const out = withPrior.finish();
    for (let t = 0; t < out.count; t++) expect(out.data[t * 2]).toBeCloseTo(steady.data[t * 2] - 100, 3);
    // Without a prior there is nothing better than its own mean; with speech in it (and no blend), its own mean.
    const withoutPrior = new CmnStage(2, { mode: 'utterance' }, undefined, 10);
    withoutPrior.push(steady);
    expect(Math.abs(withoutPrior.finish().data[0] - (steady.data[0] + 200))).toBeLessThan(3);
    const speech = new CmnStage(2, { mode: 'utterance', utterancePriorFrames: 0 }, [100, 7], 10);
    speech.push(noisyFrames(30, [-200, 3], 6));
    speech.push(noisyFrames(30, [-100, 3], 7)); // 10 dB louder: speech
    const mixed = speech.finish();
    let mean = 0;
    for (let t = 0; t < mixed.count; t++) mean += mixed.data[t * 2];
    expect(Math.abs(mean / mixed.count)).toBeLessThan(1e-3);
  });

  it('per utterance: utterancePriorFrames blends the prior into the mean as that many frames', () => {
    // 60 frames around [20, -4]; c0 per dB = 0.5, so c0's spread of 4 is 8 dB: speech, all of it within
    // the speech range. The prior [100, 7] counts as 30 frames.
    const frames = noisyFrames(60, [20, -4], 8);
    const stage = new CmnStage(2, { mode: 'utterance', utterancePriorFrames: 30 }, [100, 7], 0.5);
    stage.push(frames);
    const out = stage.finish();
    const own = [0, 0];
    for (let t = 0; t < frames.count; t++) for (let d = 0; d < 2; d++) own[d] += frames.data[t * 2 + d];
    const expected = own.map((sum, d) => (sum + 30 * [100, 7][d]) / (60 + 30));
    for (let t = 0; t < out.count; t++) for (let d = 0; d < 2; d++) expect(out.data[t * 2 + d]).toBeCloseTo(frames.data[t * 2 + d] - expected[d], 3);
    // Without a prior the weight has nothing to blend: the utterance's own mean.
    const alone = new CmnStage(2, { mode: 'utterance', utterancePriorFrames: 30 }, undefined, 0.5);
    alone.push(frames);
    expect(alone.finish().data[0]).toBeCloseTo(frames.data[0] - own[0] / 60, 3);
  });

  it('per utterance with a window: each frame minus the blended mean of the speech frames near it (brute force)', () => {
    // c0 per dB = 1: frames 40–59 are 60 dB down (silence), left out of every window's mean.
    const frames = noisyFrames(120, [20, -4], 9);
    for (let t = 40; t < 60; t++) frames.data[t * 2] = -40;
    const reach = 15;
    const stage = new CmnStage(2, { mode: 'utterance', utterancePriorFrames: 30, utteranceWindowFrames: reach }, [100, 7], 1);
    stage.push(frames);
    const out = stage.finish();
    for (let t = 0; t < frames.count; t++) {
      const sum = [30 * 100, 30 * 7];
      let counted = 30;
      for (let u = Math.max(0, t - reach); u <= Math.min(frames.count - 1, t + reach); u++) {
        if (frames.data[u * 2] < 0) continue;
        counted++;
        for (let d = 0; d < 2; d++) sum[d] += frames.data[u * 2 + d];
      }
      for (let d = 0; d < 2; d++) expect(out.data[t * 2 + d]).toBeCloseTo(frames.data[t * 2 + d] - sum[d] / counted, 3);
    }
    // A window wider than the utterance is the whole-utterance mean.
    const wide = new CmnStage(2, { mode: 'utterance', utterancePriorFrames: 30, utteranceWindowFrames: 500 }, [100, 7], 1);
    const whole = new CmnStage(2, { mode: 'utterance', utterancePriorFrames: 30 }, [100, 7], 1);
    wide.push(frames);
    whole.push(frames);
    const [a, b] = [wide.finish(), whole.finish()];
    for (let i = 0; i < a.data.length; i++) expect(a.data[i]).toBeCloseTo(b.data[i], 4);
  });

  it('live: the running mean converges to the batch mean of the stream', () => {
    const stage = new CmnStage(2, { mode: 'live' }, [0, 0]);
    const frames = noisyFrames(3000, [10, -5], 2);
    stage.push(frames);
    let batch0 = 0;
    let batch1 = 0;
    for (let t = 0; t < frames.count; t++) {
      batch0 += frames.data[t * 2];
      batch1 += frames.data[t * 2 + 1];
    }
    const mean = stage.currentMean();
    expect(Math.abs(mean[0] - batch0 / frames.count)).toBeLessThan(0.1);
    expect(Math.abs(mean[1] - batch1 / frames.count)).toBeLessThan(0.1);
  });

  it('live: a good prior normalises the first short utterance almost as well as the batch mean', () => {
    const frames = noisyFrames(50, [10, -5], 3);
    const withPrior = new CmnStage(2, { mode: 'live' }, [10, -5]).push(frames);
    const withoutPrior = new CmnStage(2, { mode: 'live' }, [0, 0]).push(frames);
    const meanAbs = (block: FrameBlock): number => {
      let sum = 0;
      for (let t = 0; t < block.count; t++) sum += block.data[t * 2];
      return Math.abs(sum / block.count);
    };
    expect(meanAbs(withPrior)).toBeLessThan(0.5);
    expect(meanAbs(withoutPrior)).toBeGreaterThan(9);
  });

  it('rejects a prior of the wrong width', () => {
    expect(() => new CmnStage(13, { mode: 'live' }, [1, 2])).toThrow('cmn prior mean must have 13 values (one per cepstrum); got 2');
  });
});
