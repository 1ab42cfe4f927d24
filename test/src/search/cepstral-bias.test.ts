import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { frontEndConfig } from '../../../src/features/front-end.ts';
import type { FrameBlock } from '../../../src/frames/frame-block.ts';
import { type SpeechModel, unitsByName, unitStateBases } from '../../../src/io/speech-model.ts';
import { buildUtteranceGraph } from '../../../src/graph/utterance-graph.ts';
import { leftToRightHmm, spell } from '../../../src/graph/unit-hmm.ts';
import { emissionScores } from '../../../src/scoring/emission-matrix.ts';
import { viterbiAlign } from '../../../src/search/viterbi-alignment.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { biasOffset, estimateCepstralBias, subtractBias } from '../../../src/search/cepstral-bias.ts';
import { Recognizer } from '../../../src/search/recognizer.ts';

/**
 * Features of width 4: two "static" values (the bias applies to them) and two "deltas". Word
 * "up" has states around (0, 0) and (6, 6) in the statics, "down" the reverse; silence sits at
 * (−8, −8). Every state is one Gaussian with its own variances.
 */
const STATES: Record<string, [number, number][]> = { up: [[0, 0], [6, 6]], down: [[6, 6], [0, 0]], sil: [[-8, -8]] };
const VARIANCES: [number, number][] = [[1, 2], [0.5, 1.5], [2, 1], [1, 0.5], [1, 1]];

function model(): SpeechModel {
  const means = [...STATES.up, ...STATES.down, ...STATES.sil];
  return {
    name: 'bias test',
    frontEnd: frontEndConfig(),
    units: [leftToRightHmm('up', 0, 2, 0.8), leftToRightHmm('down', 2, 2, 0.8), leftToRightHmm('sil', 4, 1, 0.8)],
    silenceUnit: 'sil',
    gmms: means.map((mean, i) => new DiagonalGmm(4, { weights: [1], means: [...mean, 0, 0], variances: [...VARIANCES[i], 1, 1] })),
    lexicon: new Map([['up', ['up']], ['down', ['down']]]),
    cmnPriorMean: new Float64Array(2),
    provenance: { data: 'synthetic', command: 'test', date: '2026-11-24', accuracy: {} },
  };
}

/** Frames of `words` with silence around them, every static shifted by `offset`; state of each frame too. */
function utterance(words: string[], offset: [number, number], random: SeededRandom, noise = 0.3): { features: FrameBlock; gmmOf: number[] } {
  const values: number[] = [];
  const gmmOf: number[] = [];
  const emit = (gmm: number, mean: [number, number], frames: number): void => {
    for (let f = 0; f < frames; f++) {
      values.push(mean[0] + offset[0] + noise * random.normal(), mean[1] + offset[1] + noise * random.normal(), 0, 0);
      gmmOf.push(gmm);
    }
  };
  emit(4, STATES.sil[0], 5);
  for (const word of words) STATES[word].forEach((mean, j) => emit((word === 'up' ? 0 : 2) + j, mean, 8 + random.integer(5)));
  emit(4, STATES.sil[0], 5);
  return { features: { data: Float32Array.from(values), count: values.length / 4, width: 4, firstFrame: 0 }, gmmOf };
}

/**
 * The log-likelihood of the word frames, on the forced alignment the estimate is conditioned on,
 * after subtracting the feature offset that a static bias causes.
 */
function alignedWordLikelihood(m: SpeechModel, features: FrameBlock, words: string[], offsetOf: (bias: Float64Array) => Float64Array): (bias: Float64Array) => number {
  const units = unitsByName(m);
  const graph = buildUtteranceGraph(words.map((word) => spell([word], m.lexicon, units)), units.get('sil'), unitStateBases(m.units));
  const { states } = viterbiAlign(graph, emissionScores(graph, features, m.gmms), features.count);
  return (bias) => {
    const shifted = subtractBias(features, offsetOf(bias));
    let total = 0;
    for (let t = 0; t < features.count; t++) {
      if (graph.wordOf[states[t]] >= 0) total += m.gmms[graph.emissions[states[t]]].logLikelihood(shifted.data, t * features.width);
    }
    return total;
  };
}

