import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { applyFmllr, identityTransform } from '../../../src/acoustic/fmllr.ts';
import { frontEndConfig } from '../../../src/features/front-end.ts';
import type { FrameBlock } from '../../../src/frames/frame-block.ts';
import { leftToRightHmm } from '../../../src/graph/unit-hmm.ts';
import type { SpeechModel } from '../../../src/io/speech-model.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import type { HypothesisWord } from '../../../src/search/online-decoder.ts';
import { Recognizer } from '../../../src/search/recognizer.ts';
import { SpeakerAdaptation } from '../../../src/search/speaker-adaptation.ts';

/**
 * Features of width 3. Word "up" has states around (0, 0, 0) then (4, 4, 1), "down" around
 * (4, −4, 0) then (−3, 3, −1); silence sits at (−6, −6, −2). Every state is one Gaussian with its own variances.
 */
const STATES: Record<string, number[][]> = {
  up: [
    [0, 0, 0],
    [4, 4, 1],
  ],
  down: [
    [4, -4, 0],
    [-3, 3, -1],
  ],
  sil: [[-6, -6, -2]],
};
const GMM_OF: Record<string, number[]> = { up: [0, 1], down: [2, 3], sil: [4] };
const VARIANCES = [
  [1, 0.8, 0.5],
  [0.6, 1, 0.4],
  [0.9, 0.7, 0.5],
  [0.8, 0.6, 0.6],
  [1, 1, 1],
];

function model(): SpeechModel {
  const means = [...STATES.up, ...STATES.down, ...STATES.sil];
  return {
    name: 'speaker adaptation test',
    frontEnd: frontEndConfig(),
    units: [leftToRightHmm('up', 0, 2, 0.8), leftToRightHmm('down', 2, 2, 0.8), leftToRightHmm('sil', 4, 1, 0.8)],
    silenceUnit: 'sil',
    gmms: means.map((mean, i) => new DiagonalGmm(3, { weights: [1], means: mean, variances: VARIANCES[i] })),
    lexicon: new Map([
      ['up', ['up']],
      ['down', ['down']],
    ]),
    cmnPriorMean: new Float64Array(3),
    provenance: { data: 'synthetic', command: 'test', date: '2026-11-24', accuracy: {} },
  };
}

/** The talker: model-space frames y heard as x = M y + c. */
const DISTORTION = [
  [1.5, 0.3, 0],
  [-0.2, 0.7, 0.2],
  [0.1, 0, 1.3],
];
const SHIFT = [2.5, -1.5, 1];

/** Frames of `words` between silences as the talker says them (or as the model expects), and the words with their frames. */
function utterance(words: string[], random: SeededRandom, distorted = true): { features: FrameBlock; words: HypothesisWord[] } {
  const values: number[] = [];
  const spans: HypothesisWord[] = [];
  const emit = (gmm: number, frames: number): void => {
    for (let f = 0; f < frames; f++) {
      const y = [0, 1, 2].map((d) => model().gmms[gmm].means[d] + Math.sqrt(VARIANCES[gmm][d]) * random.normal());
      values.push(...(distorted ? DISTORTION.map((row, i) => SHIFT[i] + row.reduce((sum, value, j) => sum + value * y[j], 0)) : y));
    }
  };
  emit(4, 4);
  for (const word of words) {
    const startFrame = values.length / 3;
    for (const gmm of GMM_OF[word]) emit(gmm, 6 + random.integer(4));
    const endFrame = values.length / 3 - 1;
    spans.push({ word, startFrame, endFrame, start: startFrame / 100, end: (endFrame + 1) / 100, confidence: 1 });
  }
  emit(4, 4);
  return { features: { data: Float32Array.from(values), count: values.length / 3, width: 3, firstFrame: 0 }, words: spans };
}

function randomWords(random: SeededRandom): string[] {
  return Array.from({ length: 2 + random.integer(3) }, () => (random.next() < 0.5 ? 'up' : 'down'));
}

