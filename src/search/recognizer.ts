/**
 * A recogniser: a model, its decoding graph and the front-end configuration to use, compiled
 * once and shared by any number of sessions (one per stream). A session is the whole pipeline
 * from samples at the model's rate to hypothesis events, with no RxJS: the streams layer, a
 * page or a worker drives it the same way.
 *
 * Two front-end modes. Batch (the default) normalises cepstra per utterance, exactly as the
 * model was trained, but must see the whole input before the first frame comes out: right for
 * files. Streaming normalises with a running mean that starts from the model's prior (live CMN),
 * so frames, partials and endpoints come out while the audio arrives, and decodes each finished
 * utterance again with per-utterance CMN for its final (see RecognitionSession): right for
 * microphones and sockets.
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { CmnStage } from '../features/cmn.ts';
import { DeltaStage } from '../features/deltas.ts';
import { FeatureTransformStage } from '../features/feature-transform.ts';
import { c0PerDb, FrontEnd, type FrontEndConfig } from '../features/front-end.ts';
import { MfccExtractor } from '../features/mfcc.ts';
import { concatBlocks, type FrameBlock } from '../frames/frame-block.ts';
import { Framer } from '../frames/framer.ts';
import { compileDecodingGraph, type DecodingGraph, type DecodingGraphConfig } from '../graph/decoding-graph.ts';
import { wordLoopGrammar, type WordGrammar } from '../graph/word-grammar.ts';
import type { SpeechModel } from '../io/speech-model.ts';
import { biasOffset, estimateCepstralBias, subtractBias } from './cepstral-bias.ts';
import { SpeakerAdaptation, type SpeakerAdaptationOptions, validateSpeakerAdaptation } from './speaker-adaptation.ts';
import { type DecoderEvent, type DecoderOverrides, type FinalHypothesis, type HypothesisWord, OnlineDecoder, decoderConfig } from './online-decoder.ts';
import { LOG_ZERO } from '../math/log-space.ts';

export interface RecognizerOptions {
  /** What may be said; default any sequence of the model's words. */
  readonly grammar?: WordGrammar;
  /**
   * The decoding graph, compiled beforehand by `compileDecodingGraph` for this model (in another
   * thread, say, so a large grammar never holds up decoding); `grammar` and `graph` are then not
   * used.
   */
  readonly compiledGraph?: DecodingGraph;
  readonly graph?: Partial<DecodingGraphConfig>;
  readonly decoder?: DecoderOverrides;
  /** Live CMN (streaming) instead of per-utterance CMN (batch). Default false. */
  readonly streaming?: boolean;
  /**
   * 'bias': decode each utterance once more after removing the cepstral bias its first
   * hypothesis explains (unsupervised channel and speaker adaptation, src/search/cepstral-bias.ts;
   * about twice the scoring and search). 'none': one pass (streaming: the live pass and the
   * per-utterance second pass). 'speaker': adapt to the talker over the session, an fMLLR
   * transform of the features re-estimated after each utterance from everything recognised so
   * far and applied to what follows (src/search/speaker-adaptation.ts; no extra decoding).
   * Default 'none'.
   */
  readonly adaptation?: RecognizerAdaptation;
  /** Settings of 'speaker' adaptation (src/search/speaker-adaptation.ts for the defaults). */
  readonly speakerAdaptation?: SpeakerAdaptationOptions;
}

/** How many times the default beam the search an incomplete utterance is decoded again with takes. */
const WIDE_SEARCH = 4;

export const RECOGNIZER_ADAPTATIONS = ['none', 'bias', 'speaker'] as const;
export type RecognizerAdaptation = (typeof RECOGNIZER_ADAPTATIONS)[number];

/**
 * Passes of `learnTalker` that estimate the transform. On FSDD's held-out speakers (training
 * split, docs/BENCHMARKS.md) the second took the isolated WER from 6.6% to 6.0%; a third changed
 * nothing.
 */
export const SPEAKER_LEARNING_PASSES = 2;

export class Recognizer {
  readonly model: SpeechModel;
  readonly graph: DecodingGraph;
  readonly frontEnd: FrontEndConfig;
  readonly streaming: boolean;
  readonly decoderOverrides: DecoderOverrides;
  readonly adaptation: RecognizerAdaptation;
  readonly speakerAdaptation: SpeakerAdaptationOptions;
  /** Whether a search can end with no path to the grammar's end (some grammar state is not final; never for a word loop). */
  readonly canEndIncomplete: boolean;

