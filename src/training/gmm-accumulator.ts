/**
 * Sufficient statistics for re-estimating a Gaussian mixture: per component the occupancy
 * Σγ, the first moment Σγx and the second moment Σγx² (diagonal) or Σγxxᵀ (full), all Float64.
 * EM for one mixture, Viterbi training and Baum-Welch for HMM states all accumulate here and
 * estimate with the same M-step.
 */
import { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { FullGmm } from '../acoustic/full-gmm.ts';
import { LOG_ZERO } from '../math/log-space.ts';

/** A component's share of a point below this changes no statistic visibly; most components of most points get one. */
const NEGLIGIBLE_SHARE = 1e-10;

/** Numeric degeneracies met while estimating: counted, never thrown. */
export interface EstimationStats {
  /** Variance entries raised to the floor. */
  flooredVariances: number;
  /** Components with too little data that were replaced by a split of the heaviest. */
  collapsedComponents: number;
}

export interface EstimationOptions {
  /** Per-dimension absolute variance floor (typically a fraction of the global variance). */
  readonly varianceFloor: ArrayLike<number>;
  /** A component with less occupancy than this has collapsed. Default: the dimension. */
  readonly minOccupancy?: number;
}

/** Works for either covariance type: diagonal and full GMMs both expose this. */
interface ScoresComponents {
  readonly components: number;
  readonly dim: number;
  componentLogLikelihoods(x: ArrayLike<number>, offset: number, out: Float64Array): void;
}

abstract class GmmAccumulatorBase {
  readonly components: number;
  readonly dim: number;
  readonly occupancy: Float64Array;
  readonly firstMoments: Float64Array;
  protected readonly posteriors: Float64Array;
  /** Total log-likelihood of everything added (weighted). */
  logLikelihood = 0;
  /** Total weight added (frames, or expected frames). */
  totalWeight = 0;

  constructor(components: number, dim: number) {
    this.components = components;
    this.dim = dim;
    this.occupancy = new Float64Array(components);
    this.firstMoments = new Float64Array(components * dim);
    this.posteriors = new Float64Array(components);
  }

  protected abstract addSecondMoment(k: number, x: ArrayLike<number>, offset: number, weight: number): void;

  /**
   * E-step for one point: shares `weight` among the components by their posteriors under `gmm`.
   * Returns log p(x).
   */
  addSoft(gmm: ScoresComponents, x: ArrayLike<number>, offset: number, weight = 1): number {
    const { posteriors, components } = this;
    gmm.componentLogLikelihoods(x, offset, posteriors);
    let max = LOG_ZERO;
    for (let k = 0; k < components; k++) if (posteriors[k] > max) max = posteriors[k];
    if (max === LOG_ZERO) return LOG_ZERO;
    let sum = 0;
    for (let k = 0; k < components; k++) sum += Math.exp(posteriors[k] - max);
    const logLikelihood = max + Math.log(sum);
    for (let k = 0; k < components; k++) {
      const share = Math.exp(posteriors[k] - logLikelihood);
      if (share > NEGLIGIBLE_SHARE) this.addToComponent(k, x, offset, weight * share);
    }
    this.logLikelihood += weight * logLikelihood;
    this.totalWeight += weight;
    return logLikelihood;
  }

  /** Hard assignment: the whole weight goes to the most likely component. Returns its score. */
  addHard(gmm: ScoresComponents, x: ArrayLike<number>, offset: number, weight = 1): number {
    const { posteriors } = this;
    gmm.componentLogLikelihoods(x, offset, posteriors);
    let best = 0;
    for (let k = 1; k < this.components; k++) if (posteriors[k] > posteriors[best]) best = k;
    this.addToComponent(best, x, offset, weight);
    this.logLikelihood += weight * posteriors[best];
    this.totalWeight += weight;
    return posteriors[best];
  }

  /** Adds x to component k with weight w (for alignments that already chose the component). */
  addToComponent(k: number, x: ArrayLike<number>, offset: number, weight: number): void {
    this.occupancy[k] += weight;
    const row = k * this.dim;
    for (let d = 0; d < this.dim; d++) this.firstMoments[row + d] += weight * x[offset + d];
    this.addSecondMoment(k, x, offset, weight);
  }

  /** Adds another accumulator's statistics (for sharding work). */
  protected addBase(other: GmmAccumulatorBase): void {
    for (let i = 0; i < this.occupancy.length; i++) this.occupancy[i] += other.occupancy[i];
    for (let i = 0; i < this.firstMoments.length; i++) this.firstMoments[i] += other.firstMoments[i];
    this.logLikelihood += other.logLikelihood;
    this.totalWeight += other.totalWeight;
  }

  reset(): void {
    this.occupancy.fill(0);
    this.firstMoments.fill(0);
    this.logLikelihood = 0;
    this.totalWeight = 0;
  }

  /** Components to replace: occupancy below the minimum. */
  protected collapsed(minOccupancy: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.components; k++) if (this.occupancy[k] < minOccupancy) out.push(k);
    return out;
  }
}

