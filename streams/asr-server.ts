/**
 * The WebSocket server: audio sessions that speak a Vosk-compatible protocol (paths `/` and
 * `/asr`), subscribers that watch every session's hypotheses (`/subscribe`), and `GET /healthz`.
 * docs/PROTOCOL.md is the contract.
 *
 * Each audio session owns a session decoder (a PCM decoder, a resampler when the client's rate
 * differs from the model's, and a streaming recognition session: live partials and endpoints,
 * second-pass finals), which runs in a pool of worker threads (one per core by default), so the
 * main thread only moves messages. Messages of a
 * session are handled strictly in order; every audio message gets exactly one reply (a partial,
 * repeated if unchanged, or a result), so lock-step clients never stall. A bad message gets an
 * error reply with a stable code and the session is closed with a documented close code; other
 * sessions never notice. Every socket has an error listener (ws reports an oversized message as an
 * error event, which would otherwise kill the process). `GET /metrics` gives Prometheus figures.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  BeamlineError,
  ERROR_CODES,
  bytesPerSample,
  isBeamlineError,
  type DecoderEvent,
  type FinalHypothesis,
  type PartialHypothesis,
  type RecognizerOptions,
  type SpeechModel,
} from '../src/index.ts';
import { errorReply, mergeConfigs, parseClientMessage, partialReply, resultReply, type ReplyContext, type SessionConfig } from './asr-protocol.ts';
import { DecodingPool } from './decoding-pool.ts';
import { InProcessDecoders, ModelCatalog, type SessionDecoders } from './session-decoder.ts';

export interface AsrServerOptions {
  /** The models clients may choose by name (config "model"); the first is the default. Names must differ. */
  readonly models: readonly SpeechModel[];
  /** Settings for every session's recogniser (grammar, graph, decoder). Sessions always stream. */
  readonly recognizer?: Omit<RecognizerOptions, 'streaming'>;
  readonly host?: string;
  /** 0 picks a free port. Default 2700 (Vosk's). */
  readonly port?: number;
  /** When set, every connection must present it (Authorization: Bearer, or ?token=). */
  readonly token?: string;
  /**
   * Web pages (by their Origin) allowed to connect besides the safe default: pages on loopback
   * (localhost, 127.0.0.0/8, [::1]) and, when the server listens beyond loopback, pages of its
   * own origin. `['*']` allows any page. Clients that send no Origin (not browsers) are not
   * affected; protect those with `token`.
   */
  readonly allowOrigins?: readonly string[];
  /** Audio sessions at once. Default 200. */
  readonly maxSessions?: number;
  /** Largest message, bytes. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** A session with no message for this long is closed. Default 60 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Audio a session may have waiting to be decoded, in seconds at its rate; a client sending faster than decoding keeps up is closed. Default 30. */
  readonly maxBufferedSeconds?: number;
  /** Client sample rate when the config names none. Default 8000 (the Vosk server's). */
  readonly defaultSampleRateHz?: number;
  /** Messages (text or audio) a session may have waiting to be handled; past it the session is closed with LIMIT_EXCEEDED. Default 2000. */
  readonly maxQueuedMessages?: number;
  /**
   * Bytes all sessions' own grammars may take together (their graphs and search tables); a
   * session whose grammar would pass it is refused with LIMIT_EXCEEDED. Default 1 GiB: a list of
   * 5,000 PINs takes about 2 MB.
   */
  readonly maxGrammarBytes?: number;
  /** On close (SIGTERM), how long sessions may go on sending before they get their final and 1001, ms. Default 5000. */
  readonly shutdownGraceMs?: number;
  /** Longest a session's grammar may take to compile (on the pool's compiler thread), ms. Default 10 000. */
  readonly grammarCompileTimeoutMs?: number;
  /** Subscribers at once; past it a new one is refused with 503. Default 100. */
  readonly maxSubscribers?: number;
  /** Bytes of replies a session's client may leave unread in its socket before the session is closed as not reading. Default 1 MiB. */
  readonly maxUnreadBytes?: number;
  /** Messages a subscriber may have waiting before it is closed as too slow. Default 1000. */
  readonly subscriberQueueLimit?: number;
  /** Decoding worker threads; 0 decodes on the main thread. Default: one per core. */
  readonly workers?: number;
  /** With speaker adaptation: named talkers (`config.speaker`) kept per decoding thread. Default 100. */
  readonly maxTalkers?: number;
  /** More GET routes (the demo pages): called for paths the server does not serve itself; returns true when it answered. */
  readonly pages?: (path: string, response: ServerResponse) => boolean;
  /** Structured log lines (one object per event); default none. */
  readonly log?: (entry: Record<string, unknown>) => void;
}

