/**
 * Scores a whole utterance against the states of a graph at once: the T × S matrix of log
 * emission likelihoods that alignment, training and whole-utterance classification work on.
 * (The online decoder scores lazily, frame by frame, instead.)
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import type { FrameBlock } from '../frames/frame-block.ts';
import type { UtteranceGraph } from '../graph/utterance-graph.ts';

/** Log emission matrix T × S of one utterance: each distinct GMM scored once per frame. */
export function emissionScores(graph: UtteranceGraph, features: FrameBlock, gmms: readonly DiagonalGmm[]): Float64Array {
  const S = graph.stateCount;
  const T = features.count;
  const out = new Float64Array(T * S);
  const firstStateOf = new Map<number, number>();
  for (let s = 0; s < S; s++) {
    const emission = graph.emissions[s];
    const first = firstStateOf.get(emission);
    if (first !== undefined) {
      for (let t = 0; t < T; t++) out[t * S + s] = out[t * S + first];
      continue;
    }
    firstStateOf.set(emission, s);
    const gmm = gmms[emission];
    for (let t = 0; t < T; t++) out[t * S + s] = gmm.logLikelihood(features.data, t * features.width);
  }
  return out;
}