export class DiagonalGmmAccumulator extends GmmAccumulatorBase {
  readonly secondMoments: Float64Array;

  constructor(components: number, dim: number) {
    super(components, dim);
    this.secondMoments = new Float64Array(components * dim);
  }

  protected addSecondMoment(k: number, x: ArrayLike<number>, offset: number, weight: number): void {
    const row = k * this.dim;
    for (let d = 0; d < this.dim; d++) {
      const value = x[offset + d];
      this.secondMoments[row + d] += weight * value * value;
    }
  }

  add(other: DiagonalGmmAccumulator): void {
    this.addBase(other);
    for (let i = 0; i < this.secondMoments.length; i++) this.secondMoments[i] += other.secondMoments[i];
  }

  override reset(): void {
    super.reset();
    this.secondMoments.fill(0);
  }

  /**
   * M-step: weights ∝ occupancy, means and variances from the moments, variances floored.
   * Collapsed components (occupancy below the minimum) are replaced by splitting the heaviest.
   * With no data at all, `previous` is returned unchanged.
   */
  estimate(options: EstimationOptions, previous: DiagonalGmm): { gmm: DiagonalGmm; stats: EstimationStats } {
    const { components, dim } = this;
    const stats: EstimationStats = { flooredVariances: 0, collapsedComponents: 0 };
    const total = this.occupancy.reduce((a, b) => a + b, 0);
    if (!(total > 0)) return { gmm: previous, stats };
    const weights = new Float64Array(components);
    const means = new Float64Array(components * dim);
    const variances = new Float64Array(components * dim);
    const collapsed = new Set(this.collapsed(options.minOccupancy ?? dim));
    if (collapsed.size === components) {
      // Too little data for any component: keep the old mixture rather than invent one.
      return { gmm: previous, stats: { flooredVariances: 0, collapsedComponents: 0 } };
    }
    for (let k = 0; k < components; k++) {
      if (collapsed.has(k)) continue;
      const occupancy = this.occupancy[k];
      weights[k] = occupancy;
      for (let d = 0; d < dim; d++) {
        const mean = this.firstMoments[k * dim + d] / occupancy;
        let variance = this.secondMoments[k * dim + d] / occupancy - mean * mean;
        const floor = options.varianceFloor[d];
        if (!(variance >= floor)) {
          variance = floor;
          stats.flooredVariances++;
        }
        means[k * dim + d] = mean;
        variances[k * dim + d] = variance;
      }
    }
    for (const k of collapsed) {
      splitInto(weights, means, variances, dim, heaviest(weights), k);
      stats.collapsedComponents++;
    }
    const weightSum = weights.reduce((a, b) => a + b, 0);
    for (let k = 0; k < components; k++) weights[k] /= weightSum;
    return { gmm: new DiagonalGmm(dim, { weights, means, variances }), stats };
  }
}

export class FullGmmAccumulator extends GmmAccumulatorBase {
  /** Σγxxᵀ per component, row-major D × D. */
  readonly outerProducts: Float64Array[];

  constructor(components: number, dim: number) {
    super(components, dim);
    this.outerProducts = Array.from({ length: components }, () => new Float64Array(dim * dim));
  }

  protected addSecondMoment(k: number, x: ArrayLike<number>, offset: number, weight: number): void {
    const product = this.outerProducts[k];
    for (let i = 0; i < this.dim; i++) {
      const xi = weight * x[offset + i];
      for (let j = 0; j < this.dim; j++) product[i * this.dim + j] += xi * x[offset + j];
    }
  }