/** Close codes (docs/PROTOCOL.md). */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  INVALID_DATA: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
} as const;

const SUBSCRIBER_HIGH_WATER_BYTES = 64 * 1024;

function rawLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((sum, part) => sum + part.byteLength, 0) : data.byteLength;
}

/** localhost, 127.0.0.0/8 and ::1, as a URL's hostname or a listening address gives them. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * ws closes a connection on a frame it cannot take (too large: 1009; invalid UTF-8: 1007) with
 * an empty reason and no message, before telling us. This makes that close say why, as every
 * other close of ours does: an error reply with the stable code first, then the code as reason.
 */
function giveProtocolFailuresAReason(socket: WebSocket, maxPayloadBytes: number): void {
  const close = socket.close.bind(socket);
  socket.close = (code?: number, reason?: string | Buffer): void => {
    if (reason === undefined && (code === CLOSE_CODES.TOO_BIG || code === CLOSE_CODES.INVALID_DATA) && socket.readyState === socket.OPEN) {
      const [errorCode, message] =
        code === CLOSE_CODES.TOO_BIG
          ? [ERROR_CODES.LIMIT_EXCEEDED, `a message over ${maxPayloadBytes} bytes (beamline serve --max-payload)`]
          : [ERROR_CODES.PROTOCOL_INVALID, 'a text message that is not valid UTF-8'];
      socket.send(JSON.stringify(errorReply(errorCode, message)));
      close(code, `${errorCode}: ${message}`.slice(0, 120));
      return;
    }
    close(code, reason);
  };
}

function closeCodeFor(code: string): number {
  if (code === ERROR_CODES.LIMIT_EXCEEDED) return CLOSE_CODES.POLICY;
  if (code === ERROR_CODES.UNAUTHORIZED) return CLOSE_CODES.POLICY;
  return CLOSE_CODES.INVALID_DATA;
}

