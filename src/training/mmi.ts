/**
 * Discriminative training by maximum mutual information (MMI) for isolated-word utterances: after
 * maximum-likelihood training, move each Gaussian towards the frames of its own word and away
 * from the frames of the words it is confused with.
 *
 * The criterion is the log posterior of the right word, Σ_u log P(w_u | O_u), with
 * P(w | O) = p(O | w)^κ / Σ_v p(O | v)^κ over the vocabulary (equal priors). Each word's
 * p(O | w) is its best path through the word with optional silence around it (the Viterbi
 * approximation, as whole-utterance classification scores it), so the "denominator lattice" of an
 * isolated word is simply every word of the vocabulary.
 *
 * Statistics, per Gaussian: the numerator occupancies and moments come from the right word's
 * alignment, the denominator's from every word's alignment weighted by its posterior. The
 * extended Baum-Welch update (Normandin; Povey's thesis, ch. 4) then gives
 *
 *   μ' = (x_num − x_den + D μ) / (γ_num − γ_den + D)
 *   σ²' = (s_num − s_den + D (σ² + μ²)) / (γ_num − γ_den + D) − μ'²
 *
 * with D = E × γ_den per Gaussian, doubled until every variance is positive, and I-smoothing:
 * τ frames of the current Gaussian added to the numerator, which keeps rarely confused Gaussians
 * near their maximum-likelihood values. Weights and transitions keep their ML values.
 *
 * Utterances whose transcript is not exactly one word (connected strings, noise alone) have no
 * denominator here and are left out.
 */
import { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { buildUtteranceGraph, type UtteranceGraph } from '../graph/utterance-graph.ts';
import { spell } from '../graph/unit-hmm.ts';
import { unitStateBases } from '../io/speech-model.ts';
import { LOG_ZERO } from '../math/log-space.ts';
import { gmmScorer } from '../scoring/frame-scorer.ts';
import type { GmmScoringKind } from '../scoring/gmm-scorer.ts';
import { viterbiAlign } from '../search/viterbi-alignment.ts';
import { DiagonalGmmAccumulator } from './gmm-accumulator.ts';
import type { HmmTopology, TrainingUtterance } from './hmm-training.ts';

export interface MmiOptions {
  /** κ: scale on the acoustic log-likelihoods in the word posteriors. Range (0, 1]. Default 0.1: smaller spreads the posteriors over more rivals. */
  readonly acousticScale?: number;
  /** E: D = E × the Gaussian's denominator occupancy. Default 2. Larger: smaller, safer steps. */
  readonly smoothingConstant?: number;
  /** τ: frames of the current Gaussian added to its numerator statistics (I-smoothing). Default 100. */
  readonly iSmoothing?: number;
  /** Per-dimension variance floor (as maximum-likelihood training used). */
  readonly varianceFloor: ArrayLike<number>;
  /** Probability of each optional silence around the word. Default 0.5, as in training. */
  readonly silenceProbability?: number;
  /** How frames are scored: 'simd' (default) or 'exact'. */
  readonly scoring?: GmmScoringKind;
}

export interface MmiPassReport {
  /** Σ log P(right word | utterance) under the mixtures the pass started from (κ-scaled). */
  readonly objective: number;
  /** Single-word utterances the pass used. */
  readonly utterances: number;
  /** Of those, how many the starting mixtures classified wrongly (best word not the right one). */
  readonly errors: number;
  /** Utterances left out: not exactly one word, or too short for every word. */
  readonly skipped: number;
}

interface WordGraph {
  readonly word: string;
  readonly graph: UtteranceGraph;
}

/** One MMI iteration: statistics under `gmms`, then the extended Baum-Welch update. Returns new mixtures. */
export function mmiPass(
  topology: HmmTopology,
  gmms: readonly DiagonalGmm[],
  utterances: readonly TrainingUtterance[],
  options: MmiOptions,
): { gmms: DiagonalGmm[]; report: MmiPassReport } {
  const kappa = options.acousticScale ?? 0.1;
  if (!(kappa > 0 && kappa <= 1)) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `MMI acoustic scale must be in (0, 1]; got ${kappa}`);
  const tau = options.iSmoothing ?? 100;
  if (!(tau >= 0)) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `MMI I-smoothing must be a number of frames ≥ 0; got ${tau}`);
  const E = options.smoothingConstant ?? 2;
  if (!(E > 0)) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `MMI smoothing constant must be > 0; got ${E}`);
  const words = wordGraphs(topology, options.silenceProbability ?? 0.5);
  const wordIndex = new Map(words.map(({ word }, i) => [word, i]));
  const dim = gmms[0].dim;
  const numerator = gmms.map((gmm) => new DiagonalGmmAccumulator(gmm.components, dim));
  const denominator = gmms.map((gmm) => new DiagonalGmmAccumulator(gmm.components, dim));
  const scorer = gmmScorer(gmms, options.scoring ?? 'simd');
  const logLikelihoods = new Float64Array(words.length);
  const posteriors = new Float64Array(words.length);
  let objective = 0;
  let used = 0;
  let errors = 0;
  let skipped = 0;

  for (const utterance of utterances) {
    const right = utterance.words.length === 1 ? wordIndex.get(utterance.words[0]) : undefined;
    const { features } = utterance;
    const T = features.count;
    if (right === undefined || T === 0) {
      skipped++;
      continue;
    }
    // Every mixture's score of every frame once; each word's graph then reads its states' scores.
    const G = gmms.length;
    const frameScores = new Float64Array(T * G);
    for (let t = 0; t < T; t++) {
      scorer.setFrame(features.data, t * features.width);
      for (let g = 0; g < G; g++) frameScores[t * G + g] = scorer.score(g);
    }
    const alignments = words.map(({ graph }, i) => {
      const S = graph.stateCount;
      const emissions = new Float64Array(T * S);
      for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) emissions[t * S + s] = frameScores[t * G + graph.emissions[s]];
      const alignment = viterbiAlign(graph, emissions, T);
      logLikelihoods[i] = alignment.logLikelihood;
      return alignment;
    });
    if (logLikelihoods[right] === LOG_ZERO) {
      skipped++;
      continue;
    }
    let best = 0;
    for (let i = 1; i < words.length; i++) if (logLikelihoods[i] > logLikelihoods[best]) best = i;
    let total = 0;
    for (let i = 0; i < words.length; i++) {
      posteriors[i] = logLikelihoods[i] === LOG_ZERO ? 0 : Math.exp(kappa * (logLikelihoods[i] - logLikelihoods[best]));
      total += posteriors[i];
    }
    for (let i = 0; i < words.length; i++) posteriors[i] /= total;
    objective += Math.log(posteriors[right]);
    used++;
    if (best !== right) errors++;

    const add = (accumulators: DiagonalGmmAccumulator[], i: number, weight: number): void => {
      const { graph } = words[i];
      const states = alignments[i].states;
      for (let t = 0; t < T; t++) {
        const emission = graph.emissions[states[t]];
        accumulators[emission].addSoft(gmms[emission], features.data, t * dim, weight);
      }
    };
    add(numerator, right, 1);
    // Rivals with a negligible posterior would change nothing but cost a pass over the frames.
    for (let i = 0; i < words.length; i++) if (posteriors[i] > 1e-4) add(denominator, i, posteriors[i]);
  }

  const update = gmms.map((gmm, g) => extendedBaumWelch(gmm, numerator[g], denominator[g], options));
  return { gmms: update, report: { objective, utterances: used, errors, skipped } };
}

