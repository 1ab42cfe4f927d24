import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { FullGmm } from '../../../src/acoustic/full-gmm.ts';
import { logSumExp, LOG_2PI } from '../../../src/math/log-space.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { DiagonalGmmAccumulator, splitGmm } from '../../../src/training/gmm-accumulator.ts';
import { trainGmm } from '../../../src/training/gmm-em.ts';
import { FIXTURES } from '../../helpers.ts';

/** Samples from a diagonal mixture. */
function sample(weights: number[], means: number[][], sds: number[][], count: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  const dim = means[0].length;
  const out = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    let u = random.next();
    let k = 0;
    while (k < weights.length - 1 && u >= weights[k]) u -= weights[k++];
    for (let d = 0; d < dim; d++) out[i * dim + d] = means[k][d] + sds[k][d] * random.normal();
  }
  return out;
}

describe('DiagonalGmm scoring', () => {
  it('equals the product of univariate normal densities, mixed by weight (direct formula)', () => {
    const gmm = new DiagonalGmm(2, { weights: [0.25, 0.75], means: [0, 1, 2, -1], variances: [1, 4, 0.5, 2] });
    const x = [0.3, 0.2];
    const normal = (v: number, m: number, s2: number): number => Math.exp(-((v - m) ** 2) / (2 * s2)) / Math.sqrt(2 * Math.PI * s2);
    const expected = 0.25 * normal(0.3, 0, 1) * normal(0.2, 1, 4) + 0.75 * normal(0.3, 2, 0.5) * normal(0.2, -1, 2);
    expect(gmm.logLikelihood(x)).toBeCloseTo(Math.log(expected), 12);
  });

  it('log-sum-exp of the component log-likelihoods is the mixture log-likelihood (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), (x) => {
        const gmm = new DiagonalGmm(3, { weights: [0.2, 0.3, 0.5], means: [0, 0, 0, 1, 2, 3, -1, 0, 1], variances: [1, 1, 1, 2, 0.5, 1, 3, 3, 0.2] });
        const components = new Float64Array(3);
        gmm.componentLogLikelihoods(x, 0, components);
        expect(logSumExp(components)).toBeCloseTo(gmm.logLikelihood(x), 10);
      }),
    );
  });

  it('full covariance with a diagonal matrix equals the diagonal GMM', () => {
    const diagonal = new DiagonalGmm(2, { weights: [0.6, 0.4], means: [0, 1, 2, 3], variances: [1, 2, 3, 4] });
    const full = new FullGmm(2, { weights: [0.6, 0.4], means: [0, 1, 2, 3], covariances: [[1, 0, 0, 2], [3, 0, 0, 4]] });
    expect(full.logLikelihood([0.5, -0.5])).toBeCloseTo(diagonal.logLikelihood([0.5, -0.5]), 12);
  });

  it('full covariance matches the bivariate normal density formula', () => {
    // N(x; 0, [[2, 0.6], [0.6, 1]]): −½(2 log 2π + log|Σ| + xᵀΣ⁻¹x), |Σ| = 1.64.
    const full = new FullGmm(2, { weights: [1], means: [0, 0], covariances: [[2, 0.6, 0.6, 1]] });
    const [a, b] = [1, -1];
    const quadratic = (1 * a * a - 2 * 0.6 * a * b + 2 * b * b) / 1.64;
    expect(full.logLikelihood([a, b])).toBeCloseTo(-0.5 * (2 * LOG_2PI + Math.log(1.64) + quadratic), 12);
  });
});

