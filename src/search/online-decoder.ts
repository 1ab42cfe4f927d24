/**
 * The online decoder: frame-synchronous Viterbi token passing over a decoding graph, with beam
 * and max-active pruning, word-level backpointers, partial hypotheses with their stable prefix,
 * finals with word times, confidences and optional N-best, and endpointing.
 *
 * Life cycle (the stepper contract of DESIGN.md): `push(features)` decodes every frame of the
 * block and returns the events it caused (partials when the best hypothesis changes, a final at
 * each endpoint); `finish()` ends the input and returns the last final; `finalize()` ends the
 * current utterance now (push-to-talk) and goes on; `reset()` starts a new stream. After an
 * endpoint the decoder emits the final, starts a new utterance and goes on; times stay global
 * to the stream. Features must have the model's width; the decoder keeps no reference to them
 * after `push` returns.
 *
 * Per frame t: (1) every surviving token (emitting states at t − 1, grammar nodes after t − 1)
 * follows its arcs into emitting states, keeping the best score per state; (2) each reached
 * state adds its acoustic score, pulled from the frame scorer; (3) tokens below the best minus
 * `beam`, or below the max-active cutoff (the k-th best score, by quickselect), are dropped;
 * (4) surviving tokens at the ends of words follow their exits into grammar nodes, each word end
 * within `wordEndBeam` of the best leaving a backpointer record. All token storage is typed
 * arrays allocated once; records grow by doubling and are compacted when they pile up.
 *
 * Confidence: the word-end posterior. At the frame a word ends, every word end reached by a
 * surviving token competes: posterior(w) = Σ_{ends of w} e^{c·score} / Σ_{all word ends} e^{c·score},
 * with c = confidenceScale (acoustic log-likelihoods are far too sharp as probabilities; c < 1
 * flattens them, as lattice posteriors use an acoustic scale).
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { checkChoice, checkInteger, checkKnownFields, checkLimit, checkNumber, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import type { FrameBlock } from '../frames/frame-block.ts';
import { type DecodingGraph, NO_WORD, SILENCE_WORD, wordEndsInFinal } from '../graph/decoding-graph.ts';
import { LOG_ZERO, logAdd } from '../math/log-space.ts';
import { FrameScorer } from '../scoring/frame-scorer.ts';
import { GMM_SCORING_KINDS, type GmmScoringKind } from '../scoring/gmm-scorer.ts';
import { DEFAULT_ENDPOINT_CONFIG, type EndpointConfig, type EndpointFacts, endpointRule, validateEndpointConfig } from './endpoint.ts';
import { WordBackpointers } from './word-backpointers.ts';

export interface DecoderConfig {
  /** Tokens more than this below the frame's best are dropped (log-likelihood units; Infinity: none). Default 120 (no accuracy lost against no pruning on FSDD's training split; 100 lost 0.1%). Larger: slower, fewer search errors. */
  readonly beam: number;
  /** At most this many tokens survive a frame (Infinity: no limit). Default 1000. Larger: slower, fewer search errors. */
  readonly maxActive: number;
  /** Word ends more than this below the frame's best leave no record (Infinity: none dropped). Default 80. Larger: more alternatives and better confidences, more memory. */
  readonly wordEndBeam: number;
  /** Multiplies acoustic log-likelihoods. Range (0, 10]. Default 1. Smaller: HMM transitions and the grammar weigh more. */
  readonly acousticScale: number;
  /** Scale c of the word-end posterior (see above). Range (0, 1]. Default 0.03 (best cross-entropy on held-out FSDD training-split data). Smaller: less extreme confidences. */
  readonly confidenceScale: number;
  /** Alternatives (N-best) attached to finals, the best included. Range 0–100; 0 attaches none. Default 0. */
  readonly nBest: number;
  /** Emit partial hypotheses. Default true. */
  readonly partials: boolean;
  /**
   * When the partial is looked at: after every 'frame' (default), or once at the end of each
   * 'push'. A server that answers each audio message with one partial needs no more than 'push',
   * which saves a traceback per frame and the events no one would see before the next.
   */
  readonly partialsEvery: PartialsEvery;
  /** How GMMs are scored: 'simd' (default; the WebAssembly SIMD kernel, single-precision sums, about five times faster) or 'exact' (double precision; the reference). 'simd' falls back to 'exact' where WebAssembly SIMD is missing. */
  readonly scoring: GmmScoringKind;
  readonly endpoint: EndpointConfig;
}