/** One graph per vocabulary word: the word with optional silence before and after. */
function wordGraphs(topology: HmmTopology, silenceProbability: number): WordGraph[] {
  const units = new Map(topology.units.map((unit) => [unit.name, unit]));
  const bases = unitStateBases(topology.units);
  const silence = units.get(topology.silenceUnit);
  return [...topology.lexicon.keys()].map((word) => ({
    word,
    graph: buildUtteranceGraph([spell([word], topology.lexicon, units)], silence, bases, { silenceProbability }),
  }));
}

/** Largest number of times D is doubled before a Gaussian is left as it was. */
const MAX_DOUBLINGS = 30;

/** The extended Baum-Welch update of one mixture's means and variances (see the file comment). */
export function extendedBaumWelch(
  gmm: DiagonalGmm,
  numerator: DiagonalGmmAccumulator,
  denominator: DiagonalGmmAccumulator,
  options: Pick<MmiOptions, 'smoothingConstant' | 'iSmoothing' | 'varianceFloor'>,
): DiagonalGmm {
  const E = options.smoothingConstant ?? 2;
  const tau = options.iSmoothing ?? 100;
  const { components, dim } = gmm;
  const means = Float64Array.from(gmm.means);
  const variances = Float64Array.from(gmm.variances);
  for (let k = 0; k < components; k++) {
    const gammaNum = numerator.occupancy[k] + tau;
    const gammaDen = denominator.occupancy[k];
    if (gammaDen === 0 && numerator.occupancy[k] === 0) continue;
    // D at least 1 frame, so a Gaussian no rival touches still moves only as far as its own data says.
    let D = Math.max(E * gammaDen, 1);
    for (let attempt = 0; attempt <= MAX_DOUBLINGS; attempt++, D *= 2) {
      const denominatorTotal = gammaNum - gammaDen + D;
      let positive = denominatorTotal > 0;
      for (let d = 0; d < dim && positive; d++) {
        const i = k * dim + d;
        const mean = gmm.means[i];
        const second = gmm.variances[i] + mean * mean;
        const first = numerator.firstMoments[i] + tau * mean - denominator.firstMoments[i] + D * mean;
        const squares = numerator.secondMoments[i] + tau * second - denominator.secondMoments[i] + D * second;
        const newMean = first / denominatorTotal;
        const newVariance = squares / denominatorTotal - newMean * newMean;
        if (!(newVariance > 0)) positive = false;
        means[i] = newMean;
        variances[i] = Math.max(newVariance, options.varianceFloor[d]);
      }
      if (positive) break;
      if (attempt === MAX_DOUBLINGS) {
        means.set(gmm.means.subarray(k * dim, (k + 1) * dim), k * dim);
        variances.set(gmm.variances.subarray(k * dim, (k + 1) * dim), k * dim);
      }
    }
  }
  return new DiagonalGmm(dim, { weights: gmm.weights, means, variances });
}