/** The server's Prometheus figures, in a registry of its own. */
class ServerMetrics {
  readonly registry = new Registry();
  readonly audioSeconds = new Counter({ name: 'beamline_audio_seconds_total', help: 'Seconds of audio decoded', registers: [this.registry] });
  readonly decodeSeconds = new Counter({ name: 'beamline_decode_seconds_total', help: 'Seconds spent decoding (front end and search)', registers: [this.registry] });
  readonly replyLatency = new Histogram({
    name: 'beamline_reply_latency_seconds',
    help: 'From an audio message arriving to its reply being sent (queueing included): the decode lag',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly subscriberLatency = new Histogram({
    name: 'beamline_subscriber_latency_seconds',
    help: 'From an audio message arriving to a partial or final it caused being sent to a subscriber',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(server: { readonly sessionCount: number; readonly subscriberCount: number; readonly grammarBytesInUse: number }) {
    const registry = this.registry;
    new Gauge({ name: 'beamline_sessions', help: 'Open audio sessions', registers: [registry], collect() { this.set(server.sessionCount); } });
    new Gauge({ name: 'beamline_subscribers', help: 'Connected subscribers', registers: [registry], collect() { this.set(server.subscriberCount); } });
    new Gauge({ name: 'beamline_grammar_bytes', help: "Bytes the sessions' own grammars take (graphs and search tables)", registers: [registry], collect() { this.set(server.grammarBytesInUse); } });
    const audio = this.audioSeconds;
    const decode = this.decodeSeconds;
    new Gauge({
      name: 'beamline_real_time_factor',
      help: 'Decoding time over audio time since the server started',
      registers: [registry],
      async collect() {
        const [heard, spent] = await Promise.all([audio.get(), decode.get()]);
        const seconds = heard.values[0]?.value ?? 0;
        this.set(seconds > 0 ? (spent.values[0]?.value ?? 0) / seconds : 0);
      },
    });
    collectDefaultMetrics({ register: registry, prefix: 'beamline_' });
  }
}

/** What a subscriber queue needs of its socket (a ws WebSocket, or a stand-in in tests). */
export interface SubscriberSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(text: string): void;
  close(code: number, reason: string): void;
}

/**
 * One subscriber's outbox. Messages go straight out while the socket keeps up (less than 64 KiB
 * waiting in it); otherwise they wait here, where a newer partial of a session replaces an unsent
 * one and finals are never dropped. Over `limit` waiting messages the subscriber is closed.
 */
export class SubscriberQueue {
  private readonly queue: { session: string; kind: string; text: string; causedAt: number | undefined }[] = [];
  constructor(
    readonly socket: SubscriberSocket,
    readonly sessionFilter: string | undefined,
    private readonly limit: number,
    /** Told, for each message sent that an audio message caused, the milliseconds since that audio arrived. */
    private readonly onSent: (milliseconds: number) => void = () => undefined,
    /** Told when the subscriber is closed as too slow, with the messages it had waiting. */
    private readonly onCutOff: (waiting: number) => void = () => undefined,
  ) {}

  /**
   * Queues a message; a newer partial replaces an unsent one of the same session; finals are
   * never dropped. `causedAt` is when the audio message that caused it arrived (performance.now()).
   */
  offer(session: string, kind: string, text: string, causedAt?: number): void {
    if (this.sessionFilter !== undefined && this.sessionFilter !== session) return;
    if (kind === 'partial') {
      const stale = this.queue.findIndex((entry) => entry.kind === 'partial' && entry.session === session);
      if (stale >= 0) this.queue.splice(stale, 1);
    }
    this.queue.push({ session, kind, text, causedAt });
    this.flush();
  }

  /** Messages waiting (for tests and figures). */
  get waiting(): number {
    return this.queue.length;
  }

  flush(): void {
    while (this.queue.length > 0 && this.socket.readyState === this.socket.OPEN && this.socket.bufferedAmount < SUBSCRIBER_HIGH_WATER_BYTES) {
      const { text, causedAt } = this.queue.shift()!;
      this.socket.send(text);
      if (causedAt !== undefined) this.onSent(performance.now() - causedAt);
    }
    if (this.queue.length > this.limit && this.socket.readyState === this.socket.OPEN) {
      this.onCutOff(this.queue.length);
      // What waits here is dropped: the error and the close frame go out right behind what the
      // socket already holds, so a subscriber that reads again soon learns why.
      this.queue.length = 0;
      this.socket.send(JSON.stringify(errorReply(ERROR_CODES.LIMIT_EXCEEDED, `subscriber too slow: more than ${this.limit} messages waiting`)));
      this.socket.close(CLOSE_CODES.POLICY, `${ERROR_CODES.LIMIT_EXCEEDED}: subscriber too slow`);
    }
  }
}

interface QueuedMessage {
  readonly data: RawData;
  readonly isBinary: boolean;
  /** performance.now() when it arrived. */
  readonly arrived: number;
  readonly bytes: number;
}

class AudioSession {
  private config: SessionConfig = {};
  private audioSeen = false;
  /** Seconds of audio this session has received and decoded. */
  private audioSeconds = 0;
  /**
   * Messages received and not yet handled, oldest first, with the audio bytes among them. Bounded
   * in messages and in seconds of audio; dropped whole, in O(1), when the session ends.
   */
  private inbox: QueuedMessage[] = [];
  private waitingBytes = 0;
  /** Settles when the inbox has been worked through (or dropped); undefined while idle. */
  private draining: Promise<void> | undefined;
  private ended = false;
  /** Shutting down past the grace period: what arrives from now on is not decoded. */
  private inputClosed = false;
  /** Settles when the session has ended, however it ended. */
  readonly done: Promise<void>;
  private settleDone!: () => void;
  private opened = false;
  private lastPartial: PartialHypothesis | undefined;
  /**
   * Results of utterances not yet sent: an audio message whose audio ended two utterances
   * answers with the first, the next message with the second, so each utterance has a result of
   * its own and each message one reply.
   */
  private readonly waitingResults: Record<string, unknown>[] = [];
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    private readonly server: AsrServer,
  ) {
    this.done = new Promise((resolve) => (this.settleDone = resolve));
    this.touch();
  }

  private get context(): ReplyContext {
    return { session: this.id, words: this.config.words ?? true, maxAlternatives: this.config.maxAlternatives ?? 0 };
  }

  /** Queues a message; messages are handled strictly one after another. */
  receive(data: RawData, isBinary: boolean): void {
    if (this.ended || this.inputClosed) return; // the connection is going: nothing more to decode or answer
    this.touch();
    const bytes = isBinary ? rawLength(data) : 0;
    const limitBytes = this.server.maxBufferedSeconds * (this.config.sampleRateHz ?? this.server.defaultSampleRateHz) * bytesPerSample(this.config.encoding ?? 's16le');
    // Refused at once, not queued: memory stays bounded however fast the client sends.
    if (this.waitingBytes + bytes > limitBytes) {
      this.fail(new BeamlineError(ERROR_CODES.LIMIT_EXCEEDED, `more than ${this.server.maxBufferedSeconds} s of audio waiting to be decoded: send audio no faster than real time, or wait for each reply`));
      return;
    }
    if (this.inbox.length >= this.server.maxQueuedMessages) {
      this.fail(new BeamlineError(ERROR_CODES.LIMIT_EXCEEDED, `more than ${this.server.maxQueuedMessages} messages waiting to be handled: send fewer, larger audio messages, or wait for each reply`));
      return;
    }
    this.waitingBytes += bytes;
    this.inbox.push({ data, isBinary, arrived: performance.now(), bytes });
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    while (!this.ended && this.inbox.length > 0) {
      const message = this.inbox.shift()!;
      try {
        await this.handle(message.data, message.isBinary, message.arrived);
        if (message.isBinary) this.server.metrics.replyLatency.observe((performance.now() - message.arrived) / 1000);
      } catch (error) {
        this.fail(error);
      } finally {
        if (!this.ended) this.waitingBytes -= message.bytes;
      }
    }
    this.draining = undefined;
  }

  private async handle(data: RawData, isBinary: boolean, arrived: number): Promise<void> {
    if (this.ended) throw new BeamlineError(ERROR_CODES.PROTOCOL_ORDER, 'the session has ended (eof): open a new connection');
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const decoders = this.server.decoders;
    if (!isBinary) {
      const message = parseClientMessage(bytes.toString('utf8'));
      if (message.kind === 'config') {
        if (this.audioSeen) throw new BeamlineError(ERROR_CODES.PROTOCOL_ORDER, 'config must come before the first audio, and this session has sent audio: open a new connection for other settings');
        // Another config before any audio changes the fields it names, as the Vosk server does.
        this.config = mergeConfigs(this.config, message.config);
        this.releaseDecoder();
        await this.open();
        return;
      }
      await this.open();
      if (message.kind === 'reset') {
        this.replyWithAllResults(this.finals(await decoders.reset(this.id)));
        return;
      }
      const finals = this.finals(await decoders.finish(this.id));
      this.ended = true;
      this.replyWithAllResults(finals);
      this.end(CLOSE_CODES.NORMAL, 'eof');
      return;
    }
    this.audioSeen = true;
    await this.open();
    const chunk = await decoders.push(this.id, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.server.metrics.decodeSeconds.inc(chunk.decodeSeconds);
    this.server.metrics.audioSeconds.inc(chunk.audioSeconds);
    this.audioSeconds += chunk.audioSeconds;
    this.waitingResults.push(...this.finals(chunk.events, arrived).map((final) => resultReply(final, this.context)));
    // One reply per audio message: the oldest result not yet sent, else the partial.
    const reply = this.waitingResults.shift() ?? partialReply(this.lastPartial, this.context);
    if (this.config.searchStats === true) reply.active_tokens = Math.round(chunk.activeTokensPerFrame * 10) / 10;
    this.reply(reply);
  }

  /** Sets up this session's decoder (recogniser, PCM decoder, resampler) for its config, once. */
  private async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    const { ignoredWords, grammarBytes } = await this.server.decoders.open(this.id, this.config);
    if (!this.server.reserveGrammarBytes(this.id, grammarBytes)) {
      this.releaseDecoder();
      throw new BeamlineError(
        ERROR_CODES.LIMIT_EXCEEDED,
        `this session's grammar needs ${(grammarBytes / 2 ** 20).toFixed(1)} MiB, more than the server has left for grammars (--max-grammar-mb ${Math.round(this.server.maxGrammarBytes / 2 ** 20)}): use a smaller grammar, or try again later`,
      );
    }
    if (ignoredWords.length > 0) this.server.logEntry({ event: 'phrase-list-words-ignored', session: this.id, words: ignoredWords });
  }

  private releaseDecoder(): void {
    if (this.opened) this.server.decoders.release(this.id);
    this.server.reserveGrammarBytes(this.id, 0);
    this.opened = false;
  }

  /** Remembers the latest partial, publishes every event, returns the finals. */
  private finals(events: readonly DecoderEvent[], causedAt?: number): FinalHypothesis[] {
    const finals: FinalHypothesis[] = [];
    for (const event of events) {
      if (event.type === 'partial') this.lastPartial = event;
      else {
        finals.push(event);
        this.lastPartial = undefined;
        if (!event.complete) this.server.logEntry({ event: 'incomplete-final', session: this.id, utterance: event.utterance, message: 'no path reached the end of the grammar: the result has no words' });
      }
      this.server.publish(this.id, event, this.context, this.audioSeconds, causedAt);
    }
    return finals;
  }

  /**
   * The answer to eof, reset or shutdown: every result still waiting and these finals', each its
   * own message, the last being the answer (an empty result when there is none).
   */
  private replyWithAllResults(finals: readonly FinalHypothesis[]): void {
    const results = [...this.waitingResults.splice(0), ...finals.map((final) => resultReply(final, this.context))];
    for (const result of results.slice(0, -1)) this.reply(result);
    this.reply(results.at(-1) ?? resultReply(undefined, this.context));
  }

  private reply(message: Record<string, unknown>): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
    if (!this.ended && this.socket.bufferedAmount > this.server.maxUnreadBytes) {
      // A client that sends but never reads would have its replies pile up here without end. No
      // error reply: it would only wait behind the others.
      this.server.logEntry({ event: 'session-error', session: this.id, code: ERROR_CODES.LIMIT_EXCEEDED, message: `more than ${this.server.maxUnreadBytes} bytes of replies unread` });
      this.end(CLOSE_CODES.POLICY, `${ERROR_CODES.LIMIT_EXCEEDED}: replies not read`);
    }
  }

  fail(error: unknown): void {
    const code = isBeamlineError(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    this.server.logEntry({ event: 'session-error', session: this.id, code, message });
    this.reply(errorReply(code, message));
    this.end(closeCodeFor(code), code);
  }

  /**
   * Server shutdown: the client may go on sending until `graceOver` (a lock-step client gets its
   * replies, one that ends with eof its result and 1000, as usual); then what it sent is decoded
   * to the end, and it gets the final result of what was heard and 1001.
   */
  async shutdown(graceOver: Promise<void>): Promise<void> {
    await Promise.race([this.done, graceOver]);
    this.inputClosed = true;
    while (this.draining !== undefined) await this.draining;
    if (this.ended) return;
    this.ended = true;
    if (this.opened) {
      try {
        this.replyWithAllResults(this.finals(await this.server.decoders.finish(this.id)));
      } catch (error) {
        this.server.logEntry({ event: 'session-error', session: this.id, message: error instanceof Error ? error.message : String(error) });
      }
    }
    this.end(CLOSE_CODES.GOING_AWAY, 'server shutting down');
  }

  end(code: number, reason: string): void {
    this.ended = true;
    // Whatever is still queued is dropped with the array: no per-message work, however many.
    this.inbox = [];
    this.waitingBytes = 0;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.releaseDecoder();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason.slice(0, 120));
    this.server.sessionEnded(this.id);
    this.settleDone();
  }

  private touch(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.reply(errorReply(ERROR_CODES.LIMIT_EXCEEDED, `no message for ${this.server.idleTimeoutMs} ms`));
      this.end(CLOSE_CODES.POLICY, `${ERROR_CODES.LIMIT_EXCEEDED}: idle`);
    }, this.server.idleTimeoutMs);
    this.idleTimer.unref?.();
  }
}

