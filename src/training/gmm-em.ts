/**
 * Training one Gaussian mixture on a set of points: k-means++ initialisation, then EM (soft,
 * log-space responsibilities) or Viterbi training (hard assignment), with a variance floor, reset
 * of collapsing components, several random restarts keeping the best likelihood, and convergence
 * by relative change of the total log-likelihood.
 */
import { checkChoice, checkInteger, checkNumber } from '../config.ts';
import { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { FullGmm } from '../acoustic/full-gmm.ts';
import { SeededRandom } from '../math/random.ts';
import { DiagonalGmmAccumulator, FullGmmAccumulator, type EstimationStats } from './gmm-accumulator.ts';
import { kMeans } from './kmeans.ts';

export interface GmmTrainingOptions {
  /** Mixture components K. Range 1–1024. */
  readonly components: number;
  /** 'diagonal' (default, what decoding uses) or 'full'. */
  readonly covariance?: 'diagonal' | 'full';
  /** 'soft' EM (default) or 'hard' Viterbi training. */
  readonly assignment?: 'soft' | 'hard';
  /** Iteration cap. Default 100. */
  readonly maxIterations?: number;
  /** Stop when |ΔL| / |L| falls below this. Default 1e-6; 0 runs every iteration. */
  readonly tolerance?: number;
  /** Independent k-means++ starts; the best final likelihood wins. Default 3. */
  readonly restarts?: number;
  /** Variance floor as a fraction of the global variance per dimension. Default 0.01. */
  readonly varianceFloorFraction?: number;
  /** A component with less occupancy (points) than this has collapsed and is reset. Default: dim. */
  readonly minOccupancy?: number;
  /** Seed of the restarts' random numbers. Default 1. */
  readonly seed?: number;
  /** Start from these parameters instead of k-means (one run, no restarts). */
  readonly initial?: DiagonalGmm | FullGmm;
}

export interface GmmTrainingResult<G> {
  readonly gmm: G;
  /** Total log-likelihood of the data under the parameters of each iteration, the last entry for the final ones. */
  readonly logLikelihoods: number[];
  readonly iterations: number;
  readonly converged: boolean;
  /** Final total log-likelihood of every restart, in order. */
  readonly restartLogLikelihoods: number[];
  /** Degeneracies met by the winning run. */
  readonly stats: EstimationStats;
}

/** Mean and variance of every dimension. */
export function globalMoments(data: ArrayLike<number>, count: number, dim: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(dim);
  const variance = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) mean[d] += data[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= count;
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) {
      const diff = data[i * dim + d] - mean[d];
      variance[d] += diff * diff;
    }
  }
  for (let d = 0; d < dim; d++) variance[d] /= count;
  return { mean, variance };
}

function initialFromKMeans(data: ArrayLike<number>, count: number, dim: number, components: number, floor: Float64Array, random: SeededRandom, covariance: 'diagonal' | 'full'): DiagonalGmm | FullGmm {
  const { centres, assignments } = kMeans(data, count, dim, components, random);
  const accumulator = covariance === 'full' ? new FullGmmAccumulator(components, dim) : new DiagonalGmmAccumulator(components, dim);
  for (let i = 0; i < count; i++) accumulator.addToComponent(assignments[i], data, i * dim, 1);
  const placeholderVariances = new Float64Array(components * dim).fill(1);
  const weights = new Float64Array(components).fill(1 / components);
  if (accumulator instanceof FullGmmAccumulator) {
    const identity = Array.from({ length: components }, () => {
      const matrix = new Float64Array(dim * dim);
      for (let d = 0; d < dim; d++) matrix[d * dim + d] = 1;
      return matrix;
    });
    return accumulator.estimate({ varianceFloor: floor, minOccupancy: 1 }, new FullGmm(dim, { weights, means: centres, covariances: identity })).gmm;
  }
  return accumulator.estimate({ varianceFloor: floor, minOccupancy: 1 }, new DiagonalGmm(dim, { weights, means: centres, variances: placeholderVariances })).gmm;
}

