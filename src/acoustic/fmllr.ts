/**
 * Feature-space maximum-likelihood linear regression (fMLLR, also called constrained MLLR): one
 * affine transform x' = A x + b of a speaker's features that makes them most likely under a
 * model of diagonal-covariance Gaussians. It moves the speaker's feature space onto the model's
 * instead of moving the model, so scoring and search are unchanged: the decoder sees x'.
 *
 * With W = [A b] (d × (d+1)), ξ = [x; 1] and occupancies γ_m(t) of Gaussians m (means μ_m,
 * variances σ²_m), the auxiliary function is
 *
 *   Q(W) = β log |det A| − ½ Σ_i (w_i G_i w_iᵀ − 2 w_i k_iᵀ),
 *   β = Σ_t Σ_m γ_m(t),   G_i = Σ_t Σ_m γ_m(t) / σ²_mi · ξ_t ξ_tᵀ,   k_i = Σ_t Σ_m γ_m(t) μ_mi / σ²_mi · ξ_tᵀ,
 *
 * w_i being the i-th row of W. Q is maximised one row at a time (Gales, "Maximum likelihood
 * linear transformations for HMM-based speech recognition", 1998): with p_i the i-th cofactor row
 * of A extended by a 0, the best row is w_i = (α p_i + k_i) G_i⁻¹, where α is the root of
 * α² p_i G_i⁻¹ p_iᵀ + α p_i G_i⁻¹ k_iᵀ − β = 0 that gives the larger Q. Each row update
 * maximises Q over that row exactly, so Q never falls. The cofactor row is taken as the i-th
 * column of A⁻¹: it differs from the cofactors by the factor det A, which α absorbs.
 *
 * A transform has d² + d free values (1,560 for 39 features); a few seconds of speech do not pin
 * them down. `addModelPrior` adds τ frames of virtual statistics, the model's own Gaussians as
 * data, for which the identity is the best transform: the estimate starts at the identity and
 * moves away only as far as the speaker's frames outweigh τ.
 */
import { LuDecomposition, Matrix } from 'ml-matrix';
import type { FrameBlock } from '../frames/frame-block.ts';
import type { DiagonalGmm } from './diagonal-gmm.ts';