  private readonly options: RecognizerOptions;

  constructor(model: SpeechModel, options: RecognizerOptions = {}) {
    this.model = model;
    this.options = options;
    this.graph = options.compiledGraph ?? compileDecodingGraph(model, options.grammar ?? wordLoopGrammar([...model.lexicon.keys()]), options.graph);
    this.canEndIncomplete = this.graph.emission.some((emission, node) => emission < 0 && this.graph.finalLogProb[node] === LOG_ZERO);
    this.streaming = options.streaming ?? false;
    this.frontEnd = this.streaming ? { ...model.frontEnd, cmn: { ...model.frontEnd.cmn, mode: 'live' } } : model.frontEnd;
    this.decoderOverrides = options.decoder ?? {};
    this.adaptation = options.adaptation ?? 'none';
    if (!RECOGNIZER_ADAPTATIONS.includes(this.adaptation)) {
      throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `adaptation must be one of ${RECOGNIZER_ADAPTATIONS.join(', ')}; got ${JSON.stringify(this.adaptation)}`);
    }
    this.speakerAdaptation = options.speakerAdaptation ?? {};
    // Fail now, not per session, on a bad decoder or adaptation configuration.
    this.createDecoder();
    try {
      validateSpeakerAdaptation(model, this.speakerAdaptation);
    } catch (error) {
      throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, (error as Error).message);
    }
  }

  /** Seconds per feature frame. */
  get frameShiftSec(): number {
    return this.model.frontEnd.frames.frameShiftMs / 1000;
  }

  /** Samples per second the session expects. */
  get sampleRateHz(): number {
    return this.model.frontEnd.frames.sampleRateHz;
  }

  createDecoder(): OnlineDecoder {
    return new OnlineDecoder(this.graph, this.model.gmms, { frameShiftSec: this.frameShiftSec }, this.decoderOverrides);
  }

  /** Samples → features. */
  createFrontEnd(): FrontEnd {
    return new FrontEnd(this.frontEnd, { cmnPriorMean: this.model.cmnPriorMean });
  }

  /**
   * A session. With 'speaker' adaptation it adapts `speaker` (shared by every session of one
   * talker, e.g. the files of one person) or, without one, a talker of its own.
   */
  createSession(speaker?: SpeakerAdaptation): RecognitionSession {
    return new RecognitionSession(this, speaker);
  }

  /** The same recogniser over other Gaussians for the model's states (e.g. a talker's `adaptedGmms`). */
  withGmms(gmms: readonly DiagonalGmm[]): Recognizer {
    if (gmms.length !== this.model.gmms.length) throw new RangeError(`withGmms: ${gmms.length} GMMs for a model of ${this.model.gmms.length}`);
    return new Recognizer({ ...this.model, gmms: [...gmms] }, this.options);
  }

  /** The adaptation state of one talker, to share between that talker's sessions. */
  createSpeaker(): SpeakerAdaptation {
    return new SpeakerAdaptation(this.model, this.speakerAdaptation);
  }

  /**
   * One talker learnt offline from all their recordings, as Kaldi decodes a test speaker with
   * fMLLR: `decodeAll` decodes every recording with sessions of this recogniser adapting the
   * speaker it is given. After each of the `SPEAKER_LEARNING_PASSES` passes the transform is
   * estimated from all of them (the first pass unadapted, the next through the last estimate);
   * one more pass, through the final transform, gathers the statistics of the states' means.
   * Returns the talker, fixed, and the recogniser over their MAP-adapted means: decode the
   * recordings once more with both (`adapted.createSession(speaker)`) for the result.
   */
  async learnTalker(decodeAll: (speaker: SpeakerAdaptation) => Promise<void> | void): Promise<{ speaker: SpeakerAdaptation; recognizer: Recognizer }> {
    const speaker = this.createSpeaker().deferEstimates();
    for (let pass = 0; pass < SPEAKER_LEARNING_PASSES; pass++) {
      speaker.clearStatistics();
      await decodeAll(speaker);
      speaker.estimate();
    }
    speaker.clearStatistics();
    await decodeAll(speaker);
    return { speaker: speaker.snapshot(), recognizer: this.withGmms(speaker.adaptedGmms()) };
  }

  /** One utterance's features (frames from 0) decoded whole, endpoints off: its final, if any. */
  decodeUtterance(features: FrameBlock): FinalHypothesis | undefined {
    const final = this.decodeWith(features, {});
    return final === undefined ? final : this.widenIfLost(features, final);
  }

  /**
   * Under a grammar a search can lose every path to the grammar's end, or keep only one cut off
   * inside its last word (a guess, where the audio has a pause after it): then the wider search,
   * whose result is taken when it is a sentence that ended its last word.
   */
  widenIfLost(features: FrameBlock, final: FinalHypothesis): FinalHypothesis {
    if (!this.canEndIncomplete || (final.complete && final.endedInsideWord !== true)) return final;
    const wide = this.decodeWide(features);
    if (wide === undefined || !wide.complete) return final;
    return wide.endedInsideWord === true && final.complete ? final : wide;
  }

  /**
   * An utterance whose search lost every path to the grammar's end (pruned away where the voice
   * fits the model badly) decoded once more with a beam four times as wide and ten times the
   * tokens: its best sentence, if even that finds one. Only such utterances pay for it.
   */
  decodeWide(features: FrameBlock): FinalHypothesis | undefined {
    const config = decoderConfig(this.decoderOverrides);
    return this.decodeWith(features, { beam: WIDE_SEARCH * config.beam, maxActive: 10 * config.maxActive });
  }

  private decodeWith(features: FrameBlock, pruning: Pick<DecoderOverrides, 'beam' | 'maxActive'>): FinalHypothesis | undefined {
    const decoder = new OnlineDecoder(this.graph, this.model.gmms, { frameShiftSec: this.frameShiftSec }, {
      ...this.decoderOverrides,
      ...pruning,
      partials: false,
      endpoint: { enabled: false },
    });
    return [...decoder.push(features), ...decoder.finish()].find((event): event is FinalHypothesis => event.type === 'final');
  }

  /** With adaptation on, the decode of `features` after removing the bias `hypothesis` explains; else `hypothesis`. */
  adapt(features: FrameBlock, hypothesis: FinalHypothesis): FinalHypothesis {
    if (this.adaptation !== 'bias' || hypothesis.words.length === 0) return hypothesis;
    const bias = estimateCepstralBias(this.model, features, hypothesis.words.map((word) => word.word));
    return this.decodeUtterance(subtractBias(features, biasOffset(this.model, bias))) ?? hypothesis;
  }
}

