/**
 * Scores a whole utterance against the states of a graph at once: the T × S matrix of log
 * emission likelihoods that alignment, training and whole-utterance classification work on.
 * (The online decoder scores lazily, frame by frame, instead.)
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import type { FrameBlock } from '../frames/frame-block.ts';
import type { UtteranceGraph } from '../graph/utterance-graph.ts';
import { gmmScorer } from './frame-scorer.ts';
import type { GmmScoringKind } from './gmm-scorer.ts';

/**
 * Log emission matrix T × S of one utterance: each distinct GMM scored once per frame, by the
 * exact double-precision scorer unless `kind` asks for the SIMD kernel (training uses it for
 * speed; its scores are within 1e-3 of the exact ones).
 */
export function emissionScores(graph: UtteranceGraph, features: FrameBlock, gmms: readonly DiagonalGmm[], kind: GmmScoringKind = 'exact'): Float64Array {
  const S = graph.stateCount;
  const T = features.count;
  const out = new Float64Array(T * S);
  // States that share a GMM (silence between words) copy the first such state's score.
  const scoredAt = new Int32Array(S);
  const firstStateOf = new Map<number, number>();
  for (let s = 0; s < S; s++) {
    const first = firstStateOf.get(graph.emissions[s]);
    scoredAt[s] = first ?? s;
    if (first === undefined) firstStateOf.set(graph.emissions[s], s);
  }
  const scorer = gmmScorer(gmms, kind);
  for (let t = 0; t < T; t++) {
    scorer.setFrame(features.data, t * features.width);
    const row = t * S;
    for (let s = 0; s < S; s++) out[row + s] = scoredAt[s] === s ? scorer.score(graph.emissions[s]) : out[row + scoredAt[s]];
  }
  return out;
}