/** Sufficient statistics of the fMLLR auxiliary function for features of `dim` values. */
export class FmllrStatistics {
  readonly dim: number;
  /** β: frames counted, each weighted by its occupancy. */
  frames = 0;
  /** k_i, row-major d × (d+1). */
  readonly linear: Float64Array;
  /**
   * G_i, d symmetric matrices (d+1) × (d+1), each packed as its upper triangle row by row
   * (`packedIndex`): a frame adds to each one contiguous run.
   */
  readonly quadratic: Float64Array;
  /** Σ_m γ_m / σ²_mi of the frame being added (reused). */
  private readonly precision: Float64Array;
  /** Σ_m γ_m μ_mi / σ²_mi of the frame being added (reused). */
  private readonly meanPrecision: Float64Array;
  /** ξ ξᵀ of the frame being added, packed as G_i is (reused). */
  private readonly outer: Float64Array;

  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`FmllrStatistics: dim must be a positive integer; got ${dim}`);
    this.dim = dim;
    const extended = dim + 1;
    this.linear = new Float64Array(dim * extended);
    this.quadratic = new Float64Array(dim * packedSize(extended));
    this.precision = new Float64Array(dim);
    this.meanPrecision = new Float64Array(dim);
    this.outer = new Float64Array(packedSize(extended));
  }

  /**
   * One frame x (values [offset, offset + d) of `x`) with occupancy `weight` spread over the
   * components of `gmm` by `posteriors` (summing to 1).
   */
  addFrame(x: ArrayLike<number>, offset: number, gmm: DiagonalGmm, posteriors: ArrayLike<number>, weight: number): void {
    const { dim, linear, quadratic, precision, meanPrecision, outer } = this;
    if (gmm.dim !== dim) throw new RangeError(`FmllrStatistics: a GMM of dimension ${gmm.dim} for statistics of dimension ${dim}`);
    if (!(weight > 0)) return;
    const extended = dim + 1;
    precision.fill(0);
    meanPrecision.fill(0);
    for (let k = 0; k < gmm.components; k++) {
      const gamma = weight * posteriors[k];
      if (gamma === 0) continue;
      const row = k * dim;
      for (let i = 0; i < dim; i++) {
        const scaled = gamma * gmm.inverseVariances[row + i];
        precision[i] += scaled;
        meanPrecision[i] += scaled * gmm.means[row + i];
      }
    }
    for (let i = 0; i < dim; i++) {
      const base = i * extended;
      for (let j = 0; j < dim; j++) linear[base + j] += meanPrecision[i] * x[offset + j];
      linear[base + dim] += meanPrecision[i];
    }
    let n = 0;
    for (let a = 0; a < extended; a++) {
      const xa = a < dim ? x[offset + a] : 1;
      for (let b = a; b < extended; b++) outer[n++] = xa * (b < dim ? x[offset + b] : 1);
    }
    const block = outer.length;
    for (let i = 0; i < dim; i++) {
      const p = precision[i];
      if (p === 0) continue;
      const base = i * block;
      for (let m = 0; m < block; m++) quadratic[base + m] += p * outer[m];
    }
    this.frames += weight;
  }

  /**
   * `frames` frames of virtual data drawn from the model itself: every GMM in `gmms` equally,
   * each component by its weight, each frame scored by the component that made it. The
   * statistics are the expectations of that data, for which the identity transform is the
   * maximum; they pull an estimate from a little speech towards it.
   */
  addModelPrior(gmms: readonly DiagonalGmm[], frames: number): void {
    if (!(frames > 0) || gmms.length === 0) return;
    const { dim, linear, quadratic } = this;
    const extended = dim + 1;
    const block = packedSize(extended);
    for (const gmm of gmms) {
      if (gmm.dim !== dim) throw new RangeError(`FmllrStatistics: a GMM of dimension ${gmm.dim} for statistics of dimension ${dim}`);
      for (let k = 0; k < gmm.components; k++) {
        const gamma = (frames / gmms.length) * gmm.weights[k];
        const row = k * dim;
        for (let i = 0; i < dim; i++) {
          const scaled = gamma * gmm.inverseVariances[row + i];
          const meanI = gmm.means[row + i];
          // E[ξ] = [μ; 1], E[ξ ξᵀ] = [[diag σ² + μ μᵀ, μ], [μᵀ, 1]].
          for (let j = 0; j < dim; j++) linear[i * extended + j] += scaled * meanI * gmm.means[row + j];
          linear[i * extended + dim] += scaled * meanI;
          const base = i * block;
          for (let a = 0; a < dim; a++) {
            const meanA = gmm.means[row + a];
            const rowA = base + packedIndex(extended, a, a);
            quadratic[rowA] += scaled * gmm.variances[row + a];
            for (let b = a; b < dim; b++) quadratic[rowA + b - a] += scaled * meanA * gmm.means[row + b];
            quadratic[rowA + dim - a] += scaled * meanA;
          }
          quadratic[base + packedIndex(extended, dim, dim)] += scaled;
        }
      }
    }
    this.frames += frames;
  }

  /** An independent copy. */
  clone(): FmllrStatistics {
    const copy = new FmllrStatistics(this.dim);
    copy.frames = this.frames;
    copy.linear.set(this.linear);
    copy.quadratic.set(this.quadratic);
    return copy;
  }

  /** G_i as a full symmetric matrix. */
  quadraticOf(i: number): Matrix {
    const extended = this.dim + 1;
    const base = i * packedSize(extended);
    const g = new Matrix(extended, extended);
    for (let a = 0; a < extended; a++) {
      for (let b = a; b < extended; b++) {
        const value = this.quadratic[base + packedIndex(extended, a, b)];
        g.set(a, b, value);
        g.set(b, a, value);
      }
    }
    return g;
  }
}

/** Values in the packed upper triangle of a symmetric n × n matrix. */
function packedSize(n: number): number {
  return (n * (n + 1)) / 2;
}

/** Where (a, b), a ≤ b, of a symmetric n × n matrix sits in its packed upper triangle. */
function packedIndex(n: number, a: number, b: number): number {
  return a * n - (a * (a - 1)) / 2 + (b - a);
}

/** The identity transform [I 0] for `dim` features, row-major d × (d+1). */
export function identityTransform(dim: number): Float64Array {
  const transform = new Float64Array(dim * (dim + 1));
  for (let i = 0; i < dim; i++) transform[i * (dim + 1) + i] = 1;
  return transform;
}

/** Q(W) of the statistics (module comment); −Infinity when A is singular. */
export function fmllrObjective(stats: FmllrStatistics, transform: Float64Array): number {
  const { dim } = stats;
  const extended = dim + 1;
  const logDet = Math.log(Math.abs(new LuDecomposition(linearPart(transform, dim)).determinant));
  let q = stats.frames * logDet;
  for (let i = 0; i < dim; i++) {
    const base = i * packedSize(extended);
    for (let a = 0; a < extended; a++) {
      const wa = transform[i * extended + a];
      q += wa * stats.linear[i * extended + a];
      for (let b = 0; b < extended; b++) {
        const g = stats.quadratic[base + (a <= b ? packedIndex(extended, a, b) : packedIndex(extended, b, a))];
        q -= 0.5 * wa * g * transform[i * extended + b];
      }
    }
  }
  return q;
}