/** A step of 0.05 either way along either static dimension lowers the likelihood: `bias` is its maximum. */
function expectEveryStepAwayLowers(logLikelihood: (bias: Float64Array) => number, bias: Float64Array): void {
  const best = logLikelihood(bias);
  for (const [d, step] of [[0, 0.05], [0, -0.05], [1, 0.05], [1, -0.05]] as const) {
    const moved = Float64Array.from(bias);
    moved[d] += step;
    expect(logLikelihood(moved)).toBeLessThan(best);
  }
}

describe('estimateCepstralBias', () => {
  it('recovers a known channel offset of the static cepstra from a hypothesis of several words', () => {
    const random = new SeededRandom(3);
    const { features } = utterance(['up', 'down', 'up'], [1.2, -0.7], random);
    const bias = estimateCepstralBias(model(), features, ['up', 'down', 'up'], { priorFrames: 0 });
    expect(bias.length).toBe(2);
    // 60-odd word frames of noise 0.3: the estimate's standard error is under 0.1.
    expect(bias[0]).toBeCloseTo(1.2, 1);
    expect(bias[1]).toBeCloseTo(-0.7, 1);
    const corrected = subtractBias(features, bias);
    expect(corrected.data[0]).toBeCloseTo(features.data[0] - bias[0], 5);
    expect(corrected.data[2]).toBe(features.data[2]);
  });

  it('is the offset that makes the aligned word frames most likely (any shift away lowers it)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), (seed, a, b) => {
        const random = new SeededRandom(seed);
        const words = random.next() < 0.5 ? ['up', 'down'] : ['down'];
        const m = model();
        const { features } = utterance(words, [a, b], random, 0.5);
        const bias = estimateCepstralBias(m, features, words, { priorFrames: 0 });
        const logLikelihood = alignedWordLikelihood(m, features, words, (shift) => shift);
        expectEveryStepAwayLowers(logLikelihood, bias);
      }),
      { numRuns: 40 },
    );
  });

  it('with a feature transform x\' = A x in the model, finds the static offset through A (most likely; any shift lowers it)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), (seed, a, b) => {
        const random = new SeededRandom(seed);
        const plain = model();
        // A well-conditioned random transform: the identity plus a mixing of every dimension.
        const matrix = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0) + 0.4 * random.normal()));
        const apply = (x: ArrayLike<number>, offset: number): number[] => matrix.map((row) => row.reduce((sum, value, j) => sum + value * x[offset + j], 0));
        const m: SpeechModel = {
          ...plain,
          frontEnd: { ...plain.frontEnd, transform: { matrix } },
          gmms: plain.gmms.map((gmm, i) => new DiagonalGmm(4, { weights: [1], means: apply(gmm.means, 0), variances: [...VARIANCES[i], 1, 1] })),
        };
        const words = ['up', 'down'];
        const { features: raw } = utterance(words, [a, b], random, 0.2);
        const data = new Float32Array(raw.data.length);
        for (let t = 0; t < raw.count; t++) data.set(apply(raw.data, 4 * t), 4 * t);
        const features = { ...raw, data };
        const bias = estimateCepstralBias(m, features, words, { priorFrames: 0 });
        const logLikelihood = alignedWordLikelihood(m, features, words, (shift) => biasOffset(m, shift));
        expectEveryStepAwayLowers(logLikelihood, bias);
      }),
      { numRuns: 40 },
    );
  });

  it('shrinks towards no offset by the prior frames, and gives none without words', () => {
    const random = new SeededRandom(5);
    const words = ['down'];
    const { features, gmmOf } = utterance(words, [2, 2], random);
    const wordFrames = gmmOf.filter((gmm) => gmm !== 4).length;
    const free = estimateCepstralBias(model(), features, words, { priorFrames: 0 });
    const shrunk = estimateCepstralBias(model(), features, words, { priorFrames: wordFrames });
    expect(shrunk[0]).toBeCloseTo(free[0] / 2, 9);
    expect(shrunk[1]).toBeCloseTo(free[1] / 2, 9);
    expect([...estimateCepstralBias(model(), features, [])]).toEqual([0, 0]);
  });
});

describe('Recognizer adaptation', () => {
  it('rejects an unknown adaptation with a clear error', () => {
    expect(() => new Recognizer(model(), { adaptation: 'mllr' as never })).toThrow(/adaptation must be one of none, bias/);
  });
});