function runEm<G extends DiagonalGmm | FullGmm>(
  data: ArrayLike<number>,
  count: number,
  dim: number,
  start: G,
  options: Required<Omit<GmmTrainingOptions, 'initial'>>,
  floor: Float64Array,
): Omit<GmmTrainingResult<G>, 'restartLogLikelihoods'> {
  let gmm = start;
  const accumulator = gmm instanceof FullGmm ? new FullGmmAccumulator(gmm.components, dim) : new DiagonalGmmAccumulator(gmm.components, dim);
  const logLikelihoods: number[] = [];
  const stats: EstimationStats = { flooredVariances: 0, collapsedComponents: 0 };
  let converged = false;
  let iterations = 0;
  const expectation = (current: G): number => {
    accumulator.reset();
    for (let i = 0; i < count; i++) {
      if (options.assignment === 'hard') accumulator.addHard(current, data, i * dim);
      else accumulator.addSoft(current, data, i * dim);
    }
    return accumulator.logLikelihood;
  };
  let current = expectation(gmm);
  logLikelihoods.push(current);
  while (iterations < options.maxIterations) {
    const estimated = (accumulator as DiagonalGmmAccumulator & FullGmmAccumulator).estimate(
      { varianceFloor: floor, minOccupancy: options.minOccupancy },
      gmm as DiagonalGmm & FullGmm,
    );
    gmm = estimated.gmm as G;
    stats.flooredVariances = estimated.stats.flooredVariances;
    stats.collapsedComponents += estimated.stats.collapsedComponents;
    iterations++;
    const previous = current;
    current = expectation(gmm);
    logLikelihoods.push(current);
    if (estimated.stats.collapsedComponents === 0 && Math.abs(current - previous) < options.tolerance * Math.abs(previous)) {
      converged = true;
      break;
    }
  }
  return { gmm, logLikelihoods, iterations, converged, stats };
}

/** Trains a mixture on `count` points of `dim` values each, row-major in `data`. */
export function trainGmm(data: ArrayLike<number>, dim: number, options: GmmTrainingOptions & { covariance: 'full' }): GmmTrainingResult<FullGmm>;
export function trainGmm(data: ArrayLike<number>, dim: number, options: GmmTrainingOptions): GmmTrainingResult<DiagonalGmm>;
export function trainGmm(data: ArrayLike<number>, dim: number, options: GmmTrainingOptions): GmmTrainingResult<DiagonalGmm | FullGmm> {
  const owner = 'gmmTraining';
  const count = Math.floor(data.length / dim);
  const resolved = {
    components: checkInteger(owner, 'components', options.components, 1, 1024),
    covariance: checkChoice(owner, 'covariance', options.covariance ?? 'diagonal', ['diagonal', 'full'] as const),
    assignment: checkChoice(owner, 'assignment', options.assignment ?? 'soft', ['soft', 'hard'] as const),
    maxIterations: checkInteger(owner, 'maxIterations', options.maxIterations ?? 100, 0, 100000),
    tolerance: checkNumber(owner, 'tolerance', options.tolerance ?? 1e-6, 0, 1),
    restarts: checkInteger(owner, 'restarts', options.restarts ?? 3, 1, 1000),
    varianceFloorFraction: checkNumber(owner, 'varianceFloorFraction', options.varianceFloorFraction ?? 0.01, 0, 1),
    minOccupancy: checkNumber(owner, 'minOccupancy', options.minOccupancy ?? dim, 0, Number.MAX_SAFE_INTEGER),
    seed: checkInteger(owner, 'seed', options.seed ?? 1, 0, 2 ** 32 - 1),
  };
  checkInteger(owner, 'points', count, resolved.components, Number.MAX_SAFE_INTEGER);
  const { variance } = globalMoments(data, count, dim);
  const floor = variance.map((v) => Math.max(v * resolved.varianceFloorFraction, Number.MIN_VALUE));
  if (options.initial !== undefined) {
    return { ...runEm(data, count, dim, options.initial, resolved, floor), restartLogLikelihoods: [] };
  }
  const random = new SeededRandom(resolved.seed);
  let best: Omit<GmmTrainingResult<DiagonalGmm | FullGmm>, 'restartLogLikelihoods'> | undefined;
  const restartLogLikelihoods: number[] = [];
  for (let restart = 0; restart < resolved.restarts; restart++) {
    const start = initialFromKMeans(data, count, dim, resolved.components, floor, random, resolved.covariance);
    const run = runEm(data, count, dim, start, resolved, floor);
    const final = run.logLikelihoods[run.logLikelihoods.length - 1];
    restartLogLikelihoods.push(final);
    if (best === undefined || final > best.logLikelihoods[best.logLikelihoods.length - 1]) best = run;
  }
  return { ...best!, restartLogLikelihoods };
}