export const PARTIALS_EVERY = ['frame', 'push'] as const;
export type PartialsEvery = (typeof PARTIALS_EVERY)[number];

export const DEFAULT_DECODER_CONFIG: DecoderConfig = {
  beam: 120,
  maxActive: 1000,
  wordEndBeam: 80,
  acousticScale: 1,
  confidenceScale: 0.03,
  nBest: 0,
  partials: true,
  partialsEvery: 'frame',
  scoring: 'simd',
  endpoint: DEFAULT_ENDPOINT_CONFIG,
};

export type DecoderOverrides = Partial<Omit<DecoderConfig, 'endpoint'>> & { endpoint?: Partial<EndpointConfig> };

export function decoderConfig(overrides: DecoderOverrides = {}): DecoderConfig {
  return validateDecoderConfig({
    ...DEFAULT_DECODER_CONFIG,
    ...overrides,
    endpoint: { ...DEFAULT_DECODER_CONFIG.endpoint, ...overrides.endpoint },
  });
}

export function validateDecoderConfig(value: unknown, owner = 'decoder'): DecoderConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['beam', 'maxActive', 'wordEndBeam', 'acousticScale', 'confidenceScale', 'nBest', 'partials', 'partialsEvery', 'scoring', 'endpoint']);
  checkLimit(owner, 'beam', config.beam, 0.001);
  checkLimit(owner, 'maxActive', config.maxActive, 1);
  if (Number.isFinite(config.maxActive)) checkInteger(owner, 'maxActive', config.maxActive, 1, 1e9);
  checkLimit(owner, 'wordEndBeam', config.wordEndBeam, 0);
  checkNumber(owner, 'acousticScale', config.acousticScale, 1e-6, 10);
  checkNumber(owner, 'confidenceScale', config.confidenceScale, 1e-6, 1);
  checkInteger(owner, 'nBest', config.nBest, 0, 100);
  if (typeof config.partials !== 'boolean') checkObject(`${owner}.partials (a boolean)`, config.partials);
  checkChoice(owner, 'partialsEvery', config.partialsEvery, PARTIALS_EVERY);
  if (!GMM_SCORING_KINDS.includes(config.scoring as GmmScoringKind)) {
    throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `${owner}.scoring must be one of ${GMM_SCORING_KINDS.join(', ')}; got ${JSON.stringify(config.scoring)}`);
  }
  validateEndpointConfig(config.endpoint, `${owner}.endpoint`);
  return config as unknown as DecoderConfig;
}

export interface HypothesisWord {
  readonly word: string;
  /** Seconds from the start of the stream. */
  readonly start: number;
  readonly end: number;
  /** Word-end posterior in 0..1. */
  readonly confidence: number;
  /** Frames from the start of the stream, inclusive. */
  readonly startFrame: number;
  readonly endFrame: number;
}

export interface PartialHypothesis {
  readonly type: 'partial';
  /** Utterance number in the stream, from 0. */
  readonly utterance: number;
  /** Words of the best path so far, the word being spoken included. */
  readonly words: readonly string[];
  /** The first `stable` words are on every surviving path: they can no longer change. */
  readonly stable: number;
  readonly text: string;
}

export type FinalReason = 'endpoint' | 'end-of-input' | 'finalize';

