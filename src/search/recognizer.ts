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
import { CmnStage } from '../features/cmn.ts';
import { DeltaStage } from '../features/deltas.ts';
import { c0PerDb, FrontEnd, type FrontEndConfig } from '../features/front-end.ts';
import { MfccExtractor } from '../features/mfcc.ts';
import { concatBlocks, type FrameBlock } from '../frames/frame-block.ts';
import { Framer } from '../frames/framer.ts';
import { compileDecodingGraph, type DecodingGraph, type DecodingGraphConfig } from '../graph/decoding-graph.ts';
import { wordLoopGrammar, type WordGrammar } from '../graph/word-grammar.ts';
import type { SpeechModel } from '../io/speech-model.ts';
import { type DecoderEvent, type DecoderOverrides, type FinalHypothesis, OnlineDecoder } from './online-decoder.ts';

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
 *
 * Batch sessions normalise the whole input at once (per-utterance CMN) and decode it.
 * Streaming sessions decode in two passes. The first runs as the audio arrives, with live CMN:
 * it gives the partials and finds the endpoints. When an utterance ends (endpoint, finalize or
 * end of input), its cepstra, kept since it began, are normalised as a whole, exactly as in
 * training and in batch, and decoded again; that second pass gives the final. So a streamed
 * recording's final equals the batch one, while the partials still come live. The cepstra kept
 * are bounded by the longest utterance the endpoint rules allow (20 s by default).
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
  /** Cepstra of the stream from frame `keptFrom` on. */
  private kept: Float32Array = new Float32Array(0);
  private keptFrames = 0;
  private keptFrom = 0;

  constructor(recognizer: Recognizer) {
    this.recognizer = recognizer;
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
  }

  push(samples: Float32Array): DecoderEvent[] {
    if (this.frontEnd !== undefined) return this.decoder.push(this.frontEnd.push(samples));
    const cepstra = this.mfcc!.push(this.framer!.push(samples));
    this.keep(cepstra);
    return this.secondPass(this.decoder.push(this.liveDeltas!.push(this.liveCmn!.push(cepstra))));
  }

  finish(): DecoderEvent[] {
    if (this.frontEnd !== undefined) return [...this.decoder.push(this.frontEnd.finish()), ...this.decoder.finish()];
    this.keep(this.mfcc!.push(this.framer!.finish()));
    const held = this.liveDeltas!.push(this.liveCmn!.finish());
    const last = concatBlocks([held, this.liveDeltas!.finish()], this.liveDeltas!.width);
    return this.secondPass([...this.decoder.push(last), ...this.decoder.finish()]);
  }

  /** Push-to-talk release: ends the utterance at the frames decoded so far. */
  finalize(): DecoderEvent[] {
    return this.secondPass(this.decoder.finalize());
  }

  private keep(cepstra: FrameBlock): void {
    if (cepstra.count === 0) return;
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

  private redecode(first: FinalHypothesis): FinalHypothesis {
    const width = this.mfcc!.width;
    const from = first.firstFrame - this.keptFrom;
    const count = Math.min(first.frameCount, this.keptFrames - from);
    if (from < 0 || count <= 0) return first;
    const config = this.recognizer.frontEnd;
    const cepstra: FrameBlock = { data: this.kept.slice(from * width, (from + count) * width), count, width, firstFrame: 0 };
    const cmn = new CmnStage(width, { ...config.cmn, mode: 'utterance' }, this.recognizer.model.cmnPriorMean, c0PerDb(config));
    cmn.push(cepstra);
    const deltas = new DeltaStage(width, config.deltas);
    const features = concatBlocks([deltas.push(cmn.finish()), deltas.finish()], deltas.width);
    const decoder = new OnlineDecoder(this.recognizer.graph, this.recognizer.model.gmms, { frameShiftSec: this.recognizer.frameShiftSec }, {
      ...this.recognizer.decoderOverrides,
      partials: false,
      endpoint: { enabled: false },
    });
    const second = [...decoder.push(features), ...decoder.finish()].find((event): event is FinalHypothesis => event.type === 'final');
    // Forget the cepstra up to the end of this utterance.
    const end = from + first.frameCount;
    const remaining = Math.max(0, this.keptFrames - end);
    this.kept.copyWithin(0, end * width, (end + remaining) * width);
    this.keptFrames = remaining;
    this.keptFrom = first.firstFrame + first.frameCount;
    if (second === undefined) return first;
    const shiftSec = this.recognizer.frameShiftSec;
    const offset = first.firstFrame;
    return {
      ...first,
      words: second.words.map((word) => ({
        ...word,
        start: word.start + offset * shiftSec,
        end: word.end + offset * shiftSec,
        startFrame: word.startFrame + offset,
        endFrame: word.endFrame + offset,
      })),
      text: second.text,
      score: second.score,
      complete: second.complete,
      ...(second.alternatives !== undefined ? { alternatives: second.alternatives } : {}),
    };
  }
}
