import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { applyFmllr, estimateFmllr, FmllrStatistics, fmllrObjective, identityTransform } from '../../../src/acoustic/fmllr.ts';
import { SeededRandom } from '../../../src/math/random.ts';

/** One-component GMM with the given mean and variances. */
function gaussian(mean: number[], variances: number[]): DiagonalGmm {
  return new DiagonalGmm(mean.length, { weights: [1], means: mean, variances });
}

/** Statistics of `frames` frames, each frame drawn from one of `gmms` and scored by it alone. */
function statisticsOf(gmms: DiagonalGmm[], frames: { x: number[]; gmm: number }[]): FmllrStatistics {
  const stats = new FmllrStatistics(gmms[0].dim);
  for (const { x, gmm } of frames) stats.addFrame(x, 0, gmms[gmm], [1], 1);
  return stats;
}

describe('fMLLR estimation', () => {
  it('in one dimension, maps the data onto the Gaussian: a = sqrt(β σ² / S), b = μ − a x̄ (closed form)', () => {
    const random = new SeededRandom(3);
    const xs = Array.from({ length: 200 }, () => 4 + 2.5 * random.normal());
    const mu = -1;
    const variance = 0.7;
    const stats = statisticsOf([gaussian([mu], [variance])], xs.map((x) => ({ x: [x], gmm: 0 })));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const scatter = xs.reduce((sum, x) => sum + (x - mean) ** 2, 0);
    const a = Math.sqrt((xs.length * variance) / scatter);
    const transform = estimateFmllr(stats, { iterations: 3 });
    expect(transform[0]).toBeCloseTo(a, 9);
    expect(transform[1]).toBeCloseTo(mu - a * mean, 9);
  });

  it('recovers the inverse of a known distortion of data drawn from the model (within 0.05)', () => {
    const random = new SeededRandom(11);
    const gmms = [gaussian([0, 0, 0], [1, 0.5, 2]), gaussian([3, -2, 1], [0.8, 1, 1.5]), gaussian([-2, 2, 4], [1.2, 0.6, 1])];
    // x = M y + c, M well conditioned.
    const m = [
      [1.3, 0.2, -0.1],
      [0.1, 0.8, 0.3],
      [-0.2, 0.1, 1.1],
    ];
    const c = [0.5, -1, 2];
    const frames = Array.from({ length: 30000 }, () => {
      const gmm = random.integer(3);
      const y = [0, 1, 2].map((d) => gmms[gmm].means[d] + Math.sqrt(gmms[gmm].variances[d]) * random.normal());
      return { gmm, x: [0, 1, 2].map((i) => c[i] + m[i].reduce((sum, value, j) => sum + value * y[j], 0)) };
    });
    const transform = estimateFmllr(statisticsOf(gmms, frames), { iterations: 20 });
    // The transform applied to the distorted data gives back y: A M = I, A c + b = 0.
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const am = [0, 1, 2].reduce((sum, k) => sum + transform[i * 4 + k] * m[k][j], 0);
        expect(Math.abs(am - (i === j ? 1 : 0))).toBeLessThan(0.05);
      }
      const shift = [0, 1, 2].reduce((sum, k) => sum + transform[i * 4 + k] * c[k], 0) + transform[i * 4 + 3];
      expect(Math.abs(shift)).toBeLessThan(0.05);
    }
  });

  it('block-diagonal: each block from itself alone; recovers a block-diagonal distortion and never lowers the objective', () => {
    const random = new SeededRandom(13);
    const gmms = [gaussian([0, 0, 0, 0], [1, 0.5, 2, 1]), gaussian([3, -2, 1, 2], [0.8, 1, 1.5, 0.7]), gaussian([-2, 2, 4, -1], [1.2, 0.6, 1, 1.1])];
    // Two blocks of two: x = M y + c with M block-diagonal.
    const m = [
      [1.3, 0.2, 0, 0],
      [0.1, 0.8, 0, 0],
      [0, 0, 1.1, -0.3],
      [0, 0, 0.2, 0.9],
    ];
    const c = [0.5, -1, 2, 0];
    const frames = Array.from({ length: 30000 }, () => {
      const gmm = random.integer(3);
      const y = [0, 1, 2, 3].map((d) => gmms[gmm].means[d] + Math.sqrt(gmms[gmm].variances[d]) * random.normal());
      return { gmm, x: [0, 1, 2, 3].map((i) => c[i] + m[i].reduce((sum, value, j) => sum + value * y[j], 0)) };
    });
    const stats = statisticsOf(gmms, frames);
    let transform = identityTransform(4);
    let previous = fmllrObjective(stats, transform);
    for (let sweep = 0; sweep < 20; sweep++) {
      transform = estimateFmllr(stats, { iterations: 1, initial: transform, blocks: 2 });
      const objective = fmllrObjective(stats, transform);
      expect(objective).toBeGreaterThanOrEqual(previous - 1e-9 * Math.abs(previous));
      previous = objective;
    }
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        if (Math.floor(i / 2) !== Math.floor(j / 2)) expect(transform[i * 5 + j]).toBe(0);
        const am = [0, 1, 2, 3].reduce((sum, k) => sum + transform[i * 5 + k] * m[k][j], 0);
        expect(Math.abs(am - (i === j ? 1 : 0))).toBeLessThan(0.05);
      }
      const shift = [0, 1, 2, 3].reduce((sum, k) => sum + transform[i * 5 + k] * c[k], 0) + transform[i * 5 + 4];
      expect(Math.abs(shift)).toBeLessThan(0.05);
    }
    expect(() => estimateFmllr(stats, { blocks: 3 })).toThrow(/blocks must divide the 4 features/);
  });

  it('never lowers the objective from one sweep to the next (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), (dim, seed) => {
        const random = new SeededRandom(seed);
        const gmms = Array.from({ length: 3 }, () =>
          new DiagonalGmm(dim, {
            weights: [0.4, 0.6],
            means: Array.from({ length: 2 * dim }, () => 3 * random.normal()),
            variances: Array.from({ length: 2 * dim }, () => 0.2 + random.next() * 2),
          }),
        );
        const stats = new FmllrStatistics(dim);
        for (let t = 0; t < 20 * (dim + 1); t++) {
          const x = Array.from({ length: dim }, () => 2 * random.normal() + 1);
          const p = random.next();
          stats.addFrame(x, 0, gmms[random.integer(3)], [p, 1 - p], 0.2 + random.next());
        }
        let transform = identityTransform(dim);
        let previous = fmllrObjective(stats, transform);
        for (let sweep = 0; sweep < 5; sweep++) {
          transform = estimateFmllr(stats, { iterations: 1, initial: transform });
          const objective = fmllrObjective(stats, transform);
          expect(objective).toBeGreaterThanOrEqual(previous - 1e-9 * Math.abs(previous));
          previous = objective;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('converges to a stationary point: every partial derivative of the objective, by finite differences, is ~0', () => {
    const random = new SeededRandom(5);
    const gmms = [gaussian([1, 0, -1], [1, 2, 0.5]), gaussian([-1, 2, 0], [0.5, 1, 1])];
    const stats = statisticsOf(
      gmms,
      Array.from({ length: 500 }, () => ({ gmm: random.integer(2), x: [2 * random.normal(), random.normal() + 1, 0.5 * random.normal()] })),
    );
    // Row-by-row ascent converges slowly when the data are far from the model (here a rotation): 1,000 sweeps.
    const transform = estimateFmllr(stats, { iterations: 1000 });
    const h = 1e-5;
    for (let n = 0; n < transform.length; n++) {
      const up = Float64Array.from(transform);
      const down = Float64Array.from(transform);
      up[n] += h;
      down[n] -= h;
      const slope = (fmllrObjective(stats, up) - fmllrObjective(stats, down)) / (2 * h);
      expect(Math.abs(slope) / stats.frames).toBeLessThan(1e-6);
    }
  });

  it('the model prior alone is best explained by the identity', () => {
    const gmms = [
      new DiagonalGmm(2, { weights: [0.3, 0.7], means: [1, 2, -1, 0], variances: [0.5, 1, 2, 0.3] }),
      gaussian([4, -3], [1, 1]),
    ];
    const stats = new FmllrStatistics(2);
    stats.addModelPrior(gmms, 300);
    expect(stats.frames).toBe(300);
    const transform = estimateFmllr(stats, { iterations: 10 });
    identityTransform(2).forEach((value, n) => expect(transform[n]).toBeCloseTo(value, 9));
  });

  it('with a prior, a little speech moves the transform less than a lot', () => {
    const gmm = gaussian([0], [1]);
    const shift = (frames: number): number => {
      const stats = new FmllrStatistics(1);
      stats.addModelPrior([gmm], 100);
      for (let t = 0; t < frames; t++) stats.addFrame([3 + (t % 2 ? 0.5 : -0.5)], 0, gmm, [1], 1);
      return estimateFmllr(stats)[1];
    };
    // Data at 3 wants an offset near −3; the prior wants 0.
    expect(shift(10)).toBeGreaterThan(shift(1000));
    expect(shift(10)).toBeLessThan(0);
    expect(shift(1000)).toBeLessThan(-2.5);
  });

  it('accumulates G_i = Σ_t Σ_m γ_m(t) / σ²_mi ξ_t ξ_tᵀ and k_i = Σ_t Σ_m γ_m(t) μ_mi / σ²_mi ξ_tᵀ (brute force)', () => {
    const random = new SeededRandom(11);
    const dim = 3;
    const gmm = new DiagonalGmm(dim, { weights: [0.4, 0.6], means: [0, 1, -1, 2, 0.5, 0], variances: [1, 0.5, 2, 0.8, 1.5, 0.3] });
    const stats = new FmllrStatistics(dim);
    const frames = Array.from({ length: 6 }, () => ({ x: Array.from({ length: dim }, () => random.normal()), gammas: [random.next(), random.next()], weight: 0.5 + random.next() }));
    for (const { x, gammas, weight } of frames) {
      const sum = gammas[0] + gammas[1];
      stats.addFrame(x, 0, gmm, [gammas[0] / sum, gammas[1] / sum], weight);
    }
    for (let i = 0; i < dim; i++) {
      const g = stats.quadraticOf(i);
      for (let a = 0; a <= dim; a++) {
        for (let b = 0; b <= dim; b++) {
          let expectedG = 0;
          let expectedK = 0;
          for (const { x, gammas, weight } of frames) {
            const xi = [...x, 1];
            for (let m = 0; m < 2; m++) {
              const gamma = (weight * gammas[m]) / (gammas[0] + gammas[1]);
              const precision = 1 / gmm.variances[m * dim + i];
              expectedG += gamma * precision * xi[a] * xi[b];
              if (b === 0) expectedK += gamma * precision * gmm.means[m * dim + i] * xi[a];
            }
          }
          expect(g.get(a, b)).toBeCloseTo(expectedG, 10);
          if (b === 0) expect(stats.linear[i * (dim + 1) + a]).toBeCloseTo(expectedK, 10);
        }
      }
    }
  });

  it('leaves a row whose statistics are singular as it was (a dimension the frames never vary in)', () => {
    const random = new SeededRandom(5);
    const model = gaussian([0, 0], [1, 1]);
    // The first value is the same in every frame: G_0 (and G_1) have no spread along it.
    const frames = Array.from({ length: 50 }, () => ({ x: [3, 2 * random.normal() + 1], gmm: 0 }));
    const estimate = estimateFmllr(statisticsOf([model], frames));
    expect([...estimate].every(Number.isFinite)).toBe(true);
    expect([...estimate]).toEqual([...identityTransform(2)]);
  });

  it('applies A x + b to every frame', () => {
    const transform = Float64Array.from([2, 0, 1, 0.5, -1, 0]);
    const out = applyFmllr({ data: Float32Array.from([1, 2, 3, 4]), count: 2, width: 2, firstFrame: 7 }, transform);
    expect([...out.data]).toEqual([3, -1.5, 7, -2.5]);
    expect(out.firstFrame).toBe(7);
  });
});
