/**
 * A semi-tied covariance transform (Gales 1999; Kaldi calls it MLLT): one square matrix A shared
 * by every Gaussian, so that each Gaussian is diagonal in the space of x' = A x. Diagonal
 * Gaussians cannot model the correlations between feature dimensions (between a cepstrum and its
 * own delta, say); A rotates the features so that the correlations left are the smallest the
 * model allows, at the cost of one D × D product per frame.
 *
 * Estimation maximises the likelihood of the data under diagonal Gaussians in the transformed
 * space, given each Gaussian's occupancy γ_m and full covariance W_m in the original space:
 *
 *   Q(A) = β log |det A| − ½ Σ_m γ_m Σ_i log(a_i W_m a_iᵀ),      β = Σ_m γ_m
 *
 * with the variances at their optimum σ²_mi = a_i W_m a_iᵀ. Row by row, holding the other rows
 * and the variances fixed, the maximum is
 *
 *   a_i = c_i G_i⁻¹ · sqrt(β / (c_i G_i⁻¹ c_iᵀ)),   G_i = Σ_m (γ_m / σ²_mi) W_m,
 *
 * where c_i is row i of the cofactors of A (any multiple of it: the scale cancels). Each row
 * update cannot lower Q (Gales 1999, section 3), which the tests check.
 */
import { Matrix, inverse } from 'ml-matrix';
import { BeamlineError, ERROR_CODES } from '../errors.ts';

/** What a semi-tied transform needs of one Gaussian: its occupancy and full covariance in the original space. */
export interface CovarianceScatter {
  readonly occupancy: number;
  /** Row-major D × D covariance (about the Gaussian's mean). */
  readonly covariance: Float64Array;
}

/** One Gaussian's share of the training data: occupancy, mean and full covariance. */
export interface GaussianScatter extends CovarianceScatter {
  /** The mean of the frames it was given (zeros when it had none). */
  readonly mean: Float64Array;
}

export interface SemiTiedOptions {
  /** Rounds over all rows, each after re-estimating the variances. Default 50. */
  readonly iterations?: number;
  /** Gaussians with less occupancy than this are left out (their covariances are noise). Default: 2 D. */
  readonly minOccupancy?: number;
  /** Starting transform, row-major D × D. Default: the identity. */
  readonly initial?: Float64Array;
}

export interface SemiTiedResult {
  /** Row-major D × D. */
  readonly transform: Float64Array;
  /** Q(A) per frame before any update, then after each iteration. */
  readonly objectivePerFrame: number[];
}

/** a W aᵀ for a row a of A (row-major) and a D × D matrix W. */
function quadraticForm(a: Float64Array, row: number, w: Float64Array, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) {
    let inner = 0;
    for (let k = 0; k < dim; k++) inner += w[j * dim + k] * a[row * dim + k];
    sum += a[row * dim + j] * inner;
  }
  return sum;
}

function logAbsDet(a: Float64Array, dim: number): number {
  // LU with partial pivoting: log |det| is the sum of log |pivots|.
  const m = Float64Array.from(a);
  let sum = 0;
  for (let col = 0; col < dim; col++) {
    let pivot = col;
    for (let r = col + 1; r < dim; r++) if (Math.abs(m[r * dim + col]) > Math.abs(m[pivot * dim + col])) pivot = r;
    const value = m[pivot * dim + col];
    if (value === 0) return -Infinity;
    if (pivot !== col) {
      for (let k = 0; k < dim; k++) {
        const t = m[col * dim + k];
        m[col * dim + k] = m[pivot * dim + k];
        m[pivot * dim + k] = t;
      }
    }
    sum += Math.log(Math.abs(value));
    for (let r = col + 1; r < dim; r++) {
      const factor = m[r * dim + col] / value;
      if (factor === 0) continue;
      for (let k = col; k < dim; k++) m[r * dim + k] -= factor * m[col * dim + k];
    }
  }
  return sum;
}

/** Q(A) / β: the average log-likelihood gain term the estimation maximises (without constants). */
export function semiTiedObjective(transform: Float64Array, scatters: readonly CovarianceScatter[], dim: number): number {
  let beta = 0;
  let sum = 0;
  for (const { occupancy, covariance } of scatters) {
    beta += occupancy;
    for (let i = 0; i < dim; i++) sum += occupancy * Math.log(quadraticForm(transform, i, covariance, dim));
  }
  return logAbsDet(transform, dim) - (0.5 * sum) / beta;
}

/** Estimates A from the Gaussians' scatter by Gales' row-by-row updates. */
export function estimateSemiTiedTransform(scatters: readonly CovarianceScatter[], dim: number, options: SemiTiedOptions = {}): SemiTiedResult {
  const minOccupancy = options.minOccupancy ?? 2 * dim;
  const used = scatters.filter((s) => s.occupancy >= minOccupancy);
  if (used.length === 0) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `semi-tied transform: no Gaussian has an occupancy of at least ${minOccupancy}`);
  }
  for (const { covariance } of used) {
    if (covariance.length !== dim * dim) throw new RangeError(`semi-tied transform: covariances must be ${dim} × ${dim}`);
  }
  const transform = options.initial ? Float64Array.from(options.initial) : identity(dim);
  const beta = used.reduce((sum, s) => sum + s.occupancy, 0);
  const objectivePerFrame = [semiTiedObjective(transform, used, dim)];
  const variances = new Float64Array(used.length * dim);
  const g = new Float64Array(dim * dim);
  for (let iteration = 0; iteration < (options.iterations ?? 50); iteration++) {
    for (let m = 0; m < used.length; m++) {
      for (let i = 0; i < dim; i++) variances[m * dim + i] = quadraticForm(transform, i, used[m].covariance, dim);
    }
    for (let i = 0; i < dim; i++) {
      g.fill(0);
      for (let m = 0; m < used.length; m++) {
        const scale = used[m].occupancy / variances[m * dim + i];
        const w = used[m].covariance;
        for (let k = 0; k < dim * dim; k++) g[k] += scale * w[k];
      }
      // Cofactor row i ∝ column i of A⁻¹ (the determinant's factor cancels below).
      const inverseA = inverse(new Matrix(rows(transform, dim)));
      const cofactor = inverseA.getColumn(i);
      const gInverse = inverse(new Matrix(rows(g, dim)));
      const direction = gInverse.mmul(Matrix.columnVector(cofactor)).getColumn(0); // G⁻¹ c (G symmetric)
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += cofactor[k] * direction[k];
      const scale = Math.sqrt(beta / norm);
      for (let k = 0; k < dim; k++) transform[i * dim + k] = direction[k] * scale;
    }
    objectivePerFrame.push(semiTiedObjective(transform, used, dim));
  }
  return { transform, objectivePerFrame };
}

export function identity(dim: number): Float64Array {
  const matrix = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) matrix[i * dim + i] = 1;
  return matrix;
}

function rows(flat: Float64Array, dim: number): number[][] {
  return Array.from({ length: dim }, (_, i) => Array.from(flat.subarray(i * dim, (i + 1) * dim)));
}

/** C = A B for row-major D × D matrices. */
export function multiplySquare(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  return multiplyMatrices(a, b, dim, dim, dim);
}

/** C = A B for row-major A (rows × inner) and B (inner × columns). */
export function multiplyMatrices(a: Float64Array, b: Float64Array, rows: number, inner: number, columns: number): Float64Array {
  const c = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      const aik = a[i * inner + k];
      if (aik === 0) continue;
      for (let j = 0; j < columns; j++) c[i * columns + j] += aik * b[k * columns + j];
    }
  }
  return c;
}
