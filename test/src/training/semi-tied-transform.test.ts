import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Matrix, determinant } from 'ml-matrix';
import { type DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { leftToRightHmm } from '../../../src/graph/unit-hmm.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { HmmTrainer, type HmmTopology, type TrainingUtterance } from '../../../src/training/hmm-training.ts';
import {
  estimateSemiTiedTransform,
  multiplySquare,
  semiTiedObjective,
  type CovarianceScatter,
} from '../../../src/training/semi-tied-transform.ts';

function randomOrthogonal(dim: number, random: SeededRandom): Float64Array {
  const u = Float64Array.from({ length: dim * dim }, () => random.normal());
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += u[i * dim + j] * u[k * dim + j];
      for (let j = 0; j < dim; j++) u[i * dim + j] -= dot * u[k * dim + j];
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += u[i * dim + j] ** 2;
    for (let j = 0; j < dim; j++) u[i * dim + j] /= Math.sqrt(norm);
  }
  return u;
}

/** Uᵀ diag(d) U for the rows of U. */
function covarianceFrom(u: Float64Array, diagonal: readonly number[], dim: number): Float64Array {
  const w = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      for (let k = 0; k < dim; k++) w[i * dim + j] += u[k * dim + i] * diagonal[k] * u[k * dim + j];
    }
  }
  return w;
}

function randomCovariance(dim: number, random: SeededRandom): Float64Array {
  return covarianceFrom(randomOrthogonal(dim, random), Array.from({ length: dim }, () => 0.2 + 3 * random.next()), dim);
}

/** A W Aᵀ. */
function congruence(a: Float64Array, w: Float64Array, dim: number): Float64Array {
  const transposed = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) transposed[i * dim + j] = a[j * dim + i];
  return multiplySquare(multiplySquare(a, w, dim), transposed, dim);
}

function largestCorrelation(c: Float64Array, dim: number): number {
  let largest = 0;
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) if (i !== j) largest = Math.max(largest, Math.abs(c[i * dim + j]) / Math.sqrt(c[i * dim + i] * c[j * dim + j]));
  }
  return largest;
}

function logDet(w: Float64Array, dim: number): number {
  return Math.log(determinant(new Matrix(Array.from({ length: dim }, (_, i) => Array.from(w.subarray(i * dim, (i + 1) * dim))))));
}