describe('trainGmm', () => {
  const fixture = JSON.parse(readFileSync(`${FIXTURES}gmm-sklearn.json`, 'utf8')) as {
    data: number[][];
    initial: { weights: number[]; means: number[][]; variances: number[][] };
    runs: Record<'diag' | 'full', { weights: number[]; means: number[][]; covariances: number[][] | number[][][]; lowerBound: number; finalMeanLogLikelihood: number }>;
  };
  const data = Float64Array.from(fixture.data.flat());
  const count = fixture.data.length;

  // Golden values: scikit-learn 1.2.1 GaussianMixture, 30 iterations from the same start
  // (tools/gmm-sklearn-reference.py). Both run the same exact EM, so only rounding differs.
  it('matches scikit-learn (diagonal) from the same start', () => {
    const initial = new DiagonalGmm(2, { weights: fixture.initial.weights, means: fixture.initial.means.flat(), variances: fixture.initial.variances.flat() });
    const result = trainGmm(data, 2, { components: 3, initial, maxIterations: 30, tolerance: 0, varianceFloorFraction: 0, minOccupancy: 0 });
    const expected = fixture.runs.diag;
    expect(result.iterations).toBe(30);
    result.gmm.weights.forEach((w, k) => expect(w).toBeCloseTo(expected.weights[k], 9));
    result.gmm.means.forEach((m, i) => expect(m).toBeCloseTo(expected.means.flat()[i], 9));
    result.gmm.variances.forEach((v, i) => expect(v).toBeCloseTo((expected.covariances as number[][]).flat()[i], 9));
    expect(result.logLikelihoods[29] / count).toBeCloseTo(expected.lowerBound, 9);
    expect(result.logLikelihoods[30] / count).toBeCloseTo(expected.finalMeanLogLikelihood, 9);
  });

  it('matches scikit-learn (full covariance) from the same start', () => {
    const identityScaled = fixture.initial.variances.map(([a, b]) => [a, 0, 0, b]);
    const initial = new FullGmm(2, { weights: fixture.initial.weights, means: fixture.initial.means.flat(), covariances: identityScaled });
    const result = trainGmm(data, 2, { components: 3, covariance: 'full', initial, maxIterations: 30, tolerance: 0, varianceFloorFraction: 0, minOccupancy: 0 });
    const expected = fixture.runs.full;
    result.gmm.weights.forEach((w, k) => expect(w).toBeCloseTo(expected.weights[k], 9));
    result.gmm.means.forEach((m, i) => expect(m).toBeCloseTo(expected.means.flat()[i], 9));
    result.gmm.covariances.forEach((c, k) => c.forEach((v, i) => expect(v).toBeCloseTo((expected.covariances as number[][][])[k].flat()[i], 9)));
    expect(result.logLikelihoods[30] / count).toBeCloseTo(expected.finalMeanLogLikelihood, 9);
  });

  it('recovers the parameters of a known mixture from its samples (k-means++ start)', () => {
    const truth = { weights: [0.5, 0.3, 0.2], means: [[-4, 0, 2], [3, 3, -1], [0, -5, 6]], sds: [[1, 0.5, 1], [0.7, 1.2, 0.4], [1, 1, 1.5]] };
    const points = sample(truth.weights, truth.means, truth.sds, 6000, 5);
    const { gmm } = trainGmm(points, 3, { components: 3, restarts: 3, seed: 2 });
    // Match components by mean, then compare: sampling error at n ≥ 1200 is about 3/√n of a σ.
    for (let t = 0; t < 3; t++) {
      let k = 0;
      for (let j = 1; j < 3; j++) if (Math.abs(gmm.means[j * 3] - truth.means[t][0]) < Math.abs(gmm.means[k * 3] - truth.means[t][0])) k = j;
      expect(Math.abs(gmm.weights[k] - truth.weights[t])).toBeLessThan(0.03);
      for (let d = 0; d < 3; d++) {
        expect(Math.abs(gmm.means[k * 3 + d] - truth.means[t][d])).toBeLessThan(0.1 * truth.sds[t][d] + 0.05);
        expect(Math.abs(Math.sqrt(gmm.variances[k * 3 + d]) / truth.sds[t][d] - 1)).toBeLessThan(0.1);
      }
    }
  });

  it('never lowers the log-likelihood from one EM iteration to the next (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 5 }), (seed, components) => {
        const points = sample([0.5, 0.5], [[0, 0], [3, 1]], [[1, 1], [0.5, 2]], 300, seed);
        const { logLikelihoods } = trainGmm(points, 2, { components, restarts: 1, seed, maxIterations: 25, tolerance: 0, minOccupancy: 0 });
        for (let i = 1; i < logLikelihoods.length; i++) expect(logLikelihoods[i]).toBeGreaterThanOrEqual(logLikelihoods[i - 1] - 1e-9 * Math.abs(logLikelihoods[i - 1]));
      }),
      { numRuns: 30 },
    );
  });

  it('hard (Viterbi) training never lowers its objective either, and separates clear clusters', () => {
    const points = sample([0.5, 0.5], [[-5, 0], [5, 0]], [[1, 1], [1, 1]], 1000, 9);
    const { gmm, logLikelihoods } = trainGmm(points, 2, { components: 2, assignment: 'hard', restarts: 1, tolerance: 0, maxIterations: 15 });
    for (let i = 1; i < logLikelihoods.length; i++) expect(logLikelihoods[i]).toBeGreaterThanOrEqual(logLikelihoods[i - 1] - 1e-9);
    const sortedMeans = [gmm.means[0], gmm.means[2]].sort((a, b) => a - b);
    expect(sortedMeans[0]).toBeCloseTo(-5, 0);
    expect(sortedMeans[1]).toBeCloseTo(5, 0);
  });

  it('responsibilities sum to the number of points', () => {
    const points = sample([0.3, 0.7], [[0, 0], [2, 2]], [[1, 1], [1, 1]], 500, 3);
    const gmm = new DiagonalGmm(2, { weights: [0.5, 0.5], means: [0, 0, 1, 1], variances: [1, 1, 1, 1] });
    const accumulator = new DiagonalGmmAccumulator(2, 2);
    for (let i = 0; i < 500; i++) accumulator.addSoft(gmm, points, i * 2);
    expect(accumulator.occupancy[0] + accumulator.occupancy[1]).toBeCloseTo(500, 9);
  });

  it('keeps the best of several restarts', () => {
    const points = sample([0.25, 0.25, 0.25, 0.25], [[0, 0], [6, 0], [0, 6], [6, 6]], [[1, 1], [1, 1], [1, 1], [1, 1]], 800, 4);
    const result = trainGmm(points, 2, { components: 4, restarts: 4, seed: 11 });
    expect(result.restartLogLikelihoods).toHaveLength(4);
    expect(result.logLikelihoods.at(-1)).toBe(Math.max(...result.restartLogLikelihoods));
  });

  it('floors variances and resets a collapsing component, counting both', () => {
    // 200 points at one place plus one far outlier: a component that grabs the outlier collapses.
    const points = new Float64Array(402);
    const random = new SeededRandom(1);
    for (let i = 0; i < 200; i++) {
      points[2 * i] = random.normal();
      points[2 * i + 1] = random.normal();
    }
    points[400] = 1000;
    points[401] = 1000;
    const initial = new DiagonalGmm(2, { weights: [0.5, 0.5], means: [0, 0, 1000, 1000], variances: [1, 1, 1, 1] });
    const result = trainGmm(points, 2, { components: 2, initial, maxIterations: 3, varianceFloorFraction: 0.01 });
    expect(result.stats.collapsedComponents).toBeGreaterThan(0);
    for (const variance of result.gmm.variances) expect(variance).toBeGreaterThan(0);
  });

  it('resets a collapsing full-covariance component by splitting the heaviest', () => {
    const random = new SeededRandom(2);
    const points = new Float64Array(402);
    for (let i = 0; i < 400; i++) points[i] = random.normal();
    points[400] = 500;
    points[401] = 500;
    const initial = new FullGmm(2, { weights: [0.5, 0.5], means: [0, 0, 500, 500], covariances: [[1, 0, 0, 1], [1, 0, 0, 1]] });
    const result = trainGmm(points, 2, { components: 2, covariance: 'full', initial, maxIterations: 1 });
    expect(result.stats.collapsedComponents).toBe(1);
    // The outlier's component (one point) is replaced: both now sit either side of the bulk's
    // mean, 0.4σ apart (σ floored at 1% of the outlier-inflated global variance), with equal
    // weights and the same covariance.
    const sigma = Math.sqrt(result.gmm.covariances[0][0]);
    expect(Math.abs((result.gmm.means[0] + result.gmm.means[2]) / 2)).toBeLessThan(0.3);
    expect(result.gmm.means[2] - result.gmm.means[0]).toBeCloseTo(0.4 * sigma, 9);
    expect(result.gmm.weights[0]).toBeCloseTo(result.gmm.weights[1], 12);
    expect(Array.from(result.gmm.covariances[1])).toEqual(Array.from(result.gmm.covariances[0]));
    expect(Number.isFinite(result.gmm.logLikelihood([0, 0]))).toBe(true);
  });

  it('splits the heaviest component, moving the means ±0.2σ', () => {
    const gmm = new DiagonalGmm(1, { weights: [0.25, 0.75], means: [0, 10], variances: [1, 4] });
    const split = splitGmm(gmm, 3);
    expect(Array.from(split.weights)).toEqual([0.25, 0.375, 0.375]);
    expect(Array.from(split.means)).toEqual([0, 10 - 0.4, 10 + 0.4]);
    expect(Array.from(split.variances)).toEqual([1, 4, 4]);
  });

  it('names the bad option', () => {
    expect(() => trainGmm(new Float64Array(10), 2, { components: 0 })).toThrow('gmmTraining.components must be an integer in [1, 1024]; got 0');
  });
});
