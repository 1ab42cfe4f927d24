/**
 * Unsupervised speaker adaptation over a session: one fMLLR transform of the features
 * (src/acoustic/fmllr.ts), estimated from everything the speaker has said so far and refined
 * as utterances come. A session is one talker (a microphone, a socket connection, one
 * speaker's files in `beamline eval`), so what was learnt from the first utterances helps the
 * next ones.
 *
 * After each utterance, its recognised words are force-aligned to its features as the current
 * transform maps them; each aligned frame adds to the statistics with the posteriors of its
 * state's Gaussians, weighted by its word's confidence (a word probably misrecognised teaches
 * little), and silence frames at a small weight (they keep the transform from mapping the room's
 * noise onto speech, which would make words of it). The statistics start with τ frames of the
 * model's own Gaussians (`priorFrames`), so the transform begins at the identity and leaves it
 * only as the speaker's frames outweigh the prior. The statistics are kept on the untransformed
 * features, so each estimate uses all the speech heard so far.
 */
import { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { applyFmllr, estimateFmllr, FmllrStatistics } from '../acoustic/fmllr.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import type { FrameBlock } from '../frames/frame-block.ts';
import { spell, type UnitHmm } from '../graph/unit-hmm.ts';
import { buildUtteranceGraph } from '../graph/utterance-graph.ts';
import { type SpeechModel, unitsByName, unitStateBases } from '../io/speech-model.ts';
import { emissionScores } from '../scoring/emission-matrix.ts';
import type { HypothesisWord } from './online-decoder.ts';
import { viterbiAlign } from './viterbi-alignment.ts';

export interface SpeakerAdaptationOptions {
  /** Frames of the model's own Gaussians the statistics start with (τ). Default 200 (2 s). */
  readonly priorFrames?: number;
  /** Weight of a silence frame against a word frame of confidence 1. Default 0.1. */
  readonly silenceWeight?: number;
  /** Row sweeps per estimate, each started from the last estimate. Default 5. */
  readonly iterations?: number;
  /** Equal runs of consecutive features, each transformed from itself alone (3: statics, Δ, ΔΔ). Default 1: a full transform. */
  readonly blocks?: number;
  /**
   * MAP adaptation of the Gaussians' means (`adaptedGmms`): frames of the model's mean each
   * adapted mean is shrunk with (τ). Default 5.
   */
  readonly meanPriorFrames?: number;
  /**
   * What moves together in `adaptedGmms`. 'state' (the default): every Gaussian of a state by
   * one offset, Σ_k Σ γ_k (x' − μ_k) / (τ + Σ_k Σ γ_k), learnt from all the state's frames (x'
   * the transformed frames). 'gaussian': each Gaussian by its own frames, μ' = (τ μ + Σ γ x') /
   * (τ + Σ γ). On FSDD's held-out speakers (training split) 'state' took the connected WER from
   * 3.6% to 2.4% and the isolated from 3.3% to 3.1%: a state sees four times the frames each of
   * its Gaussians does.
   */
  readonly meanTying?: MeanTying;
  /**
   * Word frames (weighted by confidence) `learn` waits for before its first estimate. Default 0:
   * with the prior, estimating from the first word on measured best on FSDD's held-out speakers
   * (docs/BENCHMARKS.md). A talker far from the model, whose first words are mostly heard wrong,
   * can lock an early estimate onto a wrong mapping that later utterances confirm; waiting for a
   * few seconds of speech guards against that.
   */
  readonly minWordFrames?: number;
}

export const MEAN_TYINGS = ['state', 'gaussian'] as const;
export type MeanTying = (typeof MEAN_TYINGS)[number];

export const DEFAULT_SPEAKER_ADAPTATION: Required<SpeakerAdaptationOptions> = {
  priorFrames: 200,
  silenceWeight: 0.1,
  iterations: 5,
  blocks: 1,
  meanPriorFrames: 5,
  meanTying: 'state',
  minWordFrames: 0,
};

export class SpeakerAdaptation {
  readonly options: Required<SpeakerAdaptationOptions>;
  private readonly model: SpeechModel;
  private statistics: FmllrStatistics;
  /** The current transform; undefined until an utterance with words has been added. */
  private current: Float64Array | undefined;
  private utterancesAdded = 0;
  /** Word frames added, each weighted by its word's confidence. */
  private wordFramesAdded = 0;
  /** True for a snapshot: it learns nothing more. */
  private fixed = false;
  /** `learn` adds without re-estimating (a first pass over a talker's recordings). */
  private deferred = false;
  private readonly posteriors: Float64Array;
  /**
   * Per GMM, Σ γ x (components × dim) and Σ γ (components) of the frames added, x before the
   * transform: the statistics of `adaptedGmms`, which maps them through the transform of its
   * moment (the map is affine, so Σ γ (A x + b) = A Σ γ x + b Σ γ).
   */
  private meanSums: Float64Array[];
  private meanCounts: Float64Array[];
  /** The model's units by name and their state numbering, for the forced alignments. */
  private readonly units: Map<string, UnitHmm>;
  private readonly stateBases: Map<UnitHmm, number>;

  constructor(model: SpeechModel, options: SpeakerAdaptationOptions = {}) {
    this.model = model;
    this.options = validateSpeakerAdaptation(model, options);
    this.statistics = this.emptyStatistics();
    this.meanSums = model.gmms.map((gmm) => new Float64Array(gmm.components * gmm.dim));
    this.meanCounts = model.gmms.map((gmm) => new Float64Array(gmm.components));
    this.units = unitsByName(model);
    this.stateBases = unitStateBases(model.units);
    this.posteriors = new Float64Array(Math.max(...model.gmms.map((gmm) => gmm.components)));
  }

  /** W = [A b], row-major d × (d+1); undefined before the first utterance with words. */
  get transform(): Float64Array | undefined {
    return this.current;
  }

  /** Utterances with words added so far. */
  get utterances(): number {
    return this.utterancesAdded;
  }

  /** Word frames added so far, each weighted by its word's confidence. */
  get wordFrames(): number {
    return this.wordFramesAdded;
  }

  /** `features` as the current transform maps them (the same block while there is none). */
  apply(features: FrameBlock): FrameBlock {
    return this.current === undefined || features.count === 0 ? features : applyFmllr(features, this.current);
  }

  /**
   * What a session calls after each utterance (features before the transform, frames from 0, and
   * its recognised words): adds it and re-estimates the transform for the utterances that follow.
   */
  learn(features: FrameBlock, words: readonly HypothesisWord[]): void {
    this.add(features, words);
    if (!this.deferred && this.wordFramesAdded >= this.options.minWordFrames) this.estimate();
  }

  /**
   * From now on `learn` only collects, and the transform stays until `estimate` is called: a
   * first pass over all of a talker's recordings with one transform, so that what is learnt
   * does not depend on their order (a run of one word would otherwise pull the transform
   * towards that word's states).
   */
  deferEstimates(): this {
    this.deferred = true;
    return this;
  }

  /**
   * Adds an utterance to the statistics: its features (untransformed, frames from 0) and the
   * words recognised in them. The transform changes only at `estimate`.
   */
  add(features: FrameBlock, words: readonly HypothesisWord[]): void {
    if (this.fixed || words.length === 0 || features.count === 0) return;
    const { model, units } = this;
    const graph = buildUtteranceGraph(
      words.map((word) => spell([word.word], model.lexicon, units)),
      units.get(model.silenceUnit),
      this.stateBases,
    );
    const mapped = this.apply(features);
    const alignment = viterbiAlign(graph, emissionScores(graph, mapped, model.gmms), features.count);
    if (alignment.states.length === 0) return;
    const { posteriors, statistics } = this;
    const width = features.width;
    for (let t = 0; t < features.count; t++) {
      const state = alignment.states[t];
      const word = graph.wordOf[state];
      const weight = word < 0 ? this.options.silenceWeight : words[word].confidence;
      if (!(weight > 0)) continue;
      if (word >= 0) this.wordFramesAdded += weight;
      const gmm = model.gmms[graph.emissions[state]];
      gmm.componentLogLikelihoods(mapped.data, t * width, posteriors);
      let best = -Infinity;
      for (let k = 0; k < gmm.components; k++) best = Math.max(best, posteriors[k]);
      let sum = 0;
      for (let k = 0; k < gmm.components; k++) sum += posteriors[k] = Math.exp(posteriors[k] - best);
      for (let k = 0; k < gmm.components; k++) posteriors[k] /= sum;
      statistics.addFrame(features.data, t * width, gmm, posteriors, weight);
      const gmmIndex = graph.emissions[state];
      const sums = this.meanSums[gmmIndex];
      const counts = this.meanCounts[gmmIndex];
      for (let k = 0; k < gmm.components; k++) {
        const gamma = weight * posteriors[k];
        counts[k] += gamma;
        for (let d = 0; d < width; d++) sums[k * width + d] += gamma * features.data[t * width + d];
      }
    }
    this.utterancesAdded++;
  }

  /** Re-estimates the transform from everything added so far (no change before the first words). */
  estimate(): void {
    if (this.fixed || this.utterancesAdded === 0) return;
    this.current = estimateFmllr(this.statistics, { iterations: this.options.iterations, blocks: this.options.blocks, ...(this.current ? { initial: this.current } : {}) });
  }

  /**
   * The model's Gaussians with their means moved towards the talker's frames (MAP, as
   * `meanTying` says), from the frames added since the statistics were last cleared, as the
   * current transform maps them: the Gaussians to score the talker's transformed features with.
   * Means no frame reached stay where they are.
   */
  adaptedGmms(): DiagonalGmm[] {
    const { meanPriorFrames: tau, meanTying } = this.options;
    const transform = this.current;
    return this.model.gmms.map((gmm, g) => {
      const dim = gmm.dim;
      const sums = transform === undefined ? this.meanSums[g] : mapSums(this.meanSums[g], this.meanCounts[g], transform, dim);
      const counts = this.meanCounts[g];
      let means: Float64Array;
      if (meanTying === 'state') {
        // One offset for the state: Σ_k (Σ γ_k x' − Σ γ_k μ_k) over all its Gaussians.
        let total = 0;
        const offset = new Float64Array(dim);
        for (let k = 0; k < gmm.components; k++) {
          total += counts[k];
          for (let d = 0; d < dim; d++) offset[d] += sums[k * dim + d] - counts[k] * gmm.means[k * dim + d];
        }
        means = Float64Array.from(gmm.means, (mean, n) => mean + offset[n % dim] / (tau + total));
      } else {
        means = Float64Array.from(gmm.means, (mean, n) => {
          const count = counts[Math.floor(n / dim)];
          return count > 0 ? (tau * mean + sums[n]) / (tau + count) : mean;
        });
      }
      return new DiagonalGmm(dim, { weights: gmm.weights, means, variances: gmm.variances });
    });
  }

  /**
   * The talker as adapted so far, fixed: it applies the current transform and learns nothing
   * more (to decode a talker's recordings again with all that was learnt from them).
   */
  snapshot(): SpeakerAdaptation {
    const fixed = new SpeakerAdaptation(this.model, this.options);
    fixed.current = this.current;
    fixed.utterancesAdded = this.utterancesAdded;
    fixed.wordFramesAdded = this.wordFramesAdded;
    fixed.meanSums = this.meanSums;
    fixed.meanCounts = this.meanCounts;
    fixed.fixed = true;
    return fixed;
  }

  /**
   * Forgets the statistics but keeps the transform: the next utterances, aligned through it,
   * re-estimate it from where it is (another pass over the same recordings).
   */
  clearStatistics(): void {
    if (this.fixed) return;
    this.statistics = this.emptyStatistics();
    this.clearMeans();
    this.utterancesAdded = 0;
    this.wordFramesAdded = 0;
  }

  /**
   * What has been learnt of the talker, as plain JSON (about 0.9 MB of text with the digits
   * model): the statistics, the transform and the means' statistics, to go on from in a later
   * run (`SpeakerAdaptation.restore`).
   */
  toJSON(): TalkerState {
    return {
      format: TALKER_FORMAT,
      version: TALKER_VERSION,
      model: this.model.name,
      utterances: this.utterancesAdded,
      wordFrames: this.wordFramesAdded,
      transform: this.current === undefined ? null : [...this.current],
      statistics: { frames: this.statistics.frames, linear: [...this.statistics.linear], quadratic: [...this.statistics.quadratic] },
      meanSums: this.meanSums.map((sums) => [...sums]),
      meanCounts: this.meanCounts.map((counts) => [...counts]),
    };
  }

  /**
   * A talker saved by `toJSON`, for the same model, learning on from where it was. Anything that
   * does not fit the model (another model's talker, a truncated or edited file) is a
   * DATA_INVALID error naming the field.
   */
  static restore(model: SpeechModel, state: unknown, options: SpeakerAdaptationOptions = {}): SpeakerAdaptation {
    const invalid = (message: string): BeamlineError => new BeamlineError(ERROR_CODES.DATA_INVALID, `talker: ${message}`);
    if (typeof state !== 'object' || state === null) throw invalid('not a JSON object');
    const saved = state as Partial<Record<keyof TalkerState, unknown>>;
    if (saved.format !== TALKER_FORMAT) throw invalid(`format must be ${JSON.stringify(TALKER_FORMAT)}; got ${JSON.stringify(saved.format)}`);
    if (saved.version !== TALKER_VERSION) throw invalid(`version ${JSON.stringify(saved.version)} is not one this beamline reads (${TALKER_VERSION})`);
    if (saved.model !== model.name) throw invalid(`learnt with the model ${JSON.stringify(saved.model)}, not ${JSON.stringify(model.name)}: a talker is tied to its model's features`);
    const dim = model.gmms[0].dim;
    const numbers = (field: string, value: unknown, length: number): Float64Array => {
      if (!Array.isArray(value) || value.length !== length || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw invalid(`${field} must be ${length} finite number${length === 1 ? '' : 's'}`);
      }
      return Float64Array.from(value as number[]);
    };
    const count = (field: string, value: unknown): number => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(`${field} must be a number ≥ 0; got ${JSON.stringify(value)}`);
      return value;
    };
    const talker = new SpeakerAdaptation(model, options);
    talker.utterancesAdded = count('utterances', saved.utterances);
    talker.wordFramesAdded = count('wordFrames', saved.wordFrames);
    talker.current = saved.transform === null ? undefined : numbers('transform', saved.transform, dim * (dim + 1));
    const statistics = saved.statistics as { frames?: unknown; linear?: unknown; quadratic?: unknown } | undefined;
    if (typeof statistics !== 'object' || statistics === null) throw invalid('statistics missing');
    talker.statistics.frames = count('statistics.frames', statistics.frames);
    talker.statistics.linear.set(numbers('statistics.linear', statistics.linear, talker.statistics.linear.length));
    talker.statistics.quadratic.set(numbers('statistics.quadratic', statistics.quadratic, talker.statistics.quadratic.length));
    const perGmm = (field: string, value: unknown, sizeOf: (gmm: DiagonalGmm) => number): Float64Array[] => {
      if (!Array.isArray(value) || value.length !== model.gmms.length) throw invalid(`${field} must have one list per GMM of the model (${model.gmms.length})`);
      return model.gmms.map((gmm, g) => numbers(`${field}[${g}]`, value[g], sizeOf(gmm)));
    };
    talker.meanSums = perGmm('meanSums', saved.meanSums, (gmm) => gmm.components * gmm.dim);
    talker.meanCounts = perGmm('meanCounts', saved.meanCounts, (gmm) => gmm.components);
    return talker;
  }

  /** Forgets the speaker: a new talker starts from the identity. */
  reset(): void {
    this.statistics = this.emptyStatistics();
    this.clearMeans();
    this.current = undefined;
    this.utterancesAdded = 0;
    this.wordFramesAdded = 0;
  }

  private clearMeans(): void {
    this.meanSums = this.model.gmms.map((gmm) => new Float64Array(gmm.components * gmm.dim));
    this.meanCounts = this.model.gmms.map((gmm) => new Float64Array(gmm.components));
  }

  /** The prior alone: built once per model and prior (about 30 ms for the digits model), then copied. */
  private emptyStatistics(): FmllrStatistics {
    const { gmms } = this.model;
    const { priorFrames } = this.options;
    let byPrior = priorStatistics.get(gmms);
    if (byPrior === undefined) priorStatistics.set(gmms, (byPrior = new Map()));
    let prior = byPrior.get(priorFrames);
    if (prior === undefined) {
      prior = new FmllrStatistics(gmms[0].dim);
      prior.addModelPrior(gmms, priorFrames);
      byPrior.set(priorFrames, prior);
    }
    return prior.clone();
  }
}