  override reset(): void {
    super.reset();
    for (const product of this.outerProducts) product.fill(0);
  }

  /** M-step for full covariances; diagonal entries are floored like the diagonal case. */
  estimate(options: EstimationOptions, previous: FullGmm): { gmm: FullGmm; stats: EstimationStats } {
    const { components, dim } = this;
    const stats: EstimationStats = { flooredVariances: 0, collapsedComponents: 0 };
    const total = this.occupancy.reduce((a, b) => a + b, 0);
    if (!(total > 0)) return { gmm: previous, stats };
    const collapsed = new Set(this.collapsed(options.minOccupancy ?? dim));
    if (collapsed.size === components) return { gmm: previous, stats };
    const weights = new Float64Array(components);
    const means = new Float64Array(components * dim);
    const covariances: Float64Array[] = [];
    for (let k = 0; k < components; k++) {
      const covariance = new Float64Array(dim * dim);
      covariances.push(covariance);
      if (collapsed.has(k)) continue;
      const occupancy = this.occupancy[k];
      weights[k] = occupancy;
      for (let d = 0; d < dim; d++) means[k * dim + d] = this.firstMoments[k * dim + d] / occupancy;
      for (let i = 0; i < dim; i++) {
        // Fill the lower triangle and mirror it, so rounding can never make Σ asymmetric.
        for (let j = 0; j <= i; j++) {
          const value = this.outerProducts[k][i * dim + j] / occupancy - means[k * dim + i] * means[k * dim + j];
          covariance[i * dim + j] = value;
          covariance[j * dim + i] = value;
        }
        const floor = options.varianceFloor[i];
        if (!(covariance[i * dim + i] >= floor)) {
          covariance[i * dim + i] = floor;
          stats.flooredVariances++;
        }
      }
    }
    for (const k of collapsed) {
      const source = heaviest(weights);
      // Split on the diagonal variances (the means move ±0.2σ), then copy the whole covariance.
      const diagonal = new Float64Array(components * dim);
      for (let d = 0; d < dim; d++) diagonal[source * dim + d] = covariances[source][d * dim + d];
      splitInto(weights, means, diagonal, dim, source, k);
      covariances[k].set(covariances[source]);
      stats.collapsedComponents++;
    }
    const weightSum = weights.reduce((a, b) => a + b, 0);
    for (let k = 0; k < components; k++) weights[k] /= weightSum;
    return { gmm: new FullGmm(dim, { weights, means, covariances }), stats };
  }
}

function heaviest(weights: Float64Array): number {
  let best = 0;
  for (let k = 1; k < weights.length; k++) if (weights[k] > weights[best]) best = k;
  return best;
}

/**
 * Splits component `source` into itself and `target`: half the weight each, means moved ∓0.2σ,
 * the same variances (HTK's mixture-splitting rule).
 */
export function splitInto(weights: Float64Array, means: Float64Array, variances: Float64Array, dim: number, source: number, target: number): void {
  weights[source] /= 2;
  weights[target] = weights[source];
  for (let d = 0; d < dim; d++) {
    const shift = 0.2 * Math.sqrt(variances[source * dim + d]);
    const mean = means[source * dim + d];
    means[source * dim + d] = mean - shift;
    means[target * dim + d] = mean + shift;
    variances[target * dim + d] = variances[source * dim + d];
  }
}

/** Grows a mixture by splitting its heaviest component until it has `components` of them. */
export function splitGmm(gmm: DiagonalGmm, components: number): DiagonalGmm {
  if (components <= gmm.components) return gmm;
  const { dim } = gmm;
  const weights = new Float64Array(components);
  const means = new Float64Array(components * dim);
  const variances = new Float64Array(components * dim);
  weights.set(gmm.weights);
  means.set(gmm.means);
  variances.set(gmm.variances);
  for (let k = gmm.components; k < components; k++) {
    splitInto(weights.subarray(0, k + 1), means, variances, dim, heaviest(weights.subarray(0, k)), k);
  }
  return new DiagonalGmm(dim, { weights, means, variances });
}
