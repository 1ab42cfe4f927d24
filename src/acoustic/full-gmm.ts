/**
 * Full-covariance Gaussian mixture: the textbook multivariate case, for training experiments and
 * for checking the diagonal code. Each covariance is factored once by Cholesky (ml-matrix), so
 * scoring solves L y = x − μ and uses log N = −½ (D log 2π + log|Σ| + |y|²).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { LOG_2PI, LOG_ZERO, logSumExp } from '../math/log-space.ts';

export interface FullGmmParameters {
  readonly weights: ArrayLike<number>;
  /** Row-major K × D means. */
  readonly means: ArrayLike<number>;
  /** K covariance matrices, each row-major D × D, symmetric positive definite. */
  readonly covariances: readonly ArrayLike<number>[];
}

export class FullGmm {
  readonly components: number;
  readonly dim: number;
  readonly weights: Float64Array;
  readonly means: Float64Array;
  readonly covariances: Float64Array[];
  /** Lower Cholesky factors, row-major D × D each. */
  private readonly factors: Float64Array[];
  private readonly logConstants: Float64Array;
  private readonly solved: Float64Array;
  private readonly scratch: Float64Array;

  constructor(dim: number, parameters: FullGmmParameters) {
    const components = parameters.weights.length;
    if (parameters.means.length !== components * dim || parameters.covariances.length !== components) {
      throw new RangeError(`FullGmm: ${components} weights need ${components} means of ${dim} and ${components} covariances`);
    }
    this.components = components;
    this.dim = dim;
    this.weights = Float64Array.from(parameters.weights);
    this.means = Float64Array.from(parameters.means);
    this.covariances = parameters.covariances.map((c) => Float64Array.from(c));
    this.factors = [];
    this.logConstants = new Float64Array(components);
    this.solved = new Float64Array(dim);
    this.scratch = new Float64Array(components);
    for (let k = 0; k < components; k++) {
      const covariance = this.covariances[k];
      if (covariance.length !== dim * dim) throw new RangeError(`FullGmm: covariance ${k} must have ${dim * dim} values`);
      const rows = Array.from({ length: dim }, (_, i) => Array.from(covariance.subarray(i * dim, (i + 1) * dim)));
      const cholesky = new CholeskyDecomposition(new Matrix(rows));
      if (!cholesky.isPositiveDefinite()) throw new RangeError(`FullGmm: covariance ${k} is not positive definite`);
      const lower = cholesky.lowerTriangularMatrix;
      const factor = new Float64Array(dim * dim);
      let logDet = 0;
      for (let i = 0; i < dim; i++) {
        for (let j = 0; j <= i; j++) factor[i * dim + j] = lower.get(i, j);
        logDet += 2 * Math.log(factor[i * dim + i]);
      }
      this.factors.push(factor);
      const weight = this.weights[k];
      this.logConstants[k] = (weight > 0 ? Math.log(weight) : LOG_ZERO) - 0.5 * (dim * LOG_2PI + logDet);
    }
  }

  componentLogLikelihoods(x: ArrayLike<number>, offset: number, out: Float64Array): void {
    const { dim, solved } = this;
    for (let k = 0; k < this.components; k++) {
      const factor = this.factors[k];
      let quadratic = 0;
      for (let i = 0; i < dim; i++) {
        let value = x[offset + i] - this.means[k * dim + i];
        for (let j = 0; j < i; j++) value -= factor[i * dim + j] * solved[j];
        solved[i] = value / factor[i * dim + i];
        quadratic += solved[i] * solved[i];
      }
      out[k] = this.logConstants[k] - 0.5 * quadratic;
    }
  }

  logLikelihood(x: ArrayLike<number>, offset = 0): number {
    this.componentLogLikelihoods(x, offset, this.scratch);
    return logSumExp(this.scratch, 0, this.components);
  }
}