const TALKER_FORMAT = 'beamline-talker';
const TALKER_VERSION = 1;

/** A talker as `SpeakerAdaptation.toJSON` writes it. */
export interface TalkerState {
  readonly format: typeof TALKER_FORMAT;
  readonly version: typeof TALKER_VERSION;
  /** The model's name: the statistics are in its feature space. */
  readonly model: string;
  readonly utterances: number;
  readonly wordFrames: number;
  /** W = [A b], row-major d × (d+1); null before the first estimate. */
  readonly transform: number[] | null;
  /** The fMLLR statistics, the model prior included (FmllrStatistics' layout). */
  readonly statistics: { readonly frames: number; readonly linear: number[]; readonly quadratic: number[] };
  /** Per GMM, Σ γ x per component (components × dim) and Σ γ per component. */
  readonly meanSums: number[][];
  readonly meanCounts: number[][];
}

/** Σ γ (A x + b) per component from Σ γ x and Σ γ, W = [A b] row-major dim × (dim + 1). */
function mapSums(sums: Float64Array, counts: Float64Array, transform: Float64Array, dim: number): Float64Array {
  const mapped = new Float64Array(sums.length);
  for (let k = 0; k < counts.length; k++) {
    for (let i = 0; i < dim; i++) {
      const row = i * (dim + 1);
      let value = transform[row + dim] * counts[k];
      for (let j = 0; j < dim; j++) value += transform[row + j] * sums[k * dim + j];
      mapped[k * dim + i] = value;
    }
  }
  return mapped;
}

