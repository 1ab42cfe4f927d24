import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Matrix, inverse } from 'ml-matrix';
import { leftToRightHmm } from '../../../src/graph/unit-hmm.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { HmmTrainer, type HmmTopology, type TrainingUtterance } from '../../../src/training/hmm-training.ts';
import { estimateLda, stateScatter } from '../../../src/training/lda.ts';
import type { GaussianScatter } from '../../../src/training/semi-tied-transform.ts';

function randomCovariance(dim: number, random: SeededRandom): Float64Array {
  // G Gᵀ + 0.5 I: symmetric positive definite, with correlations.
  const g = Array.from({ length: dim * dim }, () => random.normal());
  const w = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      for (let k = 0; k < dim; k++) w[i * dim + j] += g[i * dim + k] * g[j * dim + k];
      if (i === j) w[i * dim + j] += 0.5;
    }
  }
  return w;
}

function randomClasses(count: number, dim: number, random: SeededRandom): GaussianScatter[] {
  return Array.from({ length: count }, () => ({
    occupancy: 1 + 100 * random.next(),
    mean: Float64Array.from({ length: dim }, () => 3 * random.normal()),
    covariance: randomCovariance(dim, random),
  }));
}

/** Pooled within-class and between-class covariances, computed the plain way. */
function scatterMatrices(classes: readonly GaussianScatter[], dim: number): { within: Matrix; between: Matrix } {
  const total = classes.reduce((sum, c) => sum + c.occupancy, 0);
  const mean = new Array<number>(dim).fill(0);
  for (const c of classes) for (let i = 0; i < dim; i++) mean[i] += (c.occupancy * c.mean[i]) / total;
  const within = Matrix.zeros(dim, dim);
  const between = Matrix.zeros(dim, dim);
  for (const c of classes) {
    const d = Matrix.columnVector(Array.from(c.mean, (m, i) => m - mean[i]));
    within.add(new Matrix(Array.from({ length: dim }, (_, i) => Array.from(c.covariance.subarray(i * dim, (i + 1) * dim)))).mul(c.occupancy / total));
    between.add(d.mmul(d.transpose()).mul(c.occupancy / total));
  }
  return { within, between };
}

function rows(transform: Float64Array, count: number, dim: number): Matrix {
  return new Matrix(Array.from({ length: count }, (_, r) => Array.from(transform.subarray(r * dim, (r + 1) * dim))));
}