export interface FmllrEstimateOptions {
  /** Sweeps over the rows. Default 10. */
  readonly iterations?: number;
  /** Where to start, e.g. the previous estimate for the same speaker. Default the identity. */
  readonly initial?: Float64Array;
  /**
   * A block-diagonal A: this many equal runs of consecutive features (e.g. 3 for statics, Δ and
   * ΔΔ), each mapped from itself alone, with fewer values to estimate. Default 1 (a full A).
   */
  readonly blocks?: number;
}

/** The transform W = [A b] (row-major d × (d+1)) that maximises Q for the statistics. */
export function estimateFmllr(stats: FmllrStatistics, options: FmllrEstimateOptions = {}): Float64Array {
  const { dim } = stats;
  const extended = dim + 1;
  const transform = options.initial ? Float64Array.from(options.initial) : identityTransform(dim);
  if (transform.length !== dim * extended) throw new RangeError(`estimateFmllr: initial transform has ${transform.length} values; expected ${dim * extended}`);
  const blocks = options.blocks ?? 1;
  if (!Number.isInteger(blocks) || blocks < 1 || dim % blocks !== 0) throw new RangeError(`estimateFmllr: blocks must divide the ${dim} features; got ${blocks}`);
  if (!(stats.frames > 0)) return transform;
  const iterations = options.iterations ?? 10;
  // Row i may use the features of its block and the offset: its support, in W's column numbers.
  const blockSize = dim / blocks;
  const supports = Array.from({ length: dim }, (_, i) => {
    const first = Math.floor(i / blockSize) * blockSize;
    return Int32Array.from([...Array.from({ length: blockSize }, (_, j) => first + j), dim]);
  });
  // Over each row's support: G_i's Cholesky factor and k_i G_i⁻¹, which do not change between
  // sweeps (products with G_i⁻¹ are two triangular solves, as cheap as with the inverse itself).
  const factors: (Float64Array | undefined)[] = [];
  const linearTimesInverse: Float64Array[] = [];
  const blockOfG = new Float64Array((blockSize + 1) * (blockSize + 1));
  for (let i = 0; i < dim; i++) {
    const support = supports[i];
    const size = support.length;
    // G_i over the support, from its upper triangle as the statistics keep it.
    const base = i * packedSize(extended);
    for (let a = 0; a < size; a++) {
      for (let b = a; b < size; b++) {
        const value = stats.quadratic[base + packedIndex(extended, support[a], support[b])];
        blockOfG[a * size + b] = value;
        blockOfG[b * size + a] = value;
      }
    }
    const lower = choleskyLower(blockOfG, size);
    // A frame-starved dimension leaves G_i singular: that row stays as it is.
    if (lower === undefined) {
      factors.push(undefined);
      linearTimesInverse.push(new Float64Array(0));
      continue;
    }
    factors.push(lower);
    const kG = new Float64Array(size);
    for (let a = 0; a < size; a++) kG[a] = stats.linear[i * extended + support[a]];
    solveWithCholesky(lower, size, kG);
    linearTimesInverse.push(kG);
  }
  const cofactor = new Float64Array(extended);
  const cofactorTimesInverse = new Float64Array(extended);
  const change = new Float64Array(dim);
  const changeTimesInverse = new Float64Array(dim);
  // A⁻¹ once, then kept up to date row by row (Sherman–Morrison): O(d²) a row, not O(d³).
  const lu = new LuDecomposition(linearPart(transform, dim));
  if (lu.isSingular()) return transform;
  const aInverse = Float64Array.from(lu.solve(Matrix.eye(dim)).to1DArray());
  for (let sweep = 0; sweep < iterations; sweep++) {
    for (let i = 0; i < dim; i++) {
      const lower = factors[i];
      if (lower === undefined) continue;
      const support = supports[i];
      const size = support.length;
      // The cofactor row of A over the support, up to the factor det A: column i of A⁻¹ (0 for the offset).
      for (let a = 0; a < size; a++) cofactor[a] = support[a] < dim ? aInverse[support[a] * dim + i] : 0;
      const kG = linearTimesInverse[i];
      let pGp = 0;
      let pGk = 0;
      cofactorTimesInverse.set(cofactor.subarray(0, size));
      solveWithCholesky(lower, size, cofactorTimesInverse);
      for (let b = 0; b < size; b++) {
        pGp += cofactorTimesInverse[b] * cofactor[b];
        pGk += kG[b] * cofactor[b];
      }
      // α² pGp + α pGk − β = 0; pGp > 0, so the roots are real and of opposite signs.
      const root = Math.sqrt(pGk * pGk + 4 * pGp * stats.frames);
      const candidates = [(-pGk + root) / (2 * pGp), (-pGk - root) / (2 * pGp)];
      const gain = (alpha: number): number => stats.frames * Math.log(Math.abs(alpha * pGp + pGk)) - 0.5 * alpha * alpha * pGp;
      const alpha = gain(candidates[0]) >= gain(candidates[1]) ? candidates[0] : candidates[1];
      change.fill(0);
      for (let b = 0; b < size; b++) {
        const column = support[b];
        const updated = alpha * cofactorTimesInverse[b] + kG[b];
        if (column < dim) change[column] = updated - transform[i * extended + column];
        transform[i * extended + column] = updated;
      }
      // A + e_i δᵀ: A⁻¹ − (A⁻¹ e_i)(δᵀ A⁻¹) / (1 + δᵀ A⁻¹ e_i).
      changeTimesInverse.fill(0);
      for (let a = 0; a < dim; a++) {
        const delta = change[a];
        if (delta === 0) continue;
        for (let b = 0; b < dim; b++) changeTimesInverse[b] += delta * aInverse[a * dim + b];
      }
      const denominator = 1 + changeTimesInverse[i];
      if (Math.abs(denominator) < 1e-12) return transform;
      for (let a = 0; a < dim; a++) {
        const column = aInverse[a * dim + i] / denominator;
        for (let b = 0; b < dim; b++) aInverse[a * dim + b] -= column * changeTimesInverse[b];
      }
    }
  }
  return transform;
}