const priorStatistics = new WeakMap<readonly DiagonalGmm[], Map<number, FmllrStatistics>>();

/** The settings with their defaults filled in; a RangeError names a bad one. */
export function validateSpeakerAdaptation(model: SpeechModel, options: SpeakerAdaptationOptions): Required<SpeakerAdaptationOptions> {
  const settings = { ...DEFAULT_SPEAKER_ADAPTATION, ...options };
  const { priorFrames, silenceWeight, iterations, minWordFrames, blocks } = settings;
  const dim = model.gmms[0].dim;
  if (!(priorFrames >= 0)) throw new RangeError(`speaker adaptation: priorFrames must be ≥ 0; got ${priorFrames}`);
  if (!(silenceWeight >= 0 && silenceWeight <= 1)) throw new RangeError(`speaker adaptation: silenceWeight must be in [0, 1]; got ${silenceWeight}`);
  if (!(settings.meanPriorFrames > 0)) throw new RangeError(`speaker adaptation: meanPriorFrames must be > 0; got ${settings.meanPriorFrames}`);
  if (!MEAN_TYINGS.includes(settings.meanTying)) throw new RangeError(`speaker adaptation: meanTying must be one of ${MEAN_TYINGS.join(', ')}; got ${JSON.stringify(settings.meanTying)}`);
  if (!(minWordFrames >= 0)) throw new RangeError(`speaker adaptation: minWordFrames must be ≥ 0; got ${minWordFrames}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`speaker adaptation: iterations must be a positive integer; got ${iterations}`);
  if (!Number.isInteger(blocks) || blocks < 1 || dim % blocks !== 0) throw new RangeError(`speaker adaptation: blocks must divide the ${dim} features; got ${blocks}`);
  return settings;
}
