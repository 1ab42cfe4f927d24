/**
 * The decoding half of an audio session: PCM bytes in, hypothesis events out. Built from a
 * session's config (rate, encoding, grammar or phrase list); owns the PCM decoder, the resampler
 * and the recognition session. It runs wherever the server puts it: on the main thread or in a
 * worker (session-worker.ts), behind the same `SessionDecoders` interface.
 */
import {
  BeamlineError,
  ERROR_CODES,
  PcmDecoder,
  Recognizer,
  Resampler,
  compileDecodingGraph,
  jsgfGrammar,
  looksLikeWav,
  phraseListGrammar,
  readWavHeader,
  serializeModel,
  type DecoderEvent,
  type DecodingGraph,
  type RecognitionSession,
  type RecognizerOptions,
  type SpeakerAdaptation,
  type SpeechModel,
} from '../src/index.ts';
import type { SessionConfig } from './asr-protocol.ts';

/** What opening a session found worth telling its client or the log. */
export interface OpenedSession {
  /** Words of `phrase_list` the model does not know, left out as the Vosk server leaves them out. */
  readonly ignoredWords: readonly string[];
  /** Bytes the session's own grammar costs (its graph, and the search's tables over it); 0 when it shares the model's. */
  readonly grammarBytes: number;
}

/** A session's own grammar (config.grammar or config.phrase_list) compiled for its model. */
export interface CompiledSessionGraph {
  readonly graph: DecodingGraph;
  readonly ignoredWords: readonly string[];
  /** What the session will hold for it: the graph, and two searches' tables over it (the live pass and a second pass). */
  readonly bytes: number;
}

/** Bytes per graph node of one search's tables (online-decoder.ts: scores, records and lists per node). */
const SEARCH_BYTES_PER_NODE = 84;

/** The typed arrays' buffers of a decoding graph: what moves between threads, and what it weighs. */
export function graphBuffers(graph: DecodingGraph): ArrayBuffer[] {
  // Each buffer once: a transfer list naming one twice is refused.
  return [...new Set([graph.emission, graph.wordOfNode, graph.arcStart, graph.arcTo, graph.arcLogProb, graph.arcWord, graph.finalLogProb].map((array) => array.buffer as ArrayBuffer))];
}

/**
 * The decoding graph of a session's own grammar, or undefined when its config names none. It may
 * run anywhere the models are (the pool runs it on a thread of its own, grammar-compiler.ts).
 */
export function compileSessionGraph(models: ModelCatalog, recognizerOptions: Omit<RecognizerOptions, 'streaming'>, config: SessionConfig): CompiledSessionGraph | undefined {
  if (config.grammar === undefined && config.phraseList === undefined) return undefined;
  const { model } = models.get(config.model);
  const vocabulary = [...model.lexicon.keys()];
  let grammar;
  let ignoredWords: readonly string[] = [];
  if (config.grammar !== undefined) grammar = jsgfGrammar(config.grammar, { vocabulary });
  else {
    const known = knownPhrases(config.phraseList!, vocabulary);
    grammar = phraseListGrammar(known.phrases);
    ignoredWords = known.ignoredWords;
  }
  const graph = compileDecodingGraph(model, grammar, recognizerOptions.graph);
  const bytes = graphBuffers(graph).reduce((sum, buffer) => sum + buffer.byteLength, 0) + 2 * SEARCH_BYTES_PER_NODE * graph.nodeCount;
  return { graph, ignoredWords, bytes };
}

/**
 * A phrase list as the Vosk server takes it: words the model does not know (`[unk]` among them,
 * which Vosk's own clients add) are left out of their phrases, and a phrase left with no word is
 * dropped; none left at all is GRAMMAR_INVALID.
 */
export function knownPhrases(phraseList: readonly string[], vocabulary: readonly string[]): { phrases: string[][]; ignoredWords: string[] } {
  const byLowerCase = new Map(vocabulary.map((word) => [word.toLowerCase(), word]));
  const ignored = new Set<string>();
  const phrases = phraseList
    .map((phrase) =>
      phrase
        .split(/\s+/)
        .filter(Boolean)
        .flatMap((word) => {
          const known = byLowerCase.get(word.toLowerCase());
          if (known === undefined) ignored.add(word);
          return known === undefined ? [] : [known];
        }),
    )
    .filter((phrase) => phrase.length > 0);
  if (phrases.length === 0) {
    throw new BeamlineError(ERROR_CODES.GRAMMAR_INVALID, `config.phrase_list has no word the model knows (it knows ${vocabulary.join(' ')})`);
  }
  return { phrases, ignoredWords: [...ignored] };
}

export interface DecodedChunk {
  readonly events: DecoderEvent[];
  readonly audioSeconds: number;
  readonly decodeSeconds: number;
  /** Mean tokens surviving pruning per frame over this chunk's frames (0 when it completed none). */
  readonly activeTokensPerFrame: number;
}