export interface FinalHypothesis {
  readonly type: 'final';
  readonly utterance: number;
  readonly words: readonly HypothesisWord[];
  readonly text: string;
  /** Log score of the path (acoustic × scale + transitions + grammar). */
  readonly score: number;
  /** False when no path reached the end of the grammar: then there are no words (none of a sentence survived). */
  readonly complete: boolean;
  /** Present when the utterance was cut off inside its last word (or silence), which is counted. */
  readonly endedInsideWord?: true;
  readonly reason: FinalReason;
  /** Index of the endpoint rule that fired, when reason is 'endpoint'. */
  readonly endpointRule?: number;
  /** Seconds of the stream this utterance covered. */
  readonly start: number;
  readonly end: number;
  /** The same in frames: the utterance is frames firstFrame .. firstFrame + frameCount − 1 of the stream. */
  readonly firstFrame: number;
  readonly frameCount: number;
  /** N-best alternatives (distinct word sequences, best first), when asked for. */
  readonly alternatives?: readonly { readonly text: string; readonly score: number }[];
  /**
   * With 'speaker' adaptation (a RecognitionSession's finals): utterances with words the talker
   * has been learnt from, this one included; their transform applies from the next utterance.
   */
  readonly talkerUtterances?: number;
}

export type DecoderEvent = PartialHypothesis | FinalHypothesis;

export interface DecoderStats {
  readonly frames: number;
  /** Sum over frames of tokens surviving pruning (divide by frames for the mean). */
  readonly activeTokens: number;
  readonly maxActiveTokens: number;
  readonly gmmEvaluations: number;
  /** Backpointer records currently held, and the most ever held. */
  readonly records: number;
  readonly maxRecords: number;
}

export interface DecoderTiming {
  /** Seconds per frame (the front end's frame shift). */
  readonly frameShiftSec: number;
}

const COMPACT_AT = 4096;

export class OnlineDecoder {
  readonly config: DecoderConfig;
  readonly graph: DecodingGraph;
  readonly latencyFrames = 0;
  private readonly scorer: FrameScorer;
  private readonly dim: number;
  private readonly frameShiftSec: number;

  // Emitting tokens, double-buffered: [current, next].
  private tokenScore: [Float64Array, Float64Array];
  private tokenRecord: [Int32Array, Int32Array];
  private tokenList: [Int32Array, Int32Array];
  private tokenCount = [0, 0];
  private current = 0;
  private readonly inNext: Float64Array;
  private serial = 0;
  // Tokens in non-emitting (grammar) nodes between frames.
  private readonly nodeScore: Float64Array;
  private readonly nodeRecord: Int32Array;
  private readonly nodeList: Int32Array;
  private nodeCount = 0;
  private readonly inNodes: Float64Array;
  private nodeSerial = 0;
  // Scratch.
  private readonly selectScratch: Float64Array;
  private readonly leaves: Int32Array;
  private readonly wordEndSum: Float64Array;

  private readonly records = new WordBackpointers();
  private compactAt = COMPACT_AT;

  private finished = false;
  private utterance = 0;
  /** Stream frame of the current utterance's first frame. */
  private utteranceStart = 0;
  /** Frames decoded in the current utterance. */
  private frame = 0;
  private lastPartialKey = '';
  /** What the last partial was made from: when none of it changes, neither does the partial. */
  private lastPartialRecord = -2;
  private lastPartialWord = -2;
  private lastPartialAncestor = -2;
  private bestEmitting = -1;
  private readonly facts = { utteranceSec: 0, trailingSilenceSec: 0, containsSpeech: false, relativeCost: Infinity };

  private statFrames = 0;
  private statActive = 0;
  private statMaxActive = 0;
  private statMaxRecords = 0;

