/**
 * Embedded training of unit HMMs from transcripts without time marks, the classic recipe:
 *
 *   1. flat start: every state's GMM is one Gaussian with the global mean and variance;
 *   2. an equal-length first alignment: each utterance's frames are shared equally among the
 *      states of its words (silence left out), and the GMMs and transitions estimated from it;
 *   3. passes of Viterbi training (realign with the current model, re-estimate) and/or
 *      Baum-Welch (forward-backward occupancies) over each utterance's word models joined with
 *      optional silence, growing the mixtures by splitting between passes (1 → 2 → 4 → …).
 *
 * Every pass reports the total log-likelihood of the data, so a run can be plotted and checked.
 */
import { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { FeatureTransformStage, transformConfig } from '../features/feature-transform.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import type { FrameBlock } from '../frames/frame-block.ts';
import { buildUtteranceGraph, type UtteranceGraph } from '../graph/utterance-graph.ts';
import { setSelfLoop, spell, type Lexicon, type UnitHmm } from '../graph/unit-hmm.ts';
import { unitStateBases } from '../io/speech-model.ts';
import { LOG_ZERO } from '../math/log-space.ts';
import { emissionScores } from '../scoring/emission-matrix.ts';
import type { GmmScoringKind } from '../scoring/gmm-scorer.ts';
import { viterbiAlign } from '../search/viterbi-alignment.ts';
import { forwardBackward } from './forward-backward.ts';
import { DiagonalGmmAccumulator, FullGmmAccumulator, splitGmm, type EstimationStats } from './gmm-accumulator.ts';
import type { GaussianScatter } from './semi-tied-transform.ts';

export interface TrainingUtterance {
  /** Where it came from, for messages. */
  readonly id: string;
  readonly features: FrameBlock;
  readonly words: readonly string[];
}

export type PassMethod = 'viterbi' | 'baum-welch';

export interface TrainingPass {
  /** Mixture components per state during this pass (never fewer than before). */
  readonly components: number;
  readonly method: PassMethod;
}

export interface HmmTrainingOptions {
  /** The passes after the equal-length alignment, in order. */
  readonly passes: readonly TrainingPass[];
  /** Probability of each optional silence in the utterance graphs. Default 0.5. */
  readonly silenceProbability?: number;
  /** Variance floor as a fraction of the global variance. Default 0.01. */
  readonly varianceFloorFraction?: number;
  /** Lowest and highest self-loop probability a state may get. Default [0.05, 0.95]. */
  readonly selfLoopRange?: readonly [number, number];
  /** Baum-Welch: frame-state occupancies below this are skipped (they add nothing visible). Default 1e-4. */
  readonly occupancyThreshold?: number;
  /** How the alignments score frames: 'exact' (default, double precision) or the faster 'simd' kernel. */
  readonly scoring?: GmmScoringKind;
  /**
   * Give the quiet edges of each utterance to its leading and trailing silence in the
   * equal-length alignment (absent: every frame goes to the words).
   */
  readonly edgeSilence?: EdgeSilence;
}

/**
 * Where speech starts and ends, for the first alignment: the first and last frame whose value in
 * `dimension` (the frame energy, c0) comes within `belowPeak` of the utterance's highest.
 * Without it, the first alignment hands padding to the words' states, and the words learn to
 * swallow the pauses around them.
 */
export interface EdgeSilence {
  readonly dimension: number;
  readonly belowPeak: number;
}

export interface PassReport {
  /** 0 for the equal-length alignment, then 1, 2, … */
  readonly pass: number;
  readonly method: PassMethod | 'equal-alignment';
  readonly components: number;
  /** Total log-likelihood of the training data under the model the pass started from (Viterbi: best-path scores). */
  readonly logLikelihood: number;
  /** Log-likelihood per frame, comparable across data sets. */
  readonly logLikelihoodPerFrame: number;
  /** Utterances no path of the graph could explain (too short for their words). */
  readonly skippedUtterances: number;
  readonly stats: EstimationStats;
}

export interface HmmTopology {
  /** Every unit, silence included, with emissions numbered 0..N−1 unit by unit. */
  readonly units: readonly UnitHmm[];
  readonly silenceUnit: string;
  readonly lexicon: Lexicon;
}

interface PreparedUtterance {
  /** Replaced when the features are transformed. */
  utterance: TrainingUtterance;
  readonly graph: UtteranceGraph;
  /** The graph's states without optional silence, for the equal-length alignment. */
  readonly wordStates: number[];
}

/** Mean and variance per dimension over every frame of the blocks (no joined copy). */
function blockMoments(blocks: readonly FrameBlock[], dim: number): { mean: Float64Array; variance: Float64Array } {
  const sum = new Float64Array(dim);
  const squares = new Float64Array(dim);
  let count = 0;
  for (const block of blocks) {
    for (let i = 0; i < block.count * dim; i++) {
      const value = block.data[i];
      sum[i % dim] += value;
      squares[i % dim] += value * value;
    }
    count += block.count;
  }
  const mean = sum.map((value) => value / count);
  const variance = squares.map((value, d) => value / count - mean[d] * mean[d]);
  return { mean, variance };
}

export class HmmTrainer {
  readonly topology: HmmTopology;
  gmms: DiagonalGmm[];
  private readonly options: Required<Omit<HmmTrainingOptions, 'edgeSilence'>>;
  private readonly prepared: PreparedUtterance[];
  private readonly edgeSilence: EdgeSilence | undefined;
  private dim: number;
  private floor: Float64Array;
  private readonly stateCount: number;
  readonly reports: PassReport[] = [];

  constructor(topology: HmmTopology, utterances: readonly TrainingUtterance[], options: HmmTrainingOptions) {
    this.topology = topology;
    this.options = {
      silenceProbability: 0.5,
      varianceFloorFraction: 0.01,
      selfLoopRange: [0.05, 0.95],
      occupancyThreshold: 1e-4,
      scoring: 'exact',
      ...options,
    };
    this.edgeSilence = options.edgeSilence;
    if (utterances.length === 0) throw new BeamlineError(ERROR_CODES.DATA_INVALID, 'training needs at least one utterance');
    this.dim = utterances[0].features.width;
    const units = new Map(topology.units.map((unit) => [unit.name, unit]));
    const silence = units.get(topology.silenceUnit);
    if (silence === undefined) throw new BeamlineError(ERROR_CODES.MODEL_INVALID, `no silence unit named ${JSON.stringify(topology.silenceUnit)}`);
    const bases = unitStateBases(topology.units);
    this.stateCount = topology.units.reduce((sum, unit) => sum + unit.emissions.length, 0);
    this.prepared = utterances.map((utterance) => {
      if (utterance.features.width !== this.dim) {
        throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${utterance.id}: features are ${utterance.features.width} wide, others ${this.dim}`);
      }
      const words = utterance.words.map((word) => spell([word], topology.lexicon, units));
      const graph = buildUtteranceGraph(words, silence, bases, { silenceProbability: this.options.silenceProbability });
      const wordStates: number[] = [];
      for (let s = 0; s < graph.stateCount; s++) if (graph.wordOf[s] >= 0) wordStates.push(s);
      return { utterance, graph, wordStates };
    });
    const { mean, variance } = blockMoments(this.prepared.map(({ utterance }) => utterance.features), this.dim);
    this.floor = variance.map((v) => v * this.options.varianceFloorFraction);
    // Flat start: every state is the global Gaussian.
    this.gmms = Array.from({ length: this.stateCount }, () => new DiagonalGmm(this.dim, { weights: [1], means: mean, variances: variance }));
  }

  /** Per-dimension variance floor: a fraction of the training data's global variance (in the current feature space). */
  get varianceFloor(): Float64Array {
    return this.floor;
  }

  /** Runs the equal-length alignment and every configured pass; `onPass` hears each report. */
  train(onPass?: (report: PassReport) => void): PassReport[] {
    const first = this.equalAlignment();
    onPass?.(first);
    this.options.passes.forEach((pass, index) => {
      const report = this.runPass(index + 1, pass);
      onPass?.(report);
    });
    return this.reports;
  }

  /** The training utterances as training sees them now (transformed, after `transformFeatures`). */
  get utterances(): TrainingUtterance[] {
    return this.prepared.map(({ utterance }) => utterance);
  }

  /** Further passes after `train()` (numbered on from the last), for example after `transformFeatures`. */
  runPasses(passes: readonly TrainingPass[], onPass?: (report: PassReport) => void): void {
    for (const pass of passes) {
      // Run first: `onPass?.(this.runPass(…))` would skip the pass when no one listens.
      const report = this.runPass(this.reports.length, pass);
      onPass?.(report);
    }
  }

  /**
   * Every Gaussian's occupancy and full covariance over the training data, from a Viterbi
   * alignment with the current model (frames shared among a state's components by their
   * posteriors): what a semi-tied transform is estimated from. State-major, component-minor.
   */
  gaussianScatter(): GaussianScatter[] {
    const accumulators = this.gmms.map((gmm) => new FullGmmAccumulator(gmm.components, this.dim));
    for (const { utterance, graph } of this.prepared) {
      const T = utterance.features.count;
      const alignment = viterbiAlign(graph, emissionScores(graph, utterance.features, this.gmms, this.options.scoring), T);
      if (alignment.logLikelihood === LOG_ZERO) continue;
      for (let t = 0; t < T; t++) {
        const emission = graph.emissions[alignment.states[t]];
        accumulators[emission].addSoft(this.gmms[emission], utterance.features.data, t * this.dim);
      }
    }
    const dim = this.dim;
    return accumulators.flatMap((accumulator) =>
      Array.from({ length: accumulator.components }, (_, k) => {
        const occupancy = accumulator.occupancy[k];
        const mean = new Float64Array(dim);
        const covariance = new Float64Array(dim * dim);
        if (occupancy > 0) {
          const sums = accumulator.firstMoments.subarray(k * dim, (k + 1) * dim);
          for (let i = 0; i < dim; i++) mean[i] = sums[i] / occupancy;
          const outer = accumulator.outerProducts[k];
          for (let i = 0; i < dim; i++) {
            for (let j = 0; j < dim; j++) covariance[i * dim + j] = outer[i * dim + j] / occupancy - mean[i] * mean[j];
          }
        }
        return { occupancy, mean, covariance };
      }),
    );
  }

  /**
   * Moves training into the space x' = A x (A row-major R × D, R ≤ D: a rotation, or a
   * projection onto fewer dimensions): every utterance's features are transformed, the variance
   * floor recomputed there, and each Gaussian becomes mean A μ and variances diag(A W Aᵀ) from
   * its scatter W (from its old variances where it had no data), so the next pass starts from
   * the model the transform was estimated for.
   */
  transformFeatures(transform: Float64Array, scatter: readonly GaussianScatter[], rows = this.dim): void {
    const dim = this.dim;
    if (transform.length !== rows * dim || rows < 1 || rows > dim) {
      throw new RangeError(`transformFeatures needs a ${rows} × ${dim} matrix (1 to ${dim} rows); got ${transform.length} values`);
    }
    const apply = (x: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void => {
      for (let i = 0; i < rows; i++) {
        let sum = 0;
        for (let j = 0; j < dim; j++) sum += transform[i * dim + j] * x[offset + j];
        out[outOffset + i] = sum;
      }
    };
    // The front end's own stage, so training sees exactly the features decoding will.
    const stage = new FeatureTransformStage(dim, transformConfig(transform, dim, rows));
    for (const prepared of this.prepared) prepared.utterance = { ...prepared.utterance, features: stage.push(prepared.utterance.features) };
    const { variance } = blockMoments(this.prepared.map(({ utterance }) => utterance.features), rows);
    this.floor = variance.map((v) => v * this.options.varianceFloorFraction);
    let gaussian = 0;
    this.gmms = this.gmms.map((gmm) => {
      const means = new Float64Array(gmm.components * rows);
      const variances = new Float64Array(gmm.components * rows);
      for (let k = 0; k < gmm.components; k++, gaussian++) {
        apply(gmm.means, k * dim, means, k * rows);
        const { occupancy, covariance } = scatter[gaussian];
        for (let i = 0; i < rows; i++) {
          let value = 0;
          for (let j = 0; j < dim; j++) {
            const aij = transform[i * dim + j];
            if (occupancy > 0) {
              for (let l = 0; l < dim; l++) value += aij * covariance[j * dim + l] * transform[i * dim + l];
            } else {
              value += aij * aij * gmm.variances[k * dim + j];
            }
          }
          variances[k * rows + i] = Math.max(value, this.varianceFloor[i]);
        }
      }
      return new DiagonalGmm(rows, { weights: gmm.weights, means, variances });
    });
    this.dim = rows;
  }

  private totalFrames(): number {
    return this.prepared.reduce((sum, p) => sum + p.utterance.features.count, 0);
  }

  private newAccumulators(): DiagonalGmmAccumulator[] {
    return this.gmms.map((gmm) => new DiagonalGmmAccumulator(gmm.components, this.dim));
  }

  /**
   * Step 2 of the recipe: frames shared equally among each utterance's word states (with
   * `edgeSilence`, its quiet edges among the states of its leading and trailing silence).
   */
  equalAlignment(): PassReport {
    const accumulators = this.newAccumulators();
    const transitions = new Float64Array(2 * this.stateCount);
    let skipped = 0;
    let logLikelihood = 0;
    for (const { utterance, graph, wordStates } of this.prepared) {
      const T = utterance.features.count;
      const N = wordStates.length;
      // Utterances without words (noise only) teach the silence model, which this step leaves out.
      if (N === 0) continue;
      if (T < N) {
        skipped++;
        continue;
      }
      const sequence = this.equalSequence(utterance.features, graph, wordStates);
      let previous = -1;
      for (let t = 0; t < T; t++) {
        const state = sequence[t];
        const emission = graph.emissions[state];
        logLikelihood += accumulators[emission].addSoft(this.gmms[emission], utterance.features.data, t * this.dim);
        if (previous >= 0) transitions[2 * graph.unitStateOf[previous] + (previous === state ? 0 : 1)]++;
        previous = state;
      }
      transitions[2 * graph.unitStateOf[previous] + 1]++;
    }
    const stats = this.reestimate(accumulators, transitions);
    return this.report({ pass: 0, method: 'equal-alignment', components: 1, logLikelihood, skippedUtterances: skipped, stats });
  }

  /** The state of every frame in the equal-length alignment: silence at the quiet edges when asked, the words in between. */
  private equalSequence(features: FrameBlock, graph: UtteranceGraph, wordStates: readonly number[]): Int32Array {
    const T = features.count;
    const sequence = new Int32Array(T);
    const share = (states: readonly number[], from: number, to: number): void => {
      for (let t = from; t < to; t++) sequence[t] = states[Math.floor(((t - from) * states.length) / (to - from))];
    };
    let start = 0;
    let end = T;
    const leading: number[] = [];
    const trailing: number[] = [];
    if (this.edgeSilence !== undefined) {
      const { dimension, belowPeak } = this.edgeSilence;
      const value = (t: number): number => features.data[t * features.width + dimension];
      let peak = -Infinity;
      for (let t = 0; t < T; t++) peak = Math.max(peak, value(t));
      while (start < T && value(start) < peak - belowPeak) start++;
      while (end > start && value(end - 1) < peak - belowPeak) end--;
      for (let s = 0; s < wordStates[0]; s++) if (graph.wordOf[s] < 0) leading.push(s);
      for (let s = wordStates[wordStates.length - 1] + 1; s < graph.stateCount; s++) if (graph.wordOf[s] < 0) trailing.push(s);
      // An edge too short for its silence's states stays with the words.
      if (start < leading.length || leading.length === 0) start = 0;
      if (T - end < trailing.length || trailing.length === 0) end = T;
      if (end - start < wordStates.length) {
        start = 0;
        end = T;
      }
    }
    if (start > 0) share(leading, 0, start);
    share(wordStates, start, end);
    if (end < T) share(trailing, end, T);
    return sequence;
  }

  private runPass(pass: number, { components, method }: TrainingPass): PassReport {
    if (components > this.gmms[0].components) this.gmms = this.gmms.map((gmm) => splitGmm(gmm, components));
    const accumulators = this.newAccumulators();
    const transitions = new Float64Array(2 * this.stateCount);
    let logLikelihood = 0;
    let skipped = 0;
    for (const { utterance, graph } of this.prepared) {
      const T = utterance.features.count;
      const scores = emissionScores(graph, utterance.features, this.gmms, this.options.scoring);
      const S = graph.stateCount;
      if (method === 'viterbi') {
        const alignment = viterbiAlign(graph, scores, T);
        if (alignment.logLikelihood === LOG_ZERO) {
          skipped++;
          continue;
        }
        logLikelihood += alignment.logLikelihood;
        for (let t = 0; t < T; t++) {
          const state = alignment.states[t];
          const emission = graph.emissions[state];
          accumulators[emission].addSoft(this.gmms[emission], utterance.features.data, t * this.dim);
          if (t > 0) {
            const previous = alignment.states[t - 1];
            transitions[2 * graph.unitStateOf[previous] + (previous === state ? 0 : 1)]++;
          }
        }
        transitions[graph.finalTransition[alignment.states[T - 1]]]++;
        continue;
      }
      const result = forwardBackward(graph, scores, T);
      if (result.logLikelihood === LOG_ZERO) {
        skipped++;
        continue;
      }
      logLikelihood += result.logLikelihood;
      for (let t = 0; t < T; t++) {
        for (let s = 0; s < S; s++) {
          const occupancy = result.stateOccupancy[t * S + s];
          if (occupancy < this.options.occupancyThreshold) continue;
          const emission = graph.emissions[s];
          accumulators[emission].addSoft(this.gmms[emission], utterance.features.data, t * this.dim, occupancy);
        }
      }
      for (let a = 0; a < result.arcOccupancy.length; a++) transitions[graph.arcTransition[a]] += result.arcOccupancy[a];
      for (let s = 0; s < S; s++) if (graph.finalTransition[s] >= 0) transitions[graph.finalTransition[s]] += result.finalOccupancy[s];
    }
    const stats = this.reestimate(accumulators, transitions);
    return this.report({ pass, method, components, logLikelihood, skippedUtterances: skipped, stats });
  }

  private reestimate(accumulators: DiagonalGmmAccumulator[], transitions: Float64Array): EstimationStats {
    const stats: EstimationStats = { flooredVariances: 0, collapsedComponents: 0 };
    this.gmms = this.gmms.map((gmm, i) => {
      const estimated = accumulators[i].estimate({ varianceFloor: this.varianceFloor }, gmm);
      stats.flooredVariances += estimated.stats.flooredVariances;
      stats.collapsedComponents += estimated.stats.collapsedComponents;
      return estimated.gmm;
    });
    const [low, high] = this.options.selfLoopRange;
    let id = 0;
    for (const unit of this.topology.units) {
      for (let j = 0; j < unit.emissions.length; j++, id++) {
        const stay = transitions[2 * id];
        const leave = transitions[2 * id + 1];
        if (stay + leave > 0) setSelfLoop(unit, j, Math.min(high, Math.max(low, stay / (stay + leave))));
      }
    }
    return stats;
  }

  private report(fields: Omit<PassReport, 'logLikelihoodPerFrame'>): PassReport {
    const report = { ...fields, logLikelihoodPerFrame: fields.logLikelihood / this.totalFrames() };
    this.reports.push(report);
    return report;
  }
}