describe('estimateLda', () => {
  it("gives Fisher's direction W⁻¹(μ₁ − μ₂) for two classes with one covariance", () => {
    const random = new SeededRandom(3);
    const dim = 4;
    const covariance = randomCovariance(dim, random);
    const means = [Float64Array.from([1, 0, -2, 0.5]), Float64Array.from([-1, 2, 0, 0])];
    const classes = means.map((mean, c) => ({ occupancy: [30, 70][c], mean, covariance }));
    const { transform, eigenvalues } = estimateLda(classes, dim, 1);
    const w = new Matrix(Array.from({ length: dim }, (_, i) => Array.from(covariance.subarray(i * dim, (i + 1) * dim))));
    const fisher = inverse(w).mmul(Matrix.columnVector(Array.from(means[0], (m, i) => m - means[1][i]))).getColumn(0);
    const a = Array.from(transform);
    const cosine = a.reduce((sum, v, i) => sum + v * fisher[i], 0) / Math.hypot(...a) / Math.hypot(...fisher);
    expect(Math.abs(cosine)).toBeCloseTo(1, 9);
    // Two classes: one direction separates them, the rest carry no between-class variance.
    expect(eigenvalues[0]).toBeGreaterThan(0.01);
    for (const value of eigenvalues.subarray(1)) expect(Math.abs(value)).toBeLessThan(1e-9);
  });

  it('whitens the within-class covariance and diagonalises the between-class one, largest first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 8 }), (seed, dim, count) => {
        const random = new SeededRandom(seed);
        const classes = randomClasses(count, dim, random);
        const { transform, eigenvalues } = estimateLda(classes, dim, dim);
        const { within, between } = scatterMatrices(classes, dim);
        const a = rows(transform, dim, dim);
        const whitened = a.mmul(within).mmul(a.transpose());
        const separated = a.mmul(between).mmul(a.transpose());
        for (let i = 0; i < dim; i++) {
          for (let j = 0; j < dim; j++) {
            expect(whitened.get(i, j)).toBeCloseTo(i === j ? 1 : 0, 8);
            expect(separated.get(i, j)).toBeCloseTo(i === j ? eigenvalues[i] : 0, 8);
          }
          if (i > 0) expect(eigenvalues[i]).toBeLessThanOrEqual(eigenvalues[i - 1] + 1e-12);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('finds the direction no other beats: random directions never separate the classes better (brute force)', () => {
    const random = new SeededRandom(11);
    const dim = 5;
    const classes = randomClasses(6, dim, random);
    const { eigenvalues } = estimateLda(classes, dim, 2);
    const { within, between } = scatterMatrices(classes, dim);
    let best = 0;
    for (let trial = 0; trial < 20_000; trial++) {
      const v = Matrix.columnVector(Array.from({ length: dim }, () => random.normal()));
      const ratio = v.transpose().mmul(between).mmul(v).get(0, 0) / v.transpose().mmul(within).mmul(v).get(0, 0);
      best = Math.max(best, ratio);
    }
    expect(best).toBeLessThanOrEqual(eigenvalues[0] * (1 + 1e-9));
    expect(best).toBeGreaterThan(0.9 * eigenvalues[0]);
  });

  it('keeps the first R rows of the full solution', () => {
    const random = new SeededRandom(5);
    const classes = randomClasses(5, 4, random);
    const full = estimateLda(classes, 4, 4).transform;
    const two = estimateLda(classes, 4, 2).transform;
    expect(two.length).toBe(8);
    two.forEach((value, i) => expect(value).toBeCloseTo(full[i], 12));
  });

  it('names what is wrong with its input', () => {
    const classes = randomClasses(3, 3, new SeededRandom(1));
    expect(() => estimateLda(classes, 3, 0)).toThrow('LDA output dimension must be an integer from 1 to 3; got 0');
    expect(() => estimateLda(classes, 3, 4)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => estimateLda(classes.slice(0, 1), 3, 2)).toThrow('LDA needs at least two classes with frames; got 1');
    const flat = classes.map((c) => ({ ...c, covariance: new Float64Array(9) }));
    expect(() => estimateLda(flat, 3, 2)).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
  });
});

describe('stateScatter', () => {
  it("pools a state's Gaussians into the mean and covariance of all their frames", () => {
    const random = new SeededRandom(9);
    const dim = 3;
    const groups = [0, 1, 2].map((g) => Array.from({ length: 50 + 20 * g }, () => Array.from({ length: dim }, (_, d) => g * (d + 1) + (1 + g) * random.normal())));
    const moments = (points: number[][]): GaussianScatter => {
      const mean = Float64Array.from({ length: dim }, (_, d) => points.reduce((sum, p) => sum + p[d], 0) / points.length);
      const covariance = new Float64Array(dim * dim);
      for (const p of points) for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) covariance[i * dim + j] += ((p[i] - mean[i]) * (p[j] - mean[j])) / points.length;
      return { occupancy: points.length, mean, covariance };
    };
    // State 0 has Gaussians 0 and 1, state 1 has Gaussian 2 alone.
    const pooled = stateScatter(groups.map(moments), [2, 1], dim);
    const direct = moments([...groups[0], ...groups[1]]);
    expect(pooled[0].occupancy).toBe(direct.occupancy);
    pooled[0].mean.forEach((value, i) => expect(value).toBeCloseTo(direct.mean[i], 12));
    pooled[0].covariance.forEach((value, i) => expect(value).toBeCloseTo(direct.covariance[i], 12));
    expect(Array.from(pooled[1].covariance)).toEqual(Array.from(moments(groups[2]).covariance));
    expect(() => stateScatter(groups.map(moments), [1, 1], dim)).toThrow('stateScatter: the states have 2 Gaussians; got 3');
  });
});

describe('HmmTrainer with an LDA projection', () => {
  /** One word of two states told apart by the first value; the other two values are noise shared by every state. */
  function corpus(seed: number): TrainingUtterance[] {
    const random = new SeededRandom(seed);
    return Array.from({ length: 40 }, (_, n) => {
      const values: number[] = [];
      for (const centre of [-3, 3]) {
        const frames = 4 + random.integer(4);
        for (let f = 0; f < frames; f++) values.push(centre + 0.3 * random.normal(), 2 * random.normal(), 2 * random.normal());
      }
      return { id: `utt${n}`, words: ['w'], features: { data: Float32Array.from(values), count: values.length / 3, width: 3, firstFrame: 0 } };
    });
  }

  it('projects onto the discriminative dimension and trains on there', () => {
    const topology: HmmTopology = {
      units: [leftToRightHmm('w', 0, 2), leftToRightHmm('sil', 2, 1)],
      silenceUnit: 'sil',
      lexicon: new Map([['w', ['w']]]),
    };
    const utterances = corpus(4);
    const trainer = new HmmTrainer(topology, utterances, { passes: [{ components: 1, method: 'viterbi' }, { components: 1, method: 'viterbi' }] });
    trainer.train();
    const scatter = trainer.gaussianScatter();
    const states = stateScatter(scatter, trainer.gmms.map((gmm) => gmm.components), 3);
    const { transform } = estimateLda(states, 3, 1);
    // The one kept direction is the first value's, the noise left out.
    expect(Math.abs(transform[0]) / Math.hypot(transform[0], transform[1], transform[2])).toBeGreaterThan(0.99);
    trainer.transformFeatures(transform, scatter, 1);
    expect(trainer.gmms.every((gmm) => gmm.dim === 1)).toBe(true);
    expect(trainer.varianceFloor.length).toBe(1);
    expect(trainer.utterances[0].features.width).toBe(1);
    const first = utterances[0].features;
    expect(trainer.utterances[0].features.data[0]).toBeCloseTo(transform[0] * first.data[0] + transform[1] * first.data[1] + transform[2] * first.data[2], 4);
    trainer.runPasses([{ components: 2, method: 'viterbi' }, { components: 2, method: 'baum-welch' }]);
    const last = trainer.reports.at(-1)!;
    expect(last.components).toBe(2);
    expect(Number.isFinite(last.logLikelihood)).toBe(true);
    // The word's two states sit on either side of the projected line.
    const means = trainer.gmms.slice(0, 2).map((gmm) => gmm.weights.reduce((sum, w, k) => sum + w * gmm.means[k], 0));
    expect(Math.sign(means[0])).toBe(-Math.sign(means[1]));
    expect(() => trainer.transformFeatures(transform, scatter, 1)).toThrow('transformFeatures needs a 1 × 1 matrix (1 to 1 rows); got 3 values');
  });
});