  constructor(graph: DecodingGraph, gmms: readonly DiagonalGmm[], timing: DecoderTiming, overrides: DecoderOverrides = {}) {
    this.config = decoderConfig(overrides);
    this.graph = graph;
    this.scorer = new FrameScorer(gmms, this.config.scoring);
    this.dim = gmms[0]?.dim ?? 0;
    this.frameShiftSec = timing.frameShiftSec;
    for (let node = 0; node < graph.nodeCount; node++) {
      if (graph.emission[node] >= gmms.length) {
        throw new BeamlineError(ERROR_CODES.MODEL_INVALID, `the decoding graph uses GMM ${graph.emission[node]} but the model has ${gmms.length}`);
      }
    }
    const n = graph.nodeCount;
    this.tokenScore = [new Float64Array(n), new Float64Array(n)];
    this.tokenRecord = [new Int32Array(n), new Int32Array(n)];
    this.tokenList = [new Int32Array(n), new Int32Array(n)];
    this.inNext = new Float64Array(n);
    this.nodeScore = new Float64Array(n);
    this.nodeRecord = new Int32Array(n);
    this.nodeList = new Int32Array(n);
    this.inNodes = new Float64Array(n);
    this.selectScratch = new Float64Array(n);
    this.leaves = new Int32Array(2 * n);
    this.wordEndSum = new Float64Array(graph.words.length + 1);
    this.startUtterance();
  }

  /** Width of the feature vectors the decoder expects. */
  get width(): number {
    return this.dim;
  }

  get stats(): DecoderStats {
    return {
      frames: this.statFrames,
      activeTokens: this.statActive,
      maxActiveTokens: this.statMaxActive,
      gmmEvaluations: this.scorer.evaluations,
      records: this.records.size,
      maxRecords: this.statMaxRecords,
    };
  }