/** The models a server offers, by name, each with the recogniser its sessions share unless their config names a grammar. The first is the default. */
export class ModelCatalog {
  private readonly byName = new Map<string, { readonly model: SpeechModel; readonly recognizer: Recognizer }>();
  private readonly texts = new Map<string, string>();
  readonly defaultName: string;

  constructor(models: readonly SpeechModel[], recognizerOptions: Omit<RecognizerOptions, 'streaming'>) {
    if (models.length === 0) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, 'a server needs at least one model');
    for (const model of models) {
      if (this.byName.has(model.name)) {
        throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `two models are named ${JSON.stringify(model.name)}: clients choose models by name, so names must differ`);
      }
      this.byName.set(model.name, { model, recognizer: new Recognizer(model, { ...recognizerOptions, streaming: true }) });
    }
    this.defaultName = models[0].name;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The model of that name as a model file's text (made once). */
  text(name: string): string {
    const entry = this.get(name);
    let text = this.texts.get(name);
    if (text === undefined) this.texts.set(name, (text = serializeModel(entry.model)));
    return text;
  }

  /** The model of that name (default: the first); an unknown name is MODEL_UNKNOWN. */
  get(name: string = this.defaultName): { readonly model: SpeechModel; readonly recognizer: Recognizer } {
    const entry = this.byName.get(name);
    if (entry === undefined) {
      throw new BeamlineError(ERROR_CODES.MODEL_UNKNOWN, `no model named ${JSON.stringify(name.slice(0, 100))} on this server; it has ${this.names.map((n) => JSON.stringify(n)).join(', ')}`);
    }
    return entry;
  }
}

export interface DecoderSettings {
  readonly models: ModelCatalog;
  readonly recognizerOptions: Omit<RecognizerOptions, 'streaming'>;
  readonly defaultSampleRateHz: number;
  /** Named talkers (`config.speaker`) kept for speaker adaptation; the least recently used is forgotten past it. Default 100. */
  readonly maxTalkers?: number;
}

export const DEFAULT_MAX_TALKERS = 100;

/**
 * The talkers sessions name (`config.speaker`), by model and name: what one session of a talker
 * learnt, the next starts from. Past `capacity` the talker unused longest is forgotten (each
 * holds about 0.5 MB of statistics with the digits model).
 */
export class Talkers {
  private readonly byKey = new Map<string, SpeakerAdaptation>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, `the most talkers kept must be a positive integer; got ${capacity}`);
  }

  /** The talker of that name for that model's recogniser, made on first use. */
  get(modelName: string, speaker: string, recognizer: Recognizer): SpeakerAdaptation {
    const key = JSON.stringify([modelName, speaker]);
    let talker = this.byKey.get(key);
    if (talker === undefined) {
      talker = recognizer.createSpeaker();
      if (this.byKey.size >= this.capacity) this.byKey.delete(this.byKey.keys().next().value!);
    } else {
      this.byKey.delete(key);
    }
    // Map order is insertion order: the most recently used last, the next to forget first.
    this.byKey.set(key, talker);
    return talker;
  }
}

export class SessionDecoder {
  /** True until the first audio: a stream that starts with a WAV header is read by it. */
  private firstAudio = true;

  private constructor(
    private pcm: PcmDecoder,
    private resampler: Resampler | undefined,
    private readonly recognition: RecognitionSession,
    private rateHz: number,
    private readonly modelRateHz: number,
    private readonly name: string,
    readonly opened: OpenedSession,
  ) {}

