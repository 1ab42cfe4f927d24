/**
 * The single best state path through an utterance graph for a T × S matrix of log emission
 * scores: forced alignment, Viterbi training and whole-utterance classification all use it. The
 * exhaustive counterpart of the online beam search.
 */
import type { UtteranceGraph } from '../graph/utterance-graph.ts';
import { LOG_ZERO } from '../math/log-space.ts';

export interface ViterbiAlignment {
  /** Score of the best path; −∞ when no path exists. */
  readonly logLikelihood: number;
  /** Graph state of each frame on the best path (empty when no path exists). */
  readonly states: Int32Array;
}

/** The single best state path (Viterbi), with ties broken towards the lower arc index. */
export function viterbiAlign(graph: UtteranceGraph, logEmissions: Float64Array, frames: number): ViterbiAlignment {
  const S = graph.stateCount;
  if (frames === 0) return { logLikelihood: LOG_ZERO, states: new Int32Array(0) };
  let previous = new Float64Array(S);
  let current = new Float64Array(S);
  const backpointer = new Int32Array(frames * S).fill(-1);
  for (let s = 0; s < S; s++) previous[s] = graph.initial[s] + logEmissions[s];
  for (let t = 1; t < frames; t++) {
    current.fill(LOG_ZERO);
    for (let a = 0; a < graph.arcFrom.length; a++) {
      const from = graph.arcFrom[a];
      const score = previous[from] + graph.arcLogProb[a];
      const to = graph.arcTo[a];
      if (score > current[to]) {
        current[to] = score;
        backpointer[t * S + to] = from;
      }
    }
    for (let s = 0; s < S; s++) current[s] += logEmissions[t * S + s];
    [previous, current] = [current, previous];
  }
  let best = -1;
  let bestScore = LOG_ZERO;
  for (let s = 0; s < S; s++) {
    const score = previous[s] + graph.final[s];
    if (score > bestScore) {
      bestScore = score;
      best = s;
    }
  }
  if (best < 0) return { logLikelihood: LOG_ZERO, states: new Int32Array(0) };
  const states = new Int32Array(frames);
  for (let t = frames - 1; t >= 0; t--) {
    states[t] = best;
    best = backpointer[t * S + best];
  }
  return { logLikelihood: bestScore, states };
}