/**
 * The lower Cholesky factor L of a symmetric n × n matrix (row-major), M = L Lᵀ; undefined when
 * M is not positive definite, or so nearly singular that a pivot is rounding error (a feature
 * that never varied makes G_i singular, and rounding leaves a pivot of 1e-16 of its diagonal, not
 * 0). On flat arrays: ml-matrix's CholeskyDecomposition, with the copies in and out, took three
 * quarters of an estimate's setup at n = 40.
 */
function choleskyLower(matrix: Float64Array, n: number): Float64Array | undefined {
  const lower = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) {
      let sum = matrix[r * n + c];
      for (let k = 0; k < c; k++) sum -= lower[r * n + k] * lower[c * n + k];
      if (r === c) {
        if (!(sum > SINGULAR_PIVOT * matrix[r * n + r])) return undefined;
        lower[r * n + r] = Math.sqrt(sum);
      } else {
        lower[r * n + c] = sum / lower[c * n + c];
      }
    }
  }
  return lower;
}

/** A Cholesky pivot below this fraction of its diagonal entry counts as 0. */
const SINGULAR_PIVOT = 1e-10;

/** Solves L Lᵀ x = v in place (L lower triangular, row-major n × n; v's first n values). */
function solveWithCholesky(lower: Float64Array, n: number, v: Float64Array): void {
  for (let r = 0; r < n; r++) {
    let sum = v[r];
    for (let k = 0; k < r; k++) sum -= lower[r * n + k] * v[k];
    v[r] = sum / lower[r * n + r];
  }
  for (let r = n - 1; r >= 0; r--) {
    let sum = v[r];
    for (let k = r + 1; k < n; k++) sum -= lower[k * n + r] * v[k];
    v[r] = sum / lower[r * n + r];
  }
}

/** A of W = [A b]. */
function linearPart(transform: Float64Array, dim: number): Matrix {
  const a = new Matrix(dim, dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) a.set(i, j, transform[i * (dim + 1) + j]);
  return a;
}

/** A new block with every frame x replaced by A x + b. */
export function applyFmllr(features: FrameBlock, transform: Float64Array): FrameBlock {
  const dim = features.width;
  const extended = dim + 1;
  if (transform.length !== dim * extended) throw new RangeError(`applyFmllr: a transform of ${transform.length} values for ${dim} features`);
  const data = new Float32Array(features.count * dim);
  for (let t = 0; t < features.count; t++) {
    const at = t * dim;
    for (let i = 0; i < dim; i++) {
      const row = i * extended;
      let value = transform[row + dim];
      for (let j = 0; j < dim; j++) value += transform[row + j] * features.data[at + j];
      data[at + i] = value;
    }
  }
  return { ...features, data };
}