/** Mean log-likelihood per frame of the word frames under their true states, after `speaker`'s transform. */
function alignedLikelihood(speaker: SpeakerAdaptation, utterances: { features: FrameBlock; words: HypothesisWord[] }[]): number {
  const m = model();
  let total = 0;
  let frames = 0;
  for (const { features, words } of utterances) {
    const mapped = speaker.apply(features);
    for (const word of words) {
      const gmms = GMM_OF[word.word];
      const length = word.endFrame - word.startFrame + 1;
      for (let t = word.startFrame; t <= word.endFrame; t++) {
        // Which state made the frame is not kept: score by the better of the word's two.
        const scores = gmms.map((g) => m.gmms[g].logLikelihood(mapped.data, t * 3));
        total += Math.max(...scores);
      }
      frames += length;
    }
  }
  return total / frames;
}

describe('SpeakerAdaptation', () => {
  it('learns the inverse of the talker\'s distortion from their words (within 0.15 of it)', () => {
    const random = new SeededRandom(1);
    const speaker = new SpeakerAdaptation(model(), { priorFrames: 0, iterations: 30 });
    for (let n = 0; n < 40; n++) {
      const { features, words } = utterance(randomWords(random), random);
      speaker.learn(features, words);
    }
    const transform = speaker.transform!;
    expect(speaker.utterances).toBe(40);
    // A M ≈ I and A c + b ≈ 0: the transform undoes the distortion.
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const product = [0, 1, 2].reduce((sum, k) => sum + transform[i * 4 + k] * DISTORTION[k][j], 0);
        expect(Math.abs(product - (i === j ? 1 : 0))).toBeLessThan(0.15);
      }
      const residual = [0, 1, 2].reduce((sum, k) => sum + transform[i * 4 + k] * SHIFT[k], 0) + transform[i * 4 + 3];
      expect(Math.abs(residual)).toBeLessThan(0.15);
    }
  });

  it('unsupervised, from its own hypotheses as they come, brings later utterances back to the model\'s own error rate', () => {
    const random = new SeededRandom(7);
    const m = model();
    const recognizer = new Recognizer(m, { decoder: { partials: false } });
    // This talker is far from the model (half the first pass is wrong): wait for 5 s of speech before estimating.
    const speaker = new SpeakerAdaptation(m, { minWordFrames: 500 });
    const learnFrom = Array.from({ length: 30 }, () => utterance(randomWords(random), random));
    const sentences = Array.from({ length: 40 }, () => randomWords(random));
    const heldOut = sentences.map((words) => utterance(words, new SeededRandom(words.length)));
    // The same sentences from the same noise, undistorted: the model's own error rate.
    const asModelled = sentences.map((words) => utterance(words, new SeededRandom(words.length), false));
    const errors = (adaptation: SpeakerAdaptation, utterances = heldOut): number =>
      utterances.filter(({ features, words }) => (recognizer.decodeUtterance(adaptation.apply(features))?.text ?? '') !== words.map((w) => w.word).join(' ')).length;
    const floor = errors(new SpeakerAdaptation(m), asModelled);
    const before = { errors: errors(speaker), likelihood: alignedLikelihood(speaker, heldOut) };
    for (const { features } of learnFrom) {
      const hypothesis = recognizer.decodeUtterance(speaker.apply(features));
      speaker.learn(features, hypothesis?.words ?? []);
    }
    const after = { errors: errors(speaker), likelihood: alignedLikelihood(speaker, heldOut) };
    expect(before.errors).toBeGreaterThanOrEqual(floor + 5);
    expect(after.errors).toBeLessThanOrEqual(floor + 1);
    expect(after.likelihood).toBeGreaterThan(before.likelihood + 1);
  });

  it('estimates nothing before minWordFrames word frames: for a talker far from the model, without the wait the first pass\'s errors lock in', () => {
    const random = new SeededRandom(7);
    const m = model();
    const recognizer = new Recognizer(m, { decoder: { partials: false } });
    const learnFrom = Array.from({ length: 30 }, () => utterance(randomWords(random), random));
    const heldOut = Array.from({ length: 40 }, () => utterance(randomWords(random), random));
    const errors = (speaker: SpeakerAdaptation): number => {
      for (const { features } of learnFrom) speaker.learn(features, recognizer.decodeUtterance(speaker.apply(features))?.words ?? []);
      return heldOut.filter(({ features, words }) => recognizer.decodeUtterance(speaker.apply(features))?.text !== words.map((w) => w.word).join(' ')).length;
    };
    const waiting = new SpeakerAdaptation(m, { minWordFrames: 500 });
    const first = learnFrom[0];
    waiting.learn(first.features, first.words);
    expect(waiting.transform).toBeUndefined();
    expect(waiting.wordFrames).toBeGreaterThan(0);
    expect(errors(new SpeakerAdaptation(m, { minWordFrames: 0 }))).toBeGreaterThan(errors(new SpeakerAdaptation(m, { minWordFrames: 500 })) + 10);
  });

  it('weights a word by its confidence: a word of confidence 0 teaches nothing', () => {
    const random = new SeededRandom(3);
    const { features, words } = utterance(['up', 'down'], random);
    const unsure = new SpeakerAdaptation(model(), { silenceWeight: 0 });
    unsure.learn(features, words.map((word) => ({ ...word, confidence: 0 })));
    [...unsure.transform!].forEach((value, n) => expect(value).toBeCloseTo(n % 4 === Math.floor(n / 4) ? 1 : 0, 9));
    const sure = new SpeakerAdaptation(model(), { silenceWeight: 0 });
    sure.learn(features, words);
    expect(Math.abs(sure.transform![3])).toBeGreaterThan(0.1);
  });

  it('deferEstimates keeps the transform until estimate; a snapshot learns nothing; clearStatistics starts a pass afresh; reset forgets', () => {
    const random = new SeededRandom(4);
    const speaker = new SpeakerAdaptation(model()).deferEstimates();
    const first = utterance(['up', 'down', 'up'], random);
    speaker.learn(first.features, first.words);
    expect(speaker.transform).toBeUndefined();
    expect(speaker.apply(first.features)).toBe(first.features);
    speaker.estimate();
    const learnt = Float64Array.from(speaker.transform!);
    const fixed = speaker.snapshot();
    const second = utterance(['down', 'down'], random);
    fixed.learn(second.features, second.words);
    fixed.estimate();
    expect([...fixed.transform!]).toEqual([...learnt]);
    expect(fixed.utterances).toBe(1);
    // Another pass: new statistics gathered through the transform, which stays until re-estimated.
    speaker.clearStatistics();
    expect(speaker.utterances).toBe(0);
    expect(speaker.transform).toBe(fixed.transform);
    speaker.learn(second.features, second.words);
    speaker.estimate();
    expect(speaker.transform).not.toBe(fixed.transform);
    speaker.reset();
    expect(speaker.transform).toBeUndefined();
    expect(speaker.utterances).toBe(0);
  });

  it('adaptedGmms moves each mean towards its frames by MAP: (τ μ + Σ x) / (τ + n), silence at its weight', () => {
    const m = model();
    const frames = [
      ...Array.from({ length: 4 }, () => [-6, -6, -2]),
      ...Array.from({ length: 6 }, () => [0.5, 0, 0]),
      ...Array.from({ length: 6 }, () => [4, 4.5, 1]),
      ...Array.from({ length: 4 }, () => [-6, -6, -2]),
    ];
    const features: FrameBlock = { data: Float32Array.from(frames.flat()), count: frames.length, width: 3, firstFrame: 0 };
    const speaker = new SpeakerAdaptation(m, { meanPriorFrames: 5 }).deferEstimates();
    speaker.learn(features, [{ word: 'up', startFrame: 4, endFrame: 15, start: 0.04, end: 0.16, confidence: 1 }]);
    const adapted = speaker.snapshot().adaptedGmms();
    // The alignment is unambiguous: six frames to each state of "up", eight to silence at weight 0.1.
    [3 / 11, 0, 0].forEach((value, d) => expect(adapted[0].means[d]).toBeCloseTo(value, 9));
    [4, (5 * 4 + 6 * 4.5) / 11, 1].forEach((value, d) => expect(adapted[1].means[d]).toBeCloseTo(value, 9));
    [-6, -6, -2].forEach((value, d) => expect(adapted[4].means[d]).toBeCloseTo(value, 9));
    // "down" heard nothing: its means stay; variances and weights are the model's.
    expect([...adapted[2].means]).toEqual([...m.gmms[2].means]);
    expect([...adapted[1].variances]).toEqual([...m.gmms[1].variances]);
    // A new pass starts the statistics afresh.
    speaker.clearStatistics();
    expect([...speaker.adaptedGmms()[0].means]).toEqual([...m.gmms[0].means]);
    // The recogniser over them decodes with them.
    const adaptedRecognizer = new Recognizer(m).withGmms(adapted);
    expect(adaptedRecognizer.model.gmms[0].means[0]).toBeCloseTo(3 / 11, 9);
    expect(adaptedRecognizer.decodeUtterance(features)?.text).toBe('up');
  });

  it('adaptedGmms moves every Gaussian of a state by one offset from all its frames (meanTying state), or each by its own', () => {
    // The second state of "up" gets two Gaussians far apart in the last feature.
    const base = model();
    const twoGaussians = new DiagonalGmm(3, { weights: [0.5, 0.5], means: [4, 4, 1, 4, 4, 11], variances: [0.6, 1, 0.4, 0.6, 1, 0.4] });
    const m: SpeechModel = { ...base, gmms: base.gmms.map((gmm, i) => (i === 1 ? twoGaussians : gmm)) };
    const frames = [
      ...Array.from({ length: 4 }, () => [-6, -6, -2]),
      ...Array.from({ length: 6 }, () => [0.5, 0, 0]),
      ...Array.from({ length: 4 }, () => [4, 4.5, 1]), // the first Gaussian's: posteriors 1 and e^−125
      ...Array.from({ length: 2 }, () => [4, 4, 12]), // the second's
      ...Array.from({ length: 4 }, () => [-6, -6, -2]),
    ];
    const features: FrameBlock = { data: Float32Array.from(frames.flat()), count: frames.length, width: 3, firstFrame: 0 };
    const words: HypothesisWord[] = [{ word: 'up', startFrame: 4, endFrame: 15, start: 0.04, end: 0.16, confidence: 1 }];
    const adapt = (meanTying: 'state' | 'gaussian'): DiagonalGmm => {
      const speaker = new SpeakerAdaptation(m, { meanPriorFrames: 5, meanTying }).deferEstimates();
      speaker.learn(features, words);
      return speaker.adaptedGmms()[1];
    };
    // State: Σ (x − μ_k) = 4 (0, 0.5, 0) + 2 (0, 0, 1) over τ + 6 frames, added to both means.
    const tied = adapt('state');
    [4, 4 + 2 / 11, 1 + 2 / 11, 4, 4 + 2 / 11, 11 + 2 / 11].forEach((value, n) => expect(tied.means[n]).toBeCloseTo(value, 9));
    // Gaussian: each mean (τ μ + Σ x) / (τ + n) from its own frames.
    const own = adapt('gaussian');
    [4, (5 * 4 + 4 * 4.5) / 9, 1, 4, 4, (5 * 11 + 2 * 12) / 7].forEach((value, n) => expect(own.means[n]).toBeCloseTo(value, 9));
    expect([...tied.weights]).toEqual([0.5, 0.5]);
  });

  it('adaptedGmms maps the frames through the transform of its moment: the MAP means of the transformed frames', () => {
    const m = model();
    const frames = [
      ...Array.from({ length: 4 }, (_, i) => [-6 + 0.1 * i, -6, -2]),
      ...Array.from({ length: 6 }, (_, i) => [0.5 + 0.2 * i, 0.3 * i, 0.1]),
      ...Array.from({ length: 6 }, (_, i) => [4 - 0.1 * i, 4.5, 1 + 0.05 * i]),
      ...Array.from({ length: 4 }, () => [-6, -5.5, -2]),
    ];
    const features: FrameBlock = { data: Float32Array.from(frames.flat()), count: frames.length, width: 3, firstFrame: 0 };
    const words: HypothesisWord[] = [{ word: 'up', startFrame: 4, endFrame: 15, start: 0.04, end: 0.16, confidence: 1 }];
    // Frames added with no transform yet, then one estimated: the means follow the new transform.
    const speaker = new SpeakerAdaptation(m, { priorFrames: 2, meanPriorFrames: 5 }).deferEstimates();
    speaker.learn(features, words);
    speaker.estimate();
    const transform = speaker.transform!;
    // The oracle adds the frames already mapped, with no transform of its own.
    const oracle = new SpeakerAdaptation(m, { priorFrames: 2, meanPriorFrames: 5 }).deferEstimates();
    oracle.learn(applyFmllr(features, transform), words);
    const adapted = speaker.adaptedGmms();
    const expected = oracle.adaptedGmms();
    const untransformed = speaker.snapshot();
    let largestShift = 0;
    for (let g = 0; g < adapted.length; g++) {
      for (let n = 0; n < adapted[g].means.length; n++) {
        expect(adapted[g].means[n]).toBeCloseTo(expected[g].means[n], 5);
        largestShift = Math.max(largestShift, Math.abs(adapted[g].means[n] - m.gmms[g].means[n]));
      }
    }
    // The transform is far from the identity, so the test tells the two apart.
    expect(transform.some((value, n) => Math.abs(value - identityTransform(3)[n]) > 0.05)).toBe(true);
    expect(largestShift).toBeGreaterThan(0.1);
    expect(untransformed.transform).toBe(transform);
  });

  it('saves a talker as JSON and restores it: the same transform and means, and it learns on exactly as the original', () => {
    const random = new SeededRandom(3);
    const m = model();
    const talker = new SpeakerAdaptation(m);
    const utterances = Array.from({ length: 4 }, () => utterance(randomWords(random), random));
    for (const { features, words } of utterances.slice(0, 3)) talker.learn(features, words);
    const restored = SpeakerAdaptation.restore(m, JSON.parse(JSON.stringify(talker)));
    expect(restored.utterances).toBe(3);
    expect(restored.wordFrames).toBe(talker.wordFrames);
    expect([...restored.transform!]).toEqual([...talker.transform!]);
    expect(restored.adaptedGmms().map((gmm) => [...gmm.means])).toEqual(talker.adaptedGmms().map((gmm) => [...gmm.means]));
    // One more utterance each: the estimates stay identical.
    const { features, words } = utterances[3];
    talker.learn(features, words);
    restored.learn(features, words);
    expect([...restored.transform!]).toEqual([...talker.transform!]);
    // A talker that has learnt nothing restores with no transform.
    expect(SpeakerAdaptation.restore(m, new SpeakerAdaptation(m).toJSON()).transform).toBeUndefined();
  });

  it('refuses a saved talker of another model, another format or with a field cut short, naming the field', () => {
    const m = model();
    const talker = new SpeakerAdaptation(m);
    talker.learn(...(({ features, words }) => [features, words] as const)(utterance(['up'], new SeededRandom(1))));
    const saved = talker.toJSON();
    const refused = (state: unknown, pattern: RegExp): void => {
      expect(() => SpeakerAdaptation.restore(m, state)).toThrow(expect.objectContaining({ code: 'DATA_INVALID', message: expect.stringMatching(pattern) }));
    };
    refused(null, /not a JSON object/);
    refused({ ...saved, format: 'beamline-model' }, /format must be "beamline-talker"/);
    refused({ ...saved, version: 2 }, /version 2 is not one this beamline reads/);
    refused({ ...saved, model: 'fsdd-digits' }, /learnt with the model "fsdd-digits"/);
    refused({ ...saved, transform: saved.transform!.slice(1) }, /transform must be 12 finite numbers/);
    refused({ ...saved, statistics: { ...saved.statistics, quadratic: [1, 2] } }, /statistics\.quadratic must be/);
    refused({ ...saved, meanSums: saved.meanSums.slice(1) }, /meanSums must have one list per GMM of the model \(5\)/);
    refused({ ...saved, meanCounts: saved.meanCounts.map((c, g) => (g === 2 ? [Number.NaN] : c)) }, /meanCounts\[2\] must be 1 finite number$/);
    refused({ ...saved, utterances: -1 }, /utterances must be a number ≥ 0/);
  });

  it('rejects bad settings with a clear error, through the recogniser too', () => {
    expect(() => new SpeakerAdaptation(model(), { priorFrames: -1 })).toThrow(/priorFrames must be ≥ 0/);
    expect(() => new SpeakerAdaptation(model(), { silenceWeight: 2 })).toThrow(/silenceWeight must be in \[0, 1\]/);
    expect(() => new SpeakerAdaptation(model(), { meanPriorFrames: 0 })).toThrow(/meanPriorFrames must be > 0/);
    expect(() => new SpeakerAdaptation(model(), { meanTying: 'word' as 'state' })).toThrow(/meanTying must be one of state, gaussian/);
    expect(() => new Recognizer(model(), { adaptation: 'speaker', speakerAdaptation: { iterations: 0 } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/iterations must be a positive integer/) }),
    );
  });
});