export class AsrServer {
  readonly models: ModelCatalog;
  readonly recognizerOptions: Omit<RecognizerOptions, 'streaming'>;
  readonly defaultSampleRateHz: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedSeconds: number;
  readonly maxQueuedMessages: number;
  readonly maxUnreadBytes: number;
  readonly maxGrammarBytes: number;
  readonly metrics: ServerMetrics;
  /** Where sessions decode: worker threads, or this thread when `workers` is 0. */
  readonly decoders: SessionDecoders;
  private readonly options: AsrServerOptions;
  private readonly http: Server;
  private readonly sockets: WebSocketServer;
  private readonly sessions = new Map<string, AudioSession>();
  private readonly subscribers = new Set<SubscriberQueue>();
  /** Bytes each session's own grammar takes, and their sum. */
  private readonly grammarBytes = new Map<string, number>();
  private grammarBytesReserved = 0;
  /** Whether each subscriber answered the last ping: one that does not answer the next either is gone. */
  private readonly subscriberAlive = new Map<WebSocket, boolean>();
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private nextSession = 1;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private closing = false;
  /** During close: ends the grace period at once. */
  private endGrace: (() => void) | undefined;

  constructor(options: AsrServerOptions) {
    this.options = options;
    // One reply per audio message: the partial at the end of each message is all anyone sees.
    const recognizer = options.recognizer ?? {};
    this.recognizerOptions = { ...recognizer, decoder: { partialsEvery: 'push', ...recognizer.decoder } };
    this.models = new ModelCatalog(options.models, this.recognizerOptions);
    this.defaultSampleRateHz = options.defaultSampleRateHz ?? 8000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.maxBufferedSeconds = options.maxBufferedSeconds ?? 30;
    this.maxQueuedMessages = options.maxQueuedMessages ?? 2000;
    this.maxUnreadBytes = options.maxUnreadBytes ?? 1024 * 1024;
    this.maxGrammarBytes = options.maxGrammarBytes ?? 2 ** 30;
    this.metrics = new ServerMetrics(this);
    const workers = options.workers ?? availableParallelism();
    this.decoders =
      workers > 0
        ? new DecodingPool(options.models, this.recognizerOptions, this.defaultSampleRateHz, workers, options.maxTalkers, options.grammarCompileTimeoutMs)
        : new InProcessDecoders({
            models: this.models,
            recognizerOptions: this.recognizerOptions,
            defaultSampleRateHz: this.defaultSampleRateHz,
            ...(options.maxTalkers !== undefined ? { maxTalkers: options.maxTalkers } : {}),
          });
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 1024 * 1024 });
    this.http = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (request.method === 'GET' && path === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => {
            response.writeHead(200, { 'content-type': this.metrics.registry.contentType });
            response.end(text);
          },
          (error: unknown) => {
            response.writeHead(500, { 'content-type': 'text/plain' });
            response.end(String(error));
          },
        );
        return;
      }
      if (request.method === 'GET' && path === '/healthz') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: this.closing ? 'closing' : 'ok', models: this.models.names, sessions: this.sessions.size, subscribers: this.subscribers.size }));
        return;
      }
      const modelFile = /^\/models\/([^/]+)\.json$/.exec(path);
      if (request.method === 'GET' && modelFile !== null && this.models.names.includes(decodeURIComponent(modelFile[1]))) {
        // For decoding in the page: a model by its name (the server never maps a client's text to a file).
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
        response.end(this.models.text(decodeURIComponent(modelFile[1])));
        return;
      }
      if (request.method === 'GET' && this.options.pages?.(path, response) === true) return;
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found: audio sessions at / and /asr, subscribers at /subscribe, GET /healthz, /metrics and /models/NAME.json\n');
    });
    this.http.on('upgrade', (request, socket, head) => {
      socket.on('error', () => socket.destroy());
      const refusal = this.refusal(request);
      if (refusal !== undefined) {
        socket.end(`HTTP/1.1 ${refusal.status} ${refusal.text}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal.code}: ${refusal.message}\n`);
        this.logEntry({ event: 'refused', code: refusal.code, message: refusal.message });
        return;
      }
      this.sockets.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
    });
  }

  /** Starts listening once the decoders are ready; resolves to the port. */
  async listen(): Promise<number> {
    await this.decoders.ready;
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 2700, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.flushTimer = setInterval(() => {
      for (const subscriber of this.subscribers) subscriber.flush();
    }, 20);
    this.flushTimer.unref?.();
    // Subscribers send nothing, so their liveness is asked: a ping every half idle timeout.
    this.pingTimer = setInterval(() => {
      for (const [socket, alive] of this.subscriberAlive) {
        if (!alive) {
          this.logEntry({ event: 'subscriber-closed', code: ERROR_CODES.LIMIT_EXCEEDED, message: `no answer to a ping within ${this.idleTimeoutMs} ms` });
          socket.terminate();
          continue;
        }
        this.subscriberAlive.set(socket, false);
        socket.ping();
      }
    }, this.idleTimeoutMs / 2);
    this.pingTimer.unref?.();
    const port = (this.http.address() as AddressInfo).port;
    this.logEntry({ event: 'listening', host: this.options.host ?? '127.0.0.1', port });
    return port;
  }

  /**
   * Stops accepting connections; lets every session go on sending for the grace period
   * (`shutdownGraceMs`, or `graceMs` here), decodes all it sent, sends each its final, and closes
   * everything with 1001.
   */
  async close(graceMs = this.options.shutdownGraceMs ?? 5000): Promise<void> {
    this.closing = true;
    const graceOver = new Promise<void>((resolve) => {
      this.endGrace = resolve;
      setTimeout(resolve, graceMs).unref?.();
    });
    this.logEntry({ event: 'closing', sessions: this.sessions.size, graceMs });
    await Promise.all([...this.sessions.values()].map((session) => session.shutdown(graceOver)));
    for (const subscriber of this.subscribers) subscriber.socket.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.decoders.close();
    this.logEntry({ event: 'closed' });
  }

  /** Sets what a session's grammar takes (0 to free it); false, and nothing set, when that would pass the server's budget. */
  reserveGrammarBytes(session: string, bytes: number): boolean {
    const before = this.grammarBytes.get(session) ?? 0;
    if (bytes > before && this.grammarBytesReserved - before + bytes > this.maxGrammarBytes) return false;
    this.grammarBytesReserved += bytes - before;
    if (bytes === 0) this.grammarBytes.delete(session);
    else this.grammarBytes.set(session, bytes);
    return true;
  }

  /** During close: cuts the grace period short (a second SIGTERM); sessions get their finals now. */
  hurry(): void {
    this.endGrace?.();
  }

  get grammarBytesInUse(): number {
    return this.grammarBytesReserved;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  logEntry(entry: Record<string, unknown>): void {
    this.options.log?.(entry);
  }

  /** Sends an event to the subscribers, with `audio_time`: the seconds of the session's audio received when it was made. */
  publish(session: string, event: DecoderEvent, context: ReplyContext, audioSeconds: number, causedAt?: number): void {
    if (this.subscribers.size === 0) return;
    const audio_time = Math.round(audioSeconds * 1000) / 1000;
    const body =
      event.type === 'partial'
        ? { type: 'partial', ...partialReply(event, context), audio_time }
        : { type: 'final', ...resultReply(event, { ...context, words: true }), audio_time };
    this.broadcast(session, event.type, body, causedAt);
  }

  sessionEnded(id: string): void {
    if (this.sessions.delete(id)) {
      this.broadcast(id, 'session-end', { type: 'session-end', session: id });
      this.logEntry({ event: 'session-end', session: id });
    }
  }

  /** Stringified once for every subscriber. */
  private broadcast(session: string, kind: string, body: Record<string, unknown>, causedAt?: number): void {
    const text = JSON.stringify(body);
    for (const subscriber of this.subscribers) subscriber.offer(session, kind, text, causedAt);
  }

  private refusal(request: IncomingMessage): { status: number; text: string; code: string; message: string } | undefined {
    const url = new URL(request.url ?? '/', 'http://x');
    if (!['/', '/asr', '/subscribe'].includes(url.pathname)) {
      return { status: 404, text: 'Not Found', code: ERROR_CODES.PROTOCOL_INVALID, message: `no WebSocket endpoint at ${url.pathname} (use /, /asr or /subscribe)` };
    }
    if (this.closing) return { status: 503, text: 'Service Unavailable', code: ERROR_CODES.LIMIT_EXCEEDED, message: 'the server is shutting down' };
    const token = this.options.token;
    if (token !== undefined) {
      const header = request.headers.authorization;
      // HTTP authentication schemes are case-insensitive (RFC 9110 §11.1).
      const bearer = header === undefined ? null : /^bearer +(.+)$/i.exec(header);
      const presented = bearer !== null ? bearer[1] : url.searchParams.get('token');
      if (presented !== token) return { status: 401, text: 'Unauthorized', code: ERROR_CODES.UNAUTHORIZED, message: 'present the server token (Authorization: Bearer, or ?token=)' };
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, request.headers.host)) {
      return {
        status: 403,
        text: 'Forbidden',
        code: ERROR_CODES.UNAUTHORIZED,
        message: `origin ${origin.slice(0, 100)} is not allowed: only pages on loopback or of this server's own origin may connect (beamline serve --allow-origin adds others)`,
      };
    }
    const maxSubscribers = this.options.maxSubscribers ?? 100;
    if (url.pathname === '/subscribe' && this.subscribers.size >= maxSubscribers) {
      return { status: 503, text: 'Service Unavailable', code: ERROR_CODES.LIMIT_EXCEEDED, message: `the server has its maximum of ${maxSubscribers} subscribers; try again later` };
    }
    if (url.pathname !== '/subscribe' && this.sessions.size >= (this.options.maxSessions ?? 200)) {
      return { status: 503, text: 'Service Unavailable', code: ERROR_CODES.LIMIT_EXCEEDED, message: `the server has its maximum of ${this.options.maxSessions ?? 200} sessions; try again later` };
    }
    return undefined;
  }

  /**
   * Whether a browser page of `origin` may connect. A page elsewhere must not read every
   * session's transcript just because its visitor runs a server on loopback: only loopback pages,
   * and the server's own origin when it listens beyond loopback (on loopback the same-origin
   * test would let a DNS-rebinding page through), unless `allowOrigins` names more.
   */
  private originAllowed(origin: string, host: string | undefined): boolean {
    const allowed = this.options.allowOrigins ?? [];
    if (allowed.includes('*') || allowed.includes(origin)) return true;
    let originHost: URL;
    try {
      originHost = new URL(origin);
    } catch {
      return false;
    }
    if (isLoopbackName(originHost.hostname)) return true;
    return !isLoopbackName(this.options.host ?? '127.0.0.1') && host !== undefined && originHost.host === host;
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    giveProtocolFailuresAReason(socket, this.sockets.options.maxPayload ?? 0);
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/subscribe') {
      const subscriber = new SubscriberQueue(
        socket,
        url.searchParams.get('session') ?? undefined,
        this.options.subscriberQueueLimit ?? 1000,
        (ms) => this.metrics.subscriberLatency.observe(ms / 1000),
        (waiting) => this.logEntry({ event: 'subscriber-closed', code: ERROR_CODES.LIMIT_EXCEEDED, message: `too slow: ${waiting} messages waiting` }),
      );
      this.subscribers.add(subscriber);
      this.subscriberAlive.set(socket, true);
      socket.on('pong', () => this.subscriberAlive.set(socket, true));
      socket.on('error', (error) => this.logEntry({ event: 'subscriber-error', message: error.message }));
      socket.on('close', () => {
        this.subscribers.delete(subscriber);
        this.subscriberAlive.delete(socket);
      });
      socket.on('message', () => {
        socket.send(JSON.stringify(errorReply(ERROR_CODES.PROTOCOL_INVALID, 'subscribers only listen; send nothing')));
      });
      return;
    }
    const id = String(this.nextSession++);
    const session = new AudioSession(id, socket, this);
    this.sessions.set(id, session);
    this.broadcast(id, 'session-start', { type: 'session-start', session: id });
    this.logEntry({ event: 'session-start', session: id });
    socket.on('message', (data, isBinary) => session.receive(data, isBinary));
    socket.on('error', (error: Error & { code?: string }) => {
      // ws reports an oversized message here, then closes with 1009.
      this.logEntry({ event: 'socket-error', session: id, code: error.code, message: error.message });
      session.end(CLOSE_CODES.TOO_BIG, `${ERROR_CODES.LIMIT_EXCEEDED}: ${error.message}`);
    });
    socket.on('close', () => session.end(CLOSE_CODES.NORMAL, 'closed by client'));
  }
}