/**
 * One stream through a recogniser: samples (mono, at the model's rate) in, events out.
 * `push` after `finish` is an error; `finalize` ends the current utterance and goes on.
 *
 * Batch sessions normalise the whole input at once (per-utterance CMN) and decode it.
 * Streaming sessions decode in two passes. The first runs as the audio arrives, with live CMN:
 * it gives the partials and finds the endpoints. When an utterance ends (endpoint, finalize or
 * end of input), its cepstra, kept since it began, are normalised as a whole, exactly as in
 * training and in batch, and decoded again; that second pass gives the final. So a streamed
 * recording's final equals the batch one, while the partials still come live. The cepstra kept
 * are bounded by the longest utterance the endpoint rules allow (20 s by default).
 *
 * With adaptation ('bias'), each final is decoded once more after removing the cepstral bias
 * its hypothesis explains: in streaming after the second pass, in batch from the utterance's
 * features, which are then kept until its final. With 'speaker' adaptation every pass decodes
 * features mapped by the talker's current transform, and each final's utterance (its features
 * before the transform, and its words) is added to the talker's statistics and the transform
 * re-estimated for the utterances that follow.
 */
export class RecognitionSession {
  readonly decoder: OnlineDecoder;
  private readonly recognizer: Recognizer;
  /** Batch: the whole front end. */
  private readonly frontEnd: FrontEnd | undefined;
  /** Streaming: the front end in pieces, so the cepstra can be kept before normalisation. */
  private readonly framer: Framer | undefined;
  private readonly mfcc: MfccExtractor | undefined;
  private readonly liveCmn: CmnStage | undefined;
  private readonly liveDeltas: DeltaStage | undefined;
  /** The model's feature transform, if it has one (it keeps no state between frames). */
  private readonly transform: FeatureTransformStage | undefined;
  /** Cepstra of the stream from frame `keptFrom` on. */
  private kept: Float32Array = new Float32Array(0);
  private keptFrames = 0;
  private keptFrom = 0;
  /** Values per kept frame: cepstra (streaming) or features (batch with adaptation). */
  private keptWidth = 0;
  /** Batch: the talker's transform when the features being decoded were pushed. */
  private pushedWith: Float64Array | undefined;

  /** The talker's adaptation state ('speaker' adaptation only). */
  readonly speaker: SpeakerAdaptation | undefined;