describe('estimateSemiTiedTransform (Gales 1999)', () => {
  it('reaches the Hadamard bound for one Gaussian: its covariance becomes diagonal', () => {
    // For one Gaussian, Q(A) = log|det A| − ½ log Π_i (A W Aᵀ)_ii ≤ −½ log det W (Hadamard's inequality),
    // with equality exactly when A W Aᵀ is diagonal: an oracle independent of the update formula.
    const random = new SeededRandom(11);
    const dim = 4;
    const covariance = randomCovariance(dim, random);
    const { transform, objectivePerFrame } = estimateSemiTiedTransform([{ occupancy: 50, covariance }], dim, { iterations: 20, minOccupancy: 1 });
    expect(objectivePerFrame.at(-1)!).toBeCloseTo(-0.5 * logDet(covariance, dim), 6);
    expect(largestCorrelation(congruence(transform, covariance, dim), dim)).toBeLessThan(1e-4);
  });

  it('finds the shared eigenbasis of Gaussians that have one, to within 0.2% correlation', () => {
    const random = new SeededRandom(3);
    const dim = 5;
    const basis = randomOrthogonal(dim, random);
    const scatters = [100, 150, 200].map((occupancy) => ({
      occupancy,
      covariance: covarianceFrom(basis, Array.from({ length: dim }, () => 0.5 + 4 * random.next()), dim),
    }));
    const { transform } = estimateSemiTiedTransform(scatters, dim, { iterations: 400 });
    for (const { covariance } of scatters) expect(largestCorrelation(congruence(transform, covariance, dim), dim)).toBeLessThan(2e-3);
  });

  it('never lowers the objective, stays below the per-Gaussian Hadamard bound, and ends at a local maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 4 }), (seed, dim, count) => {
        const random = new SeededRandom(seed);
        const scatters: CovarianceScatter[] = Array.from({ length: count }, () => ({ occupancy: 20 + 100 * random.next(), covariance: randomCovariance(dim, random) }));
        // 200 rounds: after 30, a random step of 1e-3 still gained up to 1.5e-4 in 6 of about 7,000 random cases; after 200, in none of 9,600.
        const { transform, objectivePerFrame } = estimateSemiTiedTransform(scatters, dim, { iterations: 200, minOccupancy: 1 });
        for (let i = 1; i < objectivePerFrame.length; i++) expect(objectivePerFrame[i]).toBeGreaterThanOrEqual(objectivePerFrame[i - 1] - 1e-9);
        const beta = scatters.reduce((sum, s) => sum + s.occupancy, 0);
        const bound = scatters.reduce((sum, s) => sum - (0.5 * s.occupancy * logDet(s.covariance, dim)) / beta, 0);
        expect(objectivePerFrame.at(-1)!).toBeLessThanOrEqual(bound + 1e-9);
        // The objective is scale-invariant per row; a small random step in any direction gains (almost) nothing.
        const final = objectivePerFrame.at(-1)!;
        expect(semiTiedObjective(transform, scatters, dim)).toBeCloseTo(final, 9);
        for (let trial = 0; trial < 5; trial++) {
          const moved = transform.map((value) => value + 1e-3 * random.normal());
          expect(semiTiedObjective(moved, scatters, dim)).toBeLessThanOrEqual(final + 1e-4);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('leaves out Gaussians with too little data, and says so when none is left', () => {
    const random = new SeededRandom(5);
    const scatter = { occupancy: 3, covariance: randomCovariance(3, random) };
    expect(() => estimateSemiTiedTransform([scatter], 3)).toThrow(/no Gaussian has an occupancy of at least 6/);
  });
});

describe('HmmTrainer with a semi-tied transform', () => {
  /** One word of two states whose 2-D frames are strongly correlated, and a silence far away. */
  function correlatedCorpus(seed: number): TrainingUtterance[] {
    const random = new SeededRandom(seed);
    const centres = [
      [0, 0],
      [4, 3],
    ];
    return Array.from({ length: 40 }, (_, n) => {
      const values: number[] = [];
      for (const [x, y] of centres) {
        const frames = 4 + random.integer(4);
        for (let f = 0; f < frames; f++) {
          const shared = random.normal();
          values.push(x + shared + 0.1 * random.normal(), y + shared + 0.1 * random.normal());
        }
      }
      return { id: `utt${n}`, words: ['w'], features: { data: Float32Array.from(values), count: values.length / 2, width: 2, firstFrame: 0 } };
    });
  }

  it('raises the likelihood of the data (counting the Jacobian log|det A|) when the features are correlated', () => {
    const topology: HmmTopology = {
      units: [leftToRightHmm('w', 0, 2), leftToRightHmm('sil', 2, 1)],
      silenceUnit: 'sil',
      lexicon: new Map([['w', ['w']]]),
    };
    const baumWelch = { components: 1, method: 'baum-welch' } as const;
    const trainer = new HmmTrainer(topology, correlatedCorpus(7), { passes: Array.from({ length: 12 }, () => baumWelch) });
    trainer.train();
    const before = trainer.reports.at(-1)!;
    trainer.runPasses([baumWelch]);
    const plain = trainer.reports.at(-1)!.logLikelihood;
    expect(plain).toBeLessThan(before.logLikelihood + 1); // converged without the transform

    const scatter = trainer.gaussianScatter();
    const dim = 2;
    const { transform } = estimateSemiTiedTransform(scatter, dim, { minOccupancy: 1 });
    trainer.transformFeatures(transform, scatter);
    expect(trainer.gmms.every((gmm: DiagonalGmm) => gmm.dim === 2)).toBe(true);
    trainer.runPasses([{ components: 1, method: 'baum-welch' }, { components: 1, method: 'baum-welch' }]);
    const frames = correlatedCorpus(7).reduce((sum, u) => sum + u.features.count, 0);
    const jacobian = frames * Math.log(Math.abs(transform[0] * transform[3] - transform[1] * transform[2]));
    // p(x) = p'(A x) |det A|: the likelihood of the original data is the transformed one plus T log|det A|.
    const transformed = trainer.reports.at(-1)!.logLikelihood + jacobian;
    expect(transformed).toBeGreaterThan(plain + 0.5 * frames);
  });
});