  /** `compiled`: the session's grammar compiled beforehand (compileSessionGraph); compiled here when its config has one and it is not given. */
  static async create(settings: DecoderSettings, config: SessionConfig, name: string, talkers?: Talkers, compiled?: CompiledSessionGraph): Promise<SessionDecoder> {
    const { model, recognizer: shared } = settings.models.get(config.model);
    if (config.speaker !== undefined && shared.adaptation !== 'speaker') {
      throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, 'config.speaker names a talker to adapt to, but this server does not adapt to speakers (beamline serve --adaptation speaker)');
    }
    const own = compiled ?? compileSessionGraph(settings.models, settings.recognizerOptions, config);
    const maxAlternatives = config.maxAlternatives ?? 0;
    let recognizer = shared;
    if (own !== undefined || maxAlternatives > 0) {
      // A recogniser of the session's own (0.4 ms to build): its grammar's graph, and N-best for its alternatives.
      const options = settings.recognizerOptions;
      recognizer = new Recognizer(model, {
        ...options,
        compiledGraph: own?.graph ?? shared.graph,
        ...(maxAlternatives > 0 ? { decoder: { ...options.decoder, nBest: maxAlternatives } } : {}),
        streaming: true,
      });
    }
    const rate = config.sampleRateHz ?? settings.defaultSampleRateHz;
    const pcm = new PcmDecoder({ sampleFormat: config.encoding ?? 's16le', channels: 1 }, name);
    const resampler = await resamplerFor(rate, recognizer.sampleRateHz);
    const talker = config.speaker !== undefined && talkers !== undefined ? talkers.get(model.name, config.speaker, recognizer) : undefined;
    return new SessionDecoder(pcm, resampler, recognizer.createSession(talker), rate, recognizer.sampleRateHz, name, {
      ignoredWords: own?.ignoredWords ?? [],
      grammarBytes: own?.bytes ?? 0,
    });
  }

  async push(bytes: Uint8Array): Promise<DecodedChunk> {
    if (this.firstAudio) {
      this.firstAudio = false;
      // A client that streams a WAV file as it is (the Vosk server's test.js): its header says the rate and format.
      if (looksLikeWav(bytes)) bytes = await this.adoptWavHeader(bytes);
    }
    const started = performance.now();
    const before = this.recognition.decoder.stats;
    const samples = this.pcm.push(bytes);
    const events = this.recognition.push(this.resampler ? this.resampler.push(samples) : samples);
    const after = this.recognition.decoder.stats;
    const frames = after.frames - before.frames;
    return {
      events,
      audioSeconds: samples.length / this.rateHz,
      decodeSeconds: (performance.now() - started) / 1000,
      activeTokensPerFrame: frames > 0 ? (after.activeTokens - before.activeTokens) / frames : 0,
    };
  }

  /** Takes the rate and sample format from the WAV header at the start of the stream; returns the audio after it. */
  private async adoptWavHeader(bytes: Uint8Array): Promise<Uint8Array> {
    const header = readWavHeader(bytes, `${this.name}'s WAV header`, { streamStart: true });
    this.pcm = new PcmDecoder(header.layout, this.name);
    if (header.sampleRateHz !== this.rateHz) {
      this.resampler?.release();
      this.resampler = await resamplerFor(header.sampleRateHz, this.modelRateHz);
      this.rateHz = header.sampleRateHz;
    }
    return bytes.subarray(header.dataStart, header.dataEnd);
  }

  /** Ends the utterance now; the session carries on. */
  reset(): DecoderEvent[] {
    return this.recognition.finalize();
  }

  /** End of audio: what the resampler holds, then the last final. */
  finish(): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    if (this.resampler !== undefined) {
      events.push(...this.recognition.push(this.resampler.finish()));
      this.release();
    }
    events.push(...this.recognition.finish());
    return events;
  }

  release(): void {
    this.resampler?.release();
    this.resampler = undefined;
  }
}

/** A resampler from the client's rate to the model's, or none when they are equal. */
async function resamplerFor(inputRateHz: number, outputRateHz: number): Promise<Resampler | undefined> {
  return inputRateHz === outputRateHz ? undefined : Resampler.create({ inputRateHz, outputRateHz });
}

/** Where sessions decode: the main thread, or a pool of workers (decoding-pool.ts). */
export interface SessionDecoders {
  /** Settles when decoding can start (workers have loaded the model). */
  readonly ready: Promise<void>;
  open(id: string, config: SessionConfig): Promise<OpenedSession>;
  push(id: string, bytes: Uint8Array): Promise<DecodedChunk>;
  reset(id: string): Promise<DecoderEvent[]>;
  finish(id: string): Promise<DecoderEvent[]>;
  release(id: string): void;
  close(): Promise<void>;
}

/** Every session on the calling thread. */
export class InProcessDecoders implements SessionDecoders {
  private readonly sessions = new Map<string, SessionDecoder>();
  readonly talkers: Talkers;
  readonly ready = Promise.resolve();

  constructor(private readonly settings: DecoderSettings) {
    this.talkers = new Talkers(settings.maxTalkers ?? DEFAULT_MAX_TALKERS);
  }

  /** `compiled`: the session's grammar compiled elsewhere beforehand (a worker of the pool gets it so). */
  async open(id: string, config: SessionConfig, compiled?: CompiledSessionGraph): Promise<OpenedSession> {
    const session = await SessionDecoder.create(this.settings, config, `session ${id}`, this.talkers, compiled);
    this.sessions.set(id, session);
    return session.opened;
  }

  private get(id: string): SessionDecoder {
    const session = this.sessions.get(id);
    if (session === undefined) throw new Error(`no decoder for session ${id}`);
    return session;
  }

  push(id: string, bytes: Uint8Array): Promise<DecodedChunk> {
    return this.get(id).push(bytes);
  }

  async reset(id: string): Promise<DecoderEvent[]> {
    return this.get(id).reset();
  }

  async finish(id: string): Promise<DecoderEvent[]> {
    return this.get(id).finish();
  }

  release(id: string): void {
    this.sessions.get(id)?.release();
    this.sessions.delete(id);
  }

  async close(): Promise<void> {
    for (const id of [...this.sessions.keys()]) this.release(id);
  }
}
