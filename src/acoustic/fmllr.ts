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
import { CholeskyDecomposition, LuDecomposition, Matrix } from 'ml-matrix';
import type { FrameBlock } from '../frames/frame-block.ts';
import type { DiagonalGmm } from './diagonal-gmm.ts';

/** Sufficient statistics of the fMLLR auxiliary function for features of `dim` values. */
export class FmllrStatistics {
  readonly dim: number;
  /** β: frames counted, each weighted by its occupancy. */
  frames = 0;
  /** k_i, row-major d × (d+1). */
  readonly linear: Float64Array;
  /** G_i, d matrices (d+1) × (d+1); only the upper triangle is accumulated (G_i is symmetric). */
  readonly quadratic: Float64Array;
  /** Σ_m γ_m / σ²_mi of the frame being added (reused). */
  private readonly precision: Float64Array;
  /** Σ_m γ_m μ_mi / σ²_mi of the frame being added (reused). */
  private readonly meanPrecision: Float64Array;
  /** ξ ξᵀ of the frame being added, upper triangle (reused). */
  private readonly outer: Float64Array;

  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`FmllrStatistics: dim must be a positive integer; got ${dim}`);
    this.dim = dim;
    const extended = dim + 1;
    this.linear = new Float64Array(dim * extended);
    this.quadratic = new Float64Array(dim * extended * extended);
    this.precision = new Float64Array(dim);
    this.meanPrecision = new Float64Array(dim);
    this.outer = new Float64Array(extended * extended);
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
    for (let a = 0; a < extended; a++) {
      const xa = a < dim ? x[offset + a] : 1;
      for (let b = a; b < extended; b++) outer[a * extended + b] = xa * (b < dim ? x[offset + b] : 1);
    }
    const block = extended * extended;
    for (let i = 0; i < dim; i++) {
      const p = precision[i];
      const base = i * block;
      for (let a = 0; a < extended; a++) {
        for (let b = a; b < extended; b++) quadratic[base + a * extended + b] += p * outer[a * extended + b];
      }
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
    const block = extended * extended;
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
            quadratic[base + a * extended + a] += scaled * gmm.variances[row + a];
            for (let b = a; b < dim; b++) quadratic[base + a * extended + b] += scaled * meanA * gmm.means[row + b];
            quadratic[base + a * extended + dim] += scaled * meanA;
          }
          quadratic[base + dim * extended + dim] += scaled;
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
    const base = i * extended * extended;
    const g = new Matrix(extended, extended);
    for (let a = 0; a < extended; a++) {
      for (let b = a; b < extended; b++) {
        const value = this.quadratic[base + a * extended + b];
        g.set(a, b, value);
        g.set(b, a, value);
      }
    }
    return g;
  }
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
    const base = i * extended * extended;
    for (let a = 0; a < extended; a++) {
      const wa = transform[i * extended + a];
      q += wa * stats.linear[i * extended + a];
      for (let b = 0; b < extended; b++) {
        const g = stats.quadratic[base + (a <= b ? a * extended + b : b * extended + a)];
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
  // Over each row's support: G_i⁻¹ (row-major) and k_i G_i⁻¹, which do not change between sweeps.
  const inverses: (Float64Array | undefined)[] = [];
  const linearTimesInverse: Float64Array[] = [];
  for (let i = 0; i < dim; i++) {
    const support = supports[i];
    const size = support.length;
    const full = stats.quadraticOf(i);
    const cholesky = new CholeskyDecomposition(blocks === 1 ? full : full.selection(Array.from(support), Array.from(support)));
    // A frame-starved dimension leaves G_i singular: that row stays as it is.
    if (!cholesky.isPositiveDefinite()) {
      inverses.push(undefined);
      linearTimesInverse.push(new Float64Array(0));
      continue;
    }
    const inverse = inverseFromCholesky(Float64Array.from(cholesky.lowerTriangularMatrix.to1DArray()), size);
    inverses.push(inverse);
    const kG = new Float64Array(size);
    for (let a = 0; a < size; a++) {
      const k = stats.linear[i * extended + support[a]];
      for (let b = 0; b < size; b++) kG[b] += k * inverse[a * size + b];
    }
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
      const inverse = inverses[i];
      if (inverse === undefined) continue;
      const support = supports[i];
      const size = support.length;
      // The cofactor row of A over the support, up to the factor det A: column i of A⁻¹ (0 for the offset).
      for (let a = 0; a < size; a++) cofactor[a] = support[a] < dim ? aInverse[support[a] * dim + i] : 0;
      const kG = linearTimesInverse[i];
      let pGp = 0;
      let pGk = 0;
      cofactorTimesInverse.fill(0);
      for (let a = 0; a < size; a++) {
        const p = cofactor[a];
        if (p === 0) continue;
        for (let b = 0; b < size; b++) cofactorTimesInverse[b] += p * inverse[a * size + b];
      }
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
 * (L Lᵀ)⁻¹ from the Cholesky factor L (row-major n × n) by two triangular solves against the
 * identity, on flat arrays: ml-matrix's general solve costs ten times as much at n = 40.
 */
function inverseFromCholesky(lower: Float64Array, n: number): Float64Array {
  // Y = L⁻¹, lower triangular: L Y = I row by row.
  const y = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let r = c; r < n; r++) {
      let sum = r === c ? 1 : 0;
      for (let k = c; k < r; k++) sum -= lower[r * n + k] * y[k * n + c];
      y[r * n + c] = sum / lower[r * n + r];
    }
  }
  // (L Lᵀ)⁻¹ = Yᵀ Y, symmetric.
  const inverse = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let sum = 0;
      for (let k = b; k < n; k++) sum += y[k * n + a] * y[k * n + b];
      inverse[a * n + b] = sum;
      inverse[b * n + a] = sum;
    }
  }
  return inverse;
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