  constructor(recognizer: Recognizer, speaker?: SpeakerAdaptation) {
    this.recognizer = recognizer;
    this.speaker = recognizer.adaptation === 'speaker' ? (speaker ?? recognizer.createSpeaker()) : undefined;
    this.decoder = recognizer.createDecoder();
    if (!recognizer.streaming) {
      this.frontEnd = recognizer.createFrontEnd();
      return;
    }
    const config = recognizer.frontEnd;
    this.framer = new Framer(config.frames);
    this.mfcc = new MfccExtractor(config.frames.sampleRateHz, this.framer.fftSize, config.mfcc);
    this.liveCmn = new CmnStage(this.mfcc.width, config.cmn, recognizer.model.cmnPriorMean, c0PerDb(config));
    this.liveDeltas = new DeltaStage(this.mfcc.width, config.deltas);
    this.transform = config.transform ? new FeatureTransformStage(this.liveDeltas.width, config.transform) : undefined;
  }

  /** The model's features as the decoder reads them: the model's transform, then the talker's. */
  private transformed(features: FrameBlock): FrameBlock {
    return this.forSpeaker(this.inModelSpace(features));
  }

  /** Through the model's own feature transform, if it has one: what its Gaussians model. */
  private inModelSpace(features: FrameBlock): FrameBlock {
    return this.transform ? this.transform.push(features) : features;
  }

  private forSpeaker(features: FrameBlock): FrameBlock {
    return this.speaker ? this.speaker.apply(features) : features;
  }

  push(samples: Float32Array): DecoderEvent[] {
    if (this.frontEnd !== undefined) return this.batchDecode(this.frontEnd.push(samples));
    const cepstra = this.mfcc!.push(this.framer!.push(samples));
    this.keep(cepstra);
    return this.secondPass(this.decoder.push(this.transformed(this.liveDeltas!.push(this.liveCmn!.push(cepstra)))));
  }

  finish(): DecoderEvent[] {
    if (this.frontEnd !== undefined) return [...this.batchDecode(this.frontEnd.finish()), ...this.adaptBatch(this.decoder.finish())];
    this.keep(this.mfcc!.push(this.framer!.finish()));
    const held = this.liveDeltas!.push(this.liveCmn!.finish());
    const last = concatBlocks([held, this.liveDeltas!.finish()], this.liveDeltas!.width);
    return this.secondPass([...this.decoder.push(this.transformed(last)), ...this.decoder.finish()]);
  }

  /**
   * Push-to-talk release: ends the utterance with the audio pushed so far. Streaming, the frames
   * the Δ look-ahead still holds belong to it: they are flushed (their right context replicated,
   * as at the end of input) and the regression starts afresh, so the next utterance does not
   * begin with this one's tail.
   */
  finalize(): DecoderEvent[] {
    if (this.frontEnd !== undefined) return this.secondPass(this.decoder.finalize());
    const held = this.liveDeltas!.finish();
    this.liveDeltas!.reset();
    return this.secondPass([...this.decoder.push(this.transformed(held)), ...this.decoder.finalize()]);
  }

  /**
   * Batch: decodes features; with adaptation on, or a grammar that not every path completes,
   * keeps them until their utterance's final (to decode it again).
   */
  private batchDecode(features: FrameBlock): DecoderEvent[] {
    if (this.recognizer.adaptation !== 'none' || this.recognizer.canEndIncomplete) this.keep(features);
    this.pushedWith = this.speaker?.transform;
    return this.adaptBatch(this.decoder.push(this.forSpeaker(features)));
  }

  /**
   * Batch with adaptation: each final's kept features either decoded again with the bias
   * removed ('bias') or added to the talker's statistics ('speaker').
   */
  private adaptBatch(events: DecoderEvent[]): DecoderEvent[] {
    if (this.recognizer.adaptation === 'none' && !this.recognizer.canEndIncomplete) return events;
    return events.map((event) => {
      if (event.type !== 'final') return event;
      const features = this.takeUtterance(event);
      if (features === undefined) return event;
      if (this.recognizer.adaptation === 'none') {
        // Only for an utterance that lost its way to the grammar's end: the wider search.
        const relative = this.relative(event);
        const widened = this.recognizer.widenIfLost(features, relative);
        return widened === relative ? event : this.withSecondPass(event, widened);
      }
      const relative = this.relative(event);
      if (this.speaker) {
        // Decoded with an older transform (the talker learnt from an earlier utterance of the same push): again with the current one.
        const final = this.speaker.transform === this.pushedWith ? event : this.withSecondPass(event, this.recognizer.decodeUtterance(this.speaker.apply(features)) ?? relative);
        return this.learnSpeaker(features, final);
      }
      return this.withSecondPass(event, this.recognizer.adapt(features, relative));
    });
  }

