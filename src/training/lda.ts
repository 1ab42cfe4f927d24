/**
 * Linear discriminant analysis of the features, with HMM states as the classes: the projection
 * onto the R directions along which the states' means lie furthest apart relative to how much
 * the frames of one state vary. Variation that every state shares (the speaker, the channel)
 * counts as within-class scatter, so the directions it dominates come last and are dropped.
 *
 * With W the pooled within-class covariance and B the covariance of the class means (both
 * weighted by occupancy), the rows of A solve B a = λ W a, largest λ first, scaled so that
 * A W Aᵀ = I (and then A B Aᵀ = diag(λ)). Computed by Cholesky W = L Lᵀ and the symmetric
 * eigendecomposition of L⁻¹ B L⁻ᵀ = U Λ Uᵀ: A = Uᵀ L⁻¹.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import type { GaussianScatter } from './semi-tied-transform.ts';

export interface LdaResult {
  /** Row-major R × D: the projection, most discriminative direction first. */
  readonly transform: Float64Array;
  /** Every generalised eigenvalue λ (D of them, descending): the between-class variance along each direction. */
  readonly eigenvalues: Float64Array;
}

/**
 * Pools each state's Gaussians into one class: occupancy-weighted mean and covariance about it.
 * `componentsPerState[s]` Gaussians of `gaussians` belong to state s, state-major.
 */
export function stateScatter(gaussians: readonly GaussianScatter[], componentsPerState: readonly number[], dim: number): GaussianScatter[] {
  const expected = componentsPerState.reduce((sum, n) => sum + n, 0);
  if (expected !== gaussians.length) throw new RangeError(`stateScatter: the states have ${expected} Gaussians; got ${gaussians.length}`);
  let next = 0;
  return componentsPerState.map((components) => {
    const mean = new Float64Array(dim);
    const covariance = new Float64Array(dim * dim);
    let occupancy = 0;
    const parts = gaussians.slice(next, next + components);
    next += components;
    for (const part of parts) {
      occupancy += part.occupancy;
      for (let i = 0; i < dim; i++) mean[i] += part.occupancy * part.mean[i];
    }
    if (occupancy === 0) return { occupancy, mean, covariance };
    for (let i = 0; i < dim; i++) mean[i] /= occupancy;
    // Σ = Σ_k (n_k / n) (Σ_k + (μ_k − μ)(μ_k − μ)ᵀ)
    for (const part of parts) {
      const share = part.occupancy / occupancy;
      if (share === 0) continue;
      for (let i = 0; i < dim; i++) {
        const di = part.mean[i] - mean[i];
        for (let j = 0; j < dim; j++) covariance[i * dim + j] += share * (part.covariance[i * dim + j] + di * (part.mean[j] - mean[j]));
      }
    }
    return { occupancy, mean, covariance };
  });
}

/** The LDA projection onto `outputDim` dimensions from per-class scatter (classes with no frames are left out). */
export function estimateLda(classes: readonly GaussianScatter[], dim: number, outputDim: number): LdaResult {
  if (!Number.isInteger(outputDim) || outputDim < 1 || outputDim > dim) {
    throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `LDA output dimension must be an integer from 1 to ${dim}; got ${outputDim}`);
  }
  const used = classes.filter((c) => c.occupancy > 0);
  if (used.length < 2) throw new BeamlineError(ERROR_CODES.DATA_INVALID, `LDA needs at least two classes with frames; got ${used.length}`);
  const total = used.reduce((sum, c) => sum + c.occupancy, 0);
  const globalMean = new Float64Array(dim);
  for (const c of used) for (let i = 0; i < dim; i++) globalMean[i] += (c.occupancy / total) * c.mean[i];
  const within = Matrix.zeros(dim, dim);
  const between = Matrix.zeros(dim, dim);
  for (const c of used) {
    const share = c.occupancy / total;
    for (let i = 0; i < dim; i++) {
      const di = c.mean[i] - globalMean[i];
      for (let j = 0; j < dim; j++) {
        within.set(i, j, within.get(i, j) + share * c.covariance[i * dim + j]);
        between.set(i, j, between.get(i, j) + share * di * (c.mean[j] - globalMean[j]));
      }
    }
  }
  const cholesky = new CholeskyDecomposition(within);
  if (!cholesky.isPositiveDefinite()) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, 'LDA: the within-class covariance is singular (a feature dimension never varies within a state)');
  }
  const lInv = invertLower(cholesky.lowerTriangularMatrix, dim);
  const whitenedBetween = lInv.mmul(between).mmul(lInv.transpose());
  // Symmetrise against rounding before the symmetric solver.
  const symmetric = whitenedBetween.add(whitenedBetween.transpose()).mul(0.5);
  const eigen = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true });
  const values = eigen.realEigenvalues;
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
  const vectors = eigen.eigenvectorMatrix;
  const transform = new Float64Array(outputDim * dim);
  for (let r = 0; r < outputDim; r++) {
    const column = order[r];
    // Row r of A = u_rᵀ L⁻¹.
    for (let j = 0; j < dim; j++) {
      let sum = 0;
      for (let i = j; i < dim; i++) sum += vectors.get(i, column) * lInv.get(i, j);
      transform[r * dim + j] = sum;
    }
  }
  return { transform, eigenvalues: Float64Array.from(order, (i) => values[i]) };
}

/** L⁻¹ of a lower-triangular L by forward substitution (lower-triangular too). */
function invertLower(lower: Matrix, dim: number): Matrix {
  const inverse = Matrix.zeros(dim, dim);
  for (let column = 0; column < dim; column++) {
    for (let i = column; i < dim; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = column; k < i; k++) sum -= lower.get(i, k) * inverse.get(k, column);
      inverse.set(i, column, sum / lower.get(i, i));
    }
  }
  return inverse;
}
