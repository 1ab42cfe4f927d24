/**
 * Unsupervised channel and speaker adaptation by a cepstral bias: after a first decode, the
 * hypothesis is force-aligned to the utterance and the constant offset b of the static cepstra
 * that makes the aligned frames most likely under their states' Gaussians is estimated, then
 * subtracted before decoding again.
 *
 * Per-utterance CMN removes the mean of the utterance, which for a short word is mostly the
 * word's own spectrum; the model's state means carry what is left. The bias is the part of the
 * offset the model can explain as channel rather than words: with frame t aligned to a state
 * whose most likely component has mean μ_t and variance σ²_t, the maximum-likelihood offset is
 *
 *   b_d = Σ_t (x_td − μ_td) / σ²_td  /  Σ_t 1 / σ²_td         (static dimensions d only)
 *
 * since a constant shift of the cepstra leaves Δ and ΔΔ unchanged. With a feature transform A
 * in the model (features x' = A x), the shift of the features is P b, P the first columns of A,
 * and b solves the normal equations Σ_t Pᵀ Λ_t P b = Σ_t Pᵀ Λ_t (x_t − μ_t) (Λ_t the diagonal
 * precisions), which is the formula above when A is the identity. `priorFrames` shrinks b
 * towards 0 as if that many more frames had no offset: a single word cannot tell its own colour
 * from the channel's, a string of digits can. Silence frames are left out: their spectrum is the
 * room's noise, not the talker's channel.
 */
import { Matrix, solve } from 'ml-matrix';
import type { FrameBlock } from '../frames/frame-block.ts';
import { buildUtteranceGraph } from '../graph/utterance-graph.ts';
import { spell } from '../graph/unit-hmm.ts';
import { type SpeechModel, unitsByName, unitStateBases } from '../io/speech-model.ts';
import { emissionScores } from '../scoring/emission-matrix.ts';
import { viterbiAlign } from './viterbi-alignment.ts';

export interface CepstralBiasOptions {
  /** Frames of zero offset the estimate is shrunk with. Default 60 (about one word). */
  readonly priorFrames?: number;
}

export const DEFAULT_BIAS_PRIOR_FRAMES = 60;

/**
 * The bias of the static cepstra (`model.cmnPriorMean.length` values) for `words` spoken in
 * `features`; all zeros when there are no words or no alignment exists.
 */
export function estimateCepstralBias(model: SpeechModel, features: FrameBlock, words: readonly string[], options: CepstralBiasOptions = {}): Float64Array {
  const statics = model.cmnPriorMean.length;
  const bias = new Float64Array(statics);
  if (words.length === 0 || features.count === 0) return bias;
  const units = unitsByName(model);
  const graph = buildUtteranceGraph(
    words.map((word) => spell([word], model.lexicon, units)),
    units.get(model.silenceUnit),
    unitStateBases(model.units),
  );
  const alignment = viterbiAlign(graph, emissionScores(graph, features, model.gmms), features.count);
  if (alignment.states.length === 0) return bias;
  const width = features.width;
  // Per feature dimension: Σ_t λ_ti (x_ti − μ_ti) and Σ_t λ_ti.
  const weighted = new Float64Array(width);
  const precision = new Float64Array(width);
  let frames = 0;
  let componentScores = new Float64Array(0);
  for (let t = 0; t < features.count; t++) {
    const state = alignment.states[t];
    if (graph.wordOf[state] < 0) continue;
    const gmm = model.gmms[graph.emissions[state]];
    if (componentScores.length < gmm.components) componentScores = new Float64Array(gmm.components);
    gmm.componentLogLikelihoods(features.data, t * width, componentScores);
    let best = 0;
    for (let k = 1; k < gmm.components; k++) if (componentScores[k] > componentScores[best]) best = k;
    const row = best * gmm.dim;
    for (let d = 0; d < width; d++) {
      const inverse = gmm.inverseVariances[row + d];
      weighted[d] += (features.data[t * width + d] - gmm.means[row + d]) * inverse;
      precision[d] += inverse;
    }
    frames++;
  }
  if (frames === 0) return bias;
  const shrink = 1 + (options.priorFrames ?? DEFAULT_BIAS_PRIOR_FRAMES) / frames;
  const shift = staticShift(model, width);
  if (shift === undefined) {
    for (let d = 0; d < statics; d++) bias[d] = weighted[d] / (precision[d] * shrink);
    return bias;
  }
  const normal = Matrix.zeros(statics, statics);
  const right = Matrix.zeros(statics, 1);
  for (let i = 0; i < width; i++) {
    for (let a = 0; a < statics; a++) {
      const pa = shift[i * statics + a];
      right.set(a, 0, right.get(a, 0) + weighted[i] * pa);
      for (let b = 0; b < statics; b++) normal.set(a, b, normal.get(a, b) + shrink * precision[i] * pa * shift[i * statics + b]);
    }
  }
  bias.set(solve(normal, right).getColumn(0));
  return bias;
}

/**
 * How the features move when the static cepstra move by one unit each: the first columns of the
 * model's feature transform (row-major width × statics); undefined without a transform (the
 * identity on the first values).
 */
function staticShift(model: SpeechModel, width: number): Float64Array | undefined {
  const matrix = model.frontEnd.transform?.matrix;
  if (matrix === undefined) return undefined;
  const statics = model.cmnPriorMean.length;
  const shift = new Float64Array(width * statics);
  for (let i = 0; i < width; i++) for (let a = 0; a < statics; a++) shift[i * statics + a] = matrix[i][a];
  return shift;
}

/** The offset of every feature value that a bias of the static cepstra causes (the bias itself without a transform). */
export function biasOffset(model: SpeechModel, bias: Float64Array): Float64Array {
  const width = model.gmms[0].dim;
  const shift = staticShift(model, width);
  if (shift === undefined) return bias;
  const offset = new Float64Array(width);
  for (let i = 0; i < width; i++) for (let a = 0; a < bias.length; a++) offset[i] += shift[i * bias.length + a] * bias[a];
  return offset;
}

/** A copy of `features` with `offset` subtracted from its first `offset.length` values of every frame. */
export function subtractBias(features: FrameBlock, offset: Float64Array): FrameBlock {
  const data = features.data.slice(0, features.count * features.width);
  for (let t = 0; t < features.count; t++) {
    for (let d = 0; d < offset.length; d++) data[t * features.width + d] -= offset[d];
  }
  return { ...features, data };
}
