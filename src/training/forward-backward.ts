/**
 * Forward-backward and Viterbi alignment over an utterance graph, in log space. The emission
 * scores come in as a T × S matrix (log p(frame t | state s)), so the same code serves GMM
 * states and the discrete textbook examples in the tests.
 *
 *   α_0(s) = π(s) + b_0(s)            α_t(s′) = log Σ_{s→s′} e^{α_{t−1}(s) + a} + b_t(s′)
 *   β_{T−1}(s) = f(s)                 β_t(s) = log Σ_{s→s′} e^{a + b_{t+1}(s′) + β_{t+1}(s′)}
 *   log P(O) = log Σ_s e^{α_{T−1}(s) + f(s)}     γ_t(s) = e^{α_t(s) + β_t(s) − log P(O)}
 */
import type { UtteranceGraph } from '../graph/utterance-graph.ts';
import { LOG_ZERO, logAdd } from '../math/log-space.ts';

export interface ForwardBackwardResult {
  /** log P(observations | graph). −∞ when no path explains them (too few frames). */
  readonly logLikelihood: number;
  /** γ_t(s), T × S row-major probabilities (each row sums to 1). */
  readonly stateOccupancy: Float64Array;
  /** Expected number of uses of each arc over the utterance. */
  readonly arcOccupancy: Float64Array;
  /** Probability that the utterance ends in each state. */
  readonly finalOccupancy: Float64Array;
}

export function forwardScores(graph: UtteranceGraph, logEmissions: Float64Array, frames: number): Float64Array {
  const S = graph.stateCount;
  const alpha = new Float64Array(frames * S).fill(LOG_ZERO);
  if (frames === 0) return alpha;
  for (let s = 0; s < S; s++) alpha[s] = graph.initial[s] + logEmissions[s];
  for (let t = 1; t < frames; t++) {
    const previous = (t - 1) * S;
    const current = t * S;
    for (let a = 0; a < graph.arcFrom.length; a++) {
      const score = alpha[previous + graph.arcFrom[a]] + graph.arcLogProb[a];
      if (score === LOG_ZERO) continue;
      const target = current + graph.arcTo[a];
      alpha[target] = logAdd(alpha[target], score);
    }
    for (let s = 0; s < S; s++) alpha[current + s] += logEmissions[current + s];
  }
  return alpha;
}

export function backwardScores(graph: UtteranceGraph, logEmissions: Float64Array, frames: number): Float64Array {
  const S = graph.stateCount;
  const beta = new Float64Array(frames * S).fill(LOG_ZERO);
  if (frames === 0) return beta;
  beta.set(graph.final, (frames - 1) * S);
  for (let t = frames - 2; t >= 0; t--) {
    const current = t * S;
    const next = (t + 1) * S;
    for (let a = 0; a < graph.arcFrom.length; a++) {
      const to = graph.arcTo[a];
      const score = graph.arcLogProb[a] + logEmissions[next + to] + beta[next + to];
      if (score === LOG_ZERO) continue;
      const source = current + graph.arcFrom[a];
      beta[source] = logAdd(beta[source], score);
    }
  }
  return beta;
}

/** log P(O) from the forward pass alone. */
export function sequenceLogLikelihood(graph: UtteranceGraph, logEmissions: Float64Array, frames: number): number {
  if (frames === 0) return LOG_ZERO;
  const alpha = forwardScores(graph, logEmissions, frames);
  const S = graph.stateCount;
  let total = LOG_ZERO;
  for (let s = 0; s < S; s++) total = logAdd(total, alpha[(frames - 1) * S + s] + graph.final[s]);
  return total;
}

export function forwardBackward(graph: UtteranceGraph, logEmissions: Float64Array, frames: number): ForwardBackwardResult {
  const S = graph.stateCount;
  const alpha = forwardScores(graph, logEmissions, frames);
  const beta = backwardScores(graph, logEmissions, frames);
  let total = LOG_ZERO;
  if (frames > 0) for (let s = 0; s < S; s++) total = logAdd(total, alpha[(frames - 1) * S + s] + graph.final[s]);
  const stateOccupancy = new Float64Array(frames * S);
  const arcOccupancy = new Float64Array(graph.arcFrom.length);
  const finalOccupancy = new Float64Array(S);
  if (total === LOG_ZERO) return { logLikelihood: total, stateOccupancy, arcOccupancy, finalOccupancy };
  for (let i = 0; i < frames * S; i++) stateOccupancy[i] = Math.exp(alpha[i] + beta[i] - total);
  for (let t = 0; t + 1 < frames; t++) {
    for (let a = 0; a < arcOccupancy.length; a++) {
      const to = graph.arcTo[a];
      const score = alpha[t * S + graph.arcFrom[a]] + graph.arcLogProb[a] + logEmissions[(t + 1) * S + to] + beta[(t + 1) * S + to] - total;
      if (score > LOG_ZERO) arcOccupancy[a] += Math.exp(score);
    }
  }
  for (let s = 0; s < S; s++) finalOccupancy[s] = Math.exp(alpha[(frames - 1) * S + s] + graph.final[s] - total);
  return { logLikelihood: total, stateOccupancy, arcOccupancy, finalOccupancy };
}