  /**
   * Adds an utterance (features before the talker's transform, frames from 0) and its final to
   * the talker's statistics; the final, marked with how many utterances the talker has learnt from.
   */
  private learnSpeaker(features: FrameBlock, final: FinalHypothesis): FinalHypothesis {
    this.speaker!.learn(features, this.relative(final).words);
    return { ...final, talkerUtterances: this.speaker!.utterances };
  }

  private keep(cepstra: FrameBlock): void {
    if (cepstra.count === 0) return;
    this.keptWidth = cepstra.width;
    const needed = (this.keptFrames + cepstra.count) * cepstra.width;
    if (needed > this.kept.length) {
      const grown = new Float32Array(Math.max(needed, 2 * this.kept.length));
      grown.set(this.kept.subarray(0, this.keptFrames * cepstra.width));
      this.kept = grown;
    }
    this.kept.set(cepstra.data, this.keptFrames * cepstra.width);
    this.keptFrames += cepstra.count;
  }

  /** Replaces each first-pass final by the second pass over its utterance's kept cepstra. */
  private secondPass(events: DecoderEvent[]): DecoderEvent[] {
    if (this.frontEnd !== undefined) return events;
    return events.map((event) => (event.type === 'final' ? this.redecode(event) : event));
  }

  /**
   * The kept frames of `final`'s utterance (numbered from 0), forgetting everything up to its
   * end; undefined when they are no longer kept.
   */
  private takeUtterance(final: FinalHypothesis): FrameBlock | undefined {
    const width = this.keptWidth;
    const from = final.firstFrame - this.keptFrom;
    const count = Math.min(final.frameCount, this.keptFrames - from);
    const frames = from < 0 || count <= 0 ? undefined : { data: this.kept.slice(from * width, (from + count) * width), count, width, firstFrame: 0 };
    const end = Math.max(0, from + final.frameCount);
    const remaining = Math.max(0, this.keptFrames - end);
    this.kept.copyWithin(0, end * width, (end + remaining) * width);
    this.keptFrames = remaining;
    this.keptFrom = final.firstFrame + final.frameCount;
    return frames;
  }

  private redecode(first: FinalHypothesis): FinalHypothesis {
    const cepstra = this.takeUtterance(first);
    if (cepstra === undefined) return first;
    const width = cepstra.width;
    const config = this.recognizer.frontEnd;
    const cmn = new CmnStage(width, { ...config.cmn, mode: 'utterance' }, this.recognizer.model.cmnPriorMean, c0PerDb(config));
    cmn.push(cepstra);
    const deltas = new DeltaStage(width, config.deltas);
    const features = this.inModelSpace(concatBlocks([deltas.push(cmn.finish()), deltas.finish()], deltas.width));
    const second = this.recognizer.decodeUtterance(this.forSpeaker(features));
    if (second === undefined) return first;
    if (this.speaker) return this.learnSpeaker(features, this.withSecondPass(first, second));
    return this.withSecondPass(first, this.recognizer.adapt(features, second));
  }

  /** `final` with its words in the utterance's own frames (from 0), as a second pass sees them. */
  private relative(final: FinalHypothesis): FinalHypothesis {
    return { ...final, words: shiftWords(final.words, -final.firstFrame, this.recognizer.frameShiftSec) };
  }

  /** `first` with the words, score and alternatives of `second`, a decode of its utterance alone (frames from 0). */
  private withSecondPass(first: FinalHypothesis, second: FinalHypothesis): FinalHypothesis {
    return {
      ...first,
      words: shiftWords(second.words, first.firstFrame, this.recognizer.frameShiftSec),
      text: second.text,
      score: second.score,
      complete: second.complete,
      ...(second.alternatives !== undefined ? { alternatives: second.alternatives } : {}),
    };
  }
}

/** Words moved by `frames` frames of `shiftSec` seconds each. */
function shiftWords(words: readonly HypothesisWord[], frames: number, shiftSec: number): HypothesisWord[] {
  return words.map((word) => ({
    ...word,
    start: word.start + frames * shiftSec,
    end: word.end + frames * shiftSec,
    startFrame: word.startFrame + frames,
    endFrame: word.endFrame + frames,
  }));
}
