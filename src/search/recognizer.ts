/**
 * A recogniser: a model, its decoding graph and the front-end configuration to use, compiled
 * once and shared by any number of sessions (one per stream). A session is the whole pipeline
 * from samples at the model's rate to hypothesis events, with no RxJS: the streams layer, a
 * page or a worker drives it the same way.
 *
 * Two front-end modes. Batch (the default) normalises cepstra per utterance, exactly as the
 * model was trained, but must see the whole input before the first frame comes out: right for
 * files. Streaming normalises with a running mean that starts from the model's prior (live CMN),
 * so frames, partials and endpoints come out while the audio arrives: right for microphones and
 * sockets.
 */
import type { FrameBlock } from '../frames/frame-block.ts';
import { FeatureStage, FrontEnd, type FrontEndConfig } from '../features/front-end.ts';
import { compileDecodingGraph, type DecodingGraph, type DecodingGraphConfig } from '../graph/decoding-graph.ts';
import { wordLoopGrammar, type WordGrammar } from '../graph/word-grammar.ts';
import type { SpeechModel } from '../io/speech-model.ts';
import { type DecoderEvent, type DecoderOverrides, OnlineDecoder } from './online-decoder.ts';

export interface RecognizerOptions {
  /** What may be said; default any sequence of the model's words. */
  readonly grammar?: WordGrammar;
  readonly graph?: Partial<DecodingGraphConfig>;
  readonly decoder?: DecoderOverrides;
  /** Live CMN (streaming) instead of per-utterance CMN (batch). Default false. */
  readonly streaming?: boolean;
}

export class Recognizer {
  readonly model: SpeechModel;
  readonly graph: DecodingGraph;
  readonly frontEnd: FrontEndConfig;
  readonly streaming: boolean;
  readonly decoderOverrides: DecoderOverrides;

  constructor(model: SpeechModel, options: RecognizerOptions = {}) {
    this.model = model;
    this.graph = compileDecodingGraph(model, options.grammar ?? wordLoopGrammar([...model.lexicon.keys()]), options.graph);
    this.streaming = options.streaming ?? false;
    this.frontEnd = this.streaming ? { ...model.frontEnd, cmn: { ...model.frontEnd.cmn, mode: 'live' } } : model.frontEnd;
    this.decoderOverrides = options.decoder ?? {};
    // Fail now, not per session, on a bad decoder configuration.
    this.createDecoder();
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

  /** Windowed frames → features, for pipelines that frame the audio themselves. */
  createFeatureStage(): FeatureStage {
    return new FeatureStage(this.frontEnd, { cmnPriorMean: this.model.cmnPriorMean });
  }

  /** Samples → features. */
  createFrontEnd(): FrontEnd {
    return new FrontEnd(this.frontEnd, { cmnPriorMean: this.model.cmnPriorMean });
  }

  createSession(): RecognitionSession {
    return new RecognitionSession(this);
  }
}

/**
 * One stream through a recogniser: samples (mono, at the model's rate) in, events out.
 * `push` after `finish` is an error; `finalize` ends the current utterance and goes on.
 */
export class RecognitionSession {
  readonly features: FrontEnd;
  readonly decoder: OnlineDecoder;

  constructor(recognizer: Recognizer) {
    this.features = recognizer.createFrontEnd();
    this.decoder = recognizer.createDecoder();
  }

  push(samples: Float32Array): DecoderEvent[] {
    return this.decoder.push(this.features.push(samples));
  }

  /** Feature frames (for callers that compute features elsewhere). */
  pushFeatures(block: FrameBlock): DecoderEvent[] {
    return this.decoder.push(block);
  }

  finish(): DecoderEvent[] {
    const events = this.decoder.push(this.features.finish());
    return [...events, ...this.decoder.finish()];
  }

  /** Push-to-talk release: ends the utterance at the frames decoded so far. */
  finalize(): DecoderEvent[] {
    return this.decoder.finalize();
  }
}
