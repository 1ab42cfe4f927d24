/**
 * Log-space arithmetic. Every score in beamline is a natural-log probability, higher is better;
 * probabilities are added with `logAdd`, never by leaving log space.
 */

/** log(0). */
export const LOG_ZERO = Number.NEGATIVE_INFINITY;

/** log(e^a + e^b), exact and safe for −∞ on either side. */
export function logAdd(a: number, b: number): number {
  if (a === LOG_ZERO) return b;
  if (b === LOG_ZERO) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log Σ e^values[i] over values[from, from + count). −∞ for an empty range. */
export function logSumExp(values: ArrayLike<number>, from = 0, count = values.length - from): number {
  let max = LOG_ZERO;
  for (let i = from; i < from + count; i++) if (values[i] > max) max = values[i];
  if (max === LOG_ZERO) return LOG_ZERO;
  if (max === Number.POSITIVE_INFINITY) return max;
  let sum = 0;
  for (let i = from; i < from + count; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}

/** e^−37 < 2^−53: a term this far below the largest adds nothing to a sum ≥ 1 in double precision. */
export const NEGLIGIBLE_LOG_RATIO = 37;

/**
 * log Σ e^values[k] over values[0, count) when their largest, `max`, is known (and finite):
 * terms more than NEGLIGIBLE_LOG_RATIO below it are skipped, their exp being unable to change
 * the sum. Mixture scoring calls this for every GMM, where all but one or two components are such.
 */
export function logSumExpBelowMax(values: ArrayLike<number>, count: number, max: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const difference = values[k] - max;
    if (difference > -NEGLIGIBLE_LOG_RATIO) sum += Math.exp(difference);
  }
  return sum === 1 ? max : max + Math.log(sum);
}

/** log(2π), used by every Gaussian normaliser. */
export const LOG_2PI = Math.log(2 * Math.PI);