  /** Decodes every frame of the block. */
  push(features: FrameBlock): DecoderEvent[] {
    if (this.finished) throw new BeamlineError(ERROR_CODES.LIFECYCLE, 'OnlineDecoder.push after finish(): call reset() to decode a new stream');
    if (features.count > 0 && features.width !== this.dim) {
      throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `the decoder expects features ${this.dim} wide (the model's); got ${features.width}`);
    }
    const events: DecoderEvent[] = [];
    const everyFrame = this.config.partials && this.config.partialsEvery === 'frame';
    let frameSinceFinal = false; // a frame of the current utterance was decoded in this push
    for (let f = 0; f < features.count; f++) {
      this.decodeFrame(features.data, f * features.width);
      const rule = endpointRule(this.config.endpoint, this.endpointFacts());
      if (rule >= 0) {
        events.push(this.finalHypothesis('endpoint', rule));
        this.startUtterance();
        frameSinceFinal = false;
      } else {
        frameSinceFinal = true;
        if (everyFrame) {
          const partial = this.partialIfChanged();
          if (partial !== undefined) events.push(partial);
        }
      }
    }
    if (this.config.partials && !everyFrame && frameSinceFinal) {
      const partial = this.partialIfChanged();
      if (partial !== undefined) events.push(partial);
    }
    return events;
  }

  /** Ends the input: the final of the last utterance (none if it has no frames). */
  finish(): DecoderEvent[] {
    if (this.finished) throw new BeamlineError(ERROR_CODES.LIFECYCLE, 'OnlineDecoder.finish called twice: call reset() to decode a new stream');
    this.finished = true;
    return this.frame > 0 ? [this.finalHypothesis('end-of-input')] : [];
  }

  /** Ends the current utterance now (push-to-talk release) and starts the next one. */
  finalize(): DecoderEvent[] {
    if (this.finished) throw new BeamlineError(ERROR_CODES.LIFECYCLE, 'OnlineDecoder.finalize after finish(): call reset() to decode a new stream');
    if (this.frame === 0) return [];
    const final = this.finalHypothesis('finalize');
    this.startUtterance();
    return [final];
  }

  /** Forgets the stream: the next push starts at frame 0, utterance 0. */
  reset(): void {
    this.finished = false;
    this.utterance = 0;
    this.utteranceStart = 0;
    this.frame = 0;
    this.startUtterance();
  }

  private startUtterance(): void {
    if (this.frame > 0) this.utterance++;
    this.utteranceStart += this.frame;
    this.frame = 0;
    this.records.clear();
    this.compactAt = COMPACT_AT;
    this.tokenCount[0] = this.tokenCount[1] = 0;
    this.nodeSerial++;
    this.nodeCount = 0;
    this.relaxNode(this.graph.start, 0, -1);
    this.lastPartialKey = '';
    this.lastPartialRecord = this.lastPartialWord = this.lastPartialAncestor = -2;
    this.bestEmitting = -1;
  }

  private relaxNode(node: number, score: number, record: number): void {
    if (this.inNodes[node] !== this.nodeSerial) {
      this.inNodes[node] = this.nodeSerial;
      this.nodeList[this.nodeCount++] = node;
      this.nodeScore[node] = score;
      this.nodeRecord[node] = record;
    } else if (score > this.nodeScore[node]) {
      this.nodeScore[node] = score;
      this.nodeRecord[node] = record;
    }
  }

  private decodeFrame(data: Float32Array, offset: number): void {
    const { graph, config } = this;
    const from = this.current;
    const to = 1 - from;
    const fromScore = this.tokenScore[from];
    const fromRecord = this.tokenRecord[from];
    const fromList = this.tokenList[from];
    const toScore = this.tokenScore[to];
    const toRecord = this.tokenRecord[to];
    const toList = this.tokenList[to];
    const { arcStart, arcTo, arcLogProb, emission } = graph;
    const serial = ++this.serial;

    // (1) Follow arcs into emitting states: from emitting tokens, then from grammar nodes.
    this.tokenCount[to] = 0;
    for (let i = 0; i < this.tokenCount[from]; i++) {
      const source = fromList[i];
      this.expand(to, serial, source, fromScore[source], fromRecord[source]);
    }
    for (let i = 0; i < this.nodeCount; i++) {
      const node = this.nodeList[i];
      this.expand(to, serial, node, this.nodeScore[node], this.nodeRecord[node]);
    }
    let toCount = this.tokenCount[to];

    // (2) Acoustic scores, pulled for the reached states only.
    this.scorer.setFrame(data, offset);
    const scale = config.acousticScale;
    let best = LOG_ZERO;
    let bestState = -1;
    for (let i = 0; i < toCount; i++) {
      const state = toList[i];
      const score = toScore[state] + scale * this.scorer.score(emission[state]);
      toScore[state] = score;
      if (score > best) {
        best = score;
        bestState = state;
      }
    }

    // (3) Beam and max-active pruning.
    let cutoff = best - config.beam;
    if (toCount > config.maxActive) {
      for (let i = 0; i < toCount; i++) this.selectScratch[i] = toScore[toList[i]];
      cutoff = Math.max(cutoff, kthLargest(this.selectScratch, toCount, config.maxActive));
    }
    let kept = 0;
    for (let i = 0; i < toCount; i++) {
      const state = toList[i];
      if (toScore[state] >= cutoff) toList[kept++] = state;
    }
    toCount = kept;
    this.tokenCount[to] = toCount;
    this.current = to;
    this.bestEmitting = bestState;

    // (4) Word ends into grammar nodes, with their records and posteriors.
    this.nodeSerial++;
    this.nodeCount = 0;
    const wordEndCutoff = best - config.wordEndBeam;
    const firstRecord = this.records.size;
    const c = config.confidenceScale;
    const sums = this.wordEndSum;
    sums.fill(LOG_ZERO);
    let total = LOG_ZERO;
    for (let i = 0; i < toCount; i++) {
      const state = toList[i];
      const score = toScore[state];
      for (let a = arcStart[state]; a < arcStart[state + 1]; a++) {
        const target = arcTo[a];
        if (emission[target] >= 0) continue;
        const candidate = score + arcLogProb[a];
        const word = graph.arcWord[a];
        if (word === NO_WORD) {
          this.relaxNode(target, candidate, toRecord[state]);
          continue;
        }
        // Every word end counts towards the posteriors; only those within the word-end beam
        // leave a record (and can be continued).
        if (word >= 0) {
          sums[word] = logAdd(sums[word], c * candidate);
          total = logAdd(total, c * candidate);
        }
        if (candidate < wordEndCutoff) continue;
        this.relaxNode(target, candidate, this.records.add(word, this.frame, toRecord[state], target, candidate));
      }
    }
    for (let record = firstRecord; record < this.records.size; record++) {
      const word = this.records.word[record];
      if (word >= 0) this.records.posterior[record] = Math.exp(sums[word] - total);
    }

    this.frame++;
    this.statFrames++;
    this.statActive += toCount;
    if (toCount > this.statMaxActive) this.statMaxActive = toCount;
    if (this.records.size > this.statMaxRecords) this.statMaxRecords = this.records.size;
    if (this.records.size >= this.compactAt) this.compact();
  }

  /** Follows the arcs of `source` into emitting states, keeping the best score per state in buffer `to`. */
  private expand(to: number, serial: number, source: number, sourceScore: number, record: number): void {
    const { arcStart, arcTo, arcLogProb, emission } = this.graph;
    const score = this.tokenScore[to];
    const history = this.tokenRecord[to];
    const list = this.tokenList[to];
    for (let a = arcStart[source]; a < arcStart[source + 1]; a++) {
      const target = arcTo[a];
      if (emission[target] < 0) continue;
      const candidate = sourceScore + arcLogProb[a];
      if (this.inNext[target] !== serial) {
        this.inNext[target] = serial;
        list[this.tokenCount[to]++] = target;
        score[target] = candidate;
        history[target] = record;
      } else if (candidate > score[target]) {
        score[target] = candidate;
        history[target] = record;
      }
    }
  }

  /** Histories of every live token into `leaves`; returns how many. */
  private collectLeaves(): number {
    const list = this.tokenList[this.current];
    const record = this.tokenRecord[this.current];
    let count = 0;
    for (let i = 0; i < this.tokenCount[this.current]; i++) this.leaves[count++] = record[list[i]];
    for (let i = 0; i < this.nodeCount; i++) this.leaves[count++] = this.nodeRecord[this.nodeList[i]];
    return count;
  }

  private compact(): void {
    const count = this.collectLeaves();
    let keepAfter = Number.MAX_SAFE_INTEGER;
    if (this.config.nBest > 0) {
      // N-best needs word ends off the best path too: keep the recent ones (30 s), and all after the stable point.
      const ancestor = this.records.commonAncestor(this.leaves, count);
      keepAfter = Math.max(ancestor >= 0 ? this.records.endFrame[ancestor] : -1, this.frame - 3000);
    }
    const renumber = this.records.compact(this.leaves, count, keepAfter);
    const list = this.tokenList[this.current];
    const record = this.tokenRecord[this.current];
    for (let i = 0; i < this.tokenCount[this.current]; i++) {
      const state = list[i];
      if (record[state] >= 0) record[state] = renumber[record[state]];
    }
    for (let i = 0; i < this.nodeCount; i++) {
      const node = this.nodeList[i];
      if (this.nodeRecord[node] >= 0) this.nodeRecord[node] = renumber[this.nodeRecord[node]];
    }
    this.compactAt = Math.max(COMPACT_AT, 2 * this.records.size);
    this.lastPartialRecord = this.lastPartialAncestor = -2; // record numbers changed
  }

  /** The endpoint rules' inputs for the current frame (one object, reused). */
  private endpointFacts(): EndpointFacts {
    const state = this.bestEmitting;
    const { records, graph } = this;
    const facts = this.facts;
    facts.utteranceSec = this.frame * this.frameShiftSec;
    if (state < 0) {
      facts.trailingSilenceSec = 0;
      facts.containsSpeech = false;
      facts.relativeCost = Infinity;
      return facts;
    }
    const best = this.tokenScore[this.current][state];
    let bestFinal = LOG_ZERO;
    for (let i = 0; i < this.nodeCount; i++) {
      const node = this.nodeList[i];
      const score = this.nodeScore[node] + graph.finalLogProb[node];
      if (score > bestFinal) bestFinal = score;
    }
    let record = this.tokenRecord[this.current][state];
    let silenceStart = this.frame;
    if (graph.wordOfNode[state] === SILENCE_WORD) {
      silenceStart = record >= 0 ? records.endFrame[record] + 1 : 0;
      while (record >= 0 && records.word[record] === SILENCE_WORD) {
        silenceStart = records.startFrame(record);
        record = records.previous[record];
      }
    }
    let containsSpeech = graph.wordOfNode[state] >= 0;
    for (let r = record; r >= 0 && !containsSpeech; r = records.previous[r]) containsSpeech = records.word[r] >= 0;
    facts.trailingSilenceSec = (this.frame - silenceStart) * this.frameShiftSec;
    facts.containsSpeech = containsSpeech;
    facts.relativeCost = bestFinal === LOG_ZERO ? Infinity : Math.max(0, best - bestFinal);
    return facts;
  }

  private partialIfChanged(): PartialHypothesis | undefined {
    const state = this.bestEmitting;
    if (state < 0) return undefined;
    const record = this.tokenRecord[this.current][state];
    const current = this.graph.wordOfNode[state];
    const ancestor = this.records.commonAncestor(this.leaves, this.collectLeaves());
    if (record === this.lastPartialRecord && current === this.lastPartialWord && ancestor === this.lastPartialAncestor) return undefined;
    this.lastPartialRecord = record;
    this.lastPartialWord = current;
    this.lastPartialAncestor = ancestor;
    const words = this.wordsOf(record).map((r) => this.graph.words[this.records.word[r]]);
    if (current >= 0) words.push(this.graph.words[current]);
    let stable = 0;
    for (let r = ancestor; r >= 0; r = this.records.previous[r]) if (this.records.word[r] >= 0) stable++;
    const text = words.join(' ');
    const key = `${stable}|${text}`;
    if (key === this.lastPartialKey) return undefined;
    this.lastPartialKey = key;
    return { type: 'partial', utterance: this.utterance, words, stable, text };
  }

  /** Word records (silence left out) of the history ending at `record`, oldest first. */
  private wordsOf(record: number): number[] {
    const out: number[] = [];
    for (let r = record; r >= 0; r = this.records.previous[r]) if (this.records.word[r] >= 0) out.push(r);
    return out.reverse();
  }

  private finalHypothesis(reason: FinalReason, rule?: number): FinalHypothesis {
    const { graph, records } = this;
    // The best path into a final grammar node: a sentence of the grammar. When pruning or an
    // utterance cut short left none, the final says so (complete: false) and has no words: the
    // best partial path is not a sentence, and words outside the grammar are never reported.
    let endNode = -1;
    let score = LOG_ZERO;
    for (let i = 0; i < this.nodeCount; i++) {
      const node = this.nodeList[i];
      const value = this.nodeScore[node] + graph.finalLogProb[node];
      if (graph.finalLogProb[node] > LOG_ZERO && value > score) {
        score = value;
        endNode = node;
      }
    }
    // Cut off inside a word (the longest-utterance endpoint, or the input's end): complete if
    // finishing that word reaches the grammar's end; the word in progress is counted.
    // Only when no path ended its word there: a path inside a word has not yet paid for leaving it.
    let cutState = -1;
    if (endNode < 0) {
      const ends = wordEndsInFinal(graph);
      const scores = this.tokenScore[this.current];
      for (let i = 0; i < this.tokenCount[this.current]; i++) {
        const state = this.tokenList[this.current][i];
        if (ends[state] === 1 && scores[state] > score) {
          score = scores[state];
          cutState = state;
        }
      }
    }
    const complete = endNode >= 0 || cutState >= 0 || this.frame === 0;
    const offset = this.utteranceStart;
    const shift = this.frameShiftSec;
    const toWord = (r: number, startFrame = records.startFrame(r)): HypothesisWord => ({
      word: graph.words[records.word[r]],
      start: (offset + startFrame) * shift,
      end: (offset + records.endFrame[r] + 1) * shift,
      confidence: records.posterior[r],
      startFrame: offset + startFrame,
      endFrame: offset + records.endFrame[r],
    });
    let words: HypothesisWord[] = [];
    if (endNode >= 0) words = this.wordsOf(this.nodeRecord[endNode]).map((r) => toWord(r));
    else if (cutState >= 0) {
      const record = this.tokenRecord[this.current][cutState];
      words = this.wordsOf(record).map((r) => toWord(r));
      const current = graph.wordOfNode[cutState];
      if (current >= 0) {
        const startFrame = record >= 0 ? records.endFrame[record] + 1 : 0;
        words.push({ word: graph.words[current], start: (offset + startFrame) * shift, end: (offset + this.frame) * shift, confidence: 0, startFrame: offset + startFrame, endFrame: offset + this.frame - 1 });
      }
    }
    const final: FinalHypothesis = {
      type: 'final',
      utterance: this.utterance,
      words,
      text: words.map((w) => w.word).join(' '),
      score,
      complete,
      ...(cutState >= 0 ? { endedInsideWord: true as const } : {}),
      reason,
      ...(rule !== undefined ? { endpointRule: rule } : {}),
      start: offset * shift,
      end: (offset + this.frame) * shift,
      firstFrame: offset,
      frameCount: this.frame,
      ...(this.config.nBest > 0 ? { alternatives: this.nBest(this.config.nBest) } : {}),
    };
    return final;
  }

  /**
   * The n best distinct word sequences, by A* over the word-end records: a record may follow
   * any record that ended at the same frame in the same grammar node as its own predecessor
   * (the word-pair approximation), keeping its own score increment. A prefix's best score is
   * its record's Viterbi score, an exact heuristic, so paths come out best first.
   */
  private nBest(n: number): { text: string; score: number }[] {
    const { records, graph } = this;
    const lastFrame = this.frame - 1;
    const groups = new Map<string, number[]>();
    for (let r = 0; r < records.size; r++) {
      const key = `${records.endFrame[r]} ${records.node[r]}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = []));
      group.push(r);
    }
    interface Item {
      readonly record: number;
      readonly suffix: number;
      readonly words: readonly number[];
      readonly priority: number;
    }
    const heap: Item[] = [];
    const push = (item: Item): void => {
      heap.push(item);
      heap.sort((a, b) => b.priority - a.priority);
    };
    for (let r = 0; r < records.size; r++) {
      const final = graph.finalLogProb[records.node[r]];
      if (records.endFrame[r] === lastFrame && final > LOG_ZERO) push({ record: r, suffix: final, words: [], priority: records.score[r] + final });
    }
    const out: { text: string; score: number }[] = [];
    const seen = new Set<string>();
    for (let expansions = 0; heap.length > 0 && out.length < n && expansions < 20000; expansions++) {
      const item = heap.shift()!;
      if (item.record < 0) {
        const text = item.words.map((w) => graph.words[w]).join(' ');
        if (!seen.has(text)) {
          seen.add(text);
          out.push({ text, score: item.priority });
        }
        continue;
      }
      const previous = records.previous[item.record];
      const suffix = item.suffix + records.score[item.record] - (previous >= 0 ? records.score[previous] : 0);
      const word = records.word[item.record];
      const words = word >= 0 ? [word, ...item.words] : item.words;
      if (previous < 0) {
        push({ record: -1, suffix, words, priority: suffix });
        continue;
      }
      for (const alternative of groups.get(`${records.endFrame[previous]} ${records.node[previous]}`) ?? [previous]) {
        push({ record: alternative, suffix, words, priority: records.score[alternative] + suffix });
      }
    }
    return out;
  }
}

/** The k-th largest of values[0..count) (k from 1), by quickselect; reorders values. */
export function kthLargest(values: Float64Array, count: number, k: number): number {
  let left = 0;
  let right = count - 1;
  const target = k - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) right = j;
    else if (target >= i) left = i;
    else break;
  }
  return values[target];
}
