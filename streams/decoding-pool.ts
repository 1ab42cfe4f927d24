/**
 * A pool of decoding workers (session-worker.ts): each session is placed on the worker with the
 * fewest sessions and stays there, so its messages keep their order. A session that names its
 * talker (`config.speaker`) goes to the worker its model and name hash to, where that talker's
 * adaptation lives. The server talks to the pool through the same interface as to in-process
 * decoders.
 */
import { Worker } from 'node:worker_threads';
import { BeamlineError, serializeModel, type DecoderEvent, type ErrorCode, type RecognizerOptions, type SpeechModel } from '../src/index.ts';
import type { SessionConfig } from './asr-protocol.ts';
import { GrammarCompiler } from './grammar-compiler.ts';
import { graphBuffers, type CompiledSessionGraph, type DecodedChunk, type OpenedSession, type SessionDecoders } from './session-decoder.ts';

export type WorkerRequestBody =
  | { readonly kind: 'open'; readonly session: string; readonly config: SessionConfig; readonly compiled?: CompiledSessionGraph }
  | { readonly kind: 'push'; readonly session: string; readonly bytes: Uint8Array }
  | { readonly kind: 'reset' | 'finish' | 'release'; readonly session: string };

export type WorkerRequest = WorkerRequestBody & { readonly id: number };

export interface WorkerResponse {
  readonly id: number;
  readonly result?: DecodedChunk | DecoderEvent[] | OpenedSession | undefined;
  readonly error?: { readonly code: string; readonly message: string };
}

interface PoolWorker {
  readonly worker: Worker;
  sessions: number;
}

export class DecodingPool implements SessionDecoders {
  private readonly workers: PoolWorker[];
  private readonly placement = new Map<string, PoolWorker>();
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private nextId = 1;
  /** The model a config that names none gets: part of a talker's key. */
  private readonly defaultModel: string;
  /** Settles when every worker has loaded the model. */
  readonly ready: Promise<void>;
  /** Sessions' own grammars are compiled here, never on a decoding thread. */
  private readonly compiler: GrammarCompiler;

  constructor(
    models: readonly SpeechModel[],
    recognizerOptions: Omit<RecognizerOptions, 'streaming'>,
    defaultSampleRateHz: number,
    size: number,
    maxTalkers?: number,
    grammarCompileTimeoutMs?: number,
  ) {
    this.compiler = new GrammarCompiler(models, recognizerOptions, grammarCompileTimeoutMs);
    const modelTexts = models.map(serializeModel);
    this.defaultModel = models[0]?.name ?? '';
    const readiness: Promise<void>[] = [];
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./session-worker-entry.js', import.meta.url), { workerData: { modelTexts, recognizerOptions, defaultSampleRateHz, maxTalkers } });
      readiness.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
      );
      worker.on('message', (response: WorkerResponse) => {
        const waiting = this.pending.get(response.id);
        if (waiting === undefined) return;
        this.pending.delete(response.id);
        if (response.error !== undefined) waiting.reject(new BeamlineError(response.error.code as ErrorCode, response.error.message));
        else waiting.resolve(response.result);
      });
      worker.on('error', (error) => {
        // A worker that dies fails its waiting requests; its sessions end with an error.
        for (const [id, waiting] of this.pending) {
          this.pending.delete(id);
          waiting.reject(error);
        }
      });
      return { worker, sessions: 0 };
    });
    this.ready = Promise.all(readiness).then(() => undefined);
  }

  /** `transfer`: buffers moved to the worker with the request, not copied. */
  private request<T>(worker: PoolWorker, request: WorkerRequestBody, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private workerOf(session: string): PoolWorker {
    const worker = this.placement.get(session);
    if (worker === undefined) throw new Error(`session ${session} has no worker`);
    return worker;
  }

  async open(session: string, config: SessionConfig): Promise<OpenedSession> {
    const compiled = config.grammar !== undefined || config.phraseList !== undefined ? await this.compiler.compile(config) : undefined;
    const worker =
      config.speaker !== undefined
        ? this.workers[stringHash(JSON.stringify([config.model ?? this.defaultModel, config.speaker])) % this.workers.length]
        : this.workers.reduce((least, candidate) => (candidate.sessions < least.sessions ? candidate : least));
    worker.sessions++;
    this.placement.set(session, worker);
    return this.request(worker, { kind: 'open', session, config, ...(compiled !== undefined ? { compiled } : {}) }, compiled === undefined ? [] : graphBuffers(compiled.graph));
  }

  push(session: string, bytes: Uint8Array): Promise<DecodedChunk> {
    return this.request(this.workerOf(session), { kind: 'push', session, bytes });
  }

  reset(session: string): Promise<DecoderEvent[]> {
    return this.request(this.workerOf(session), { kind: 'reset', session });
  }

  finish(session: string): Promise<DecoderEvent[]> {
    return this.request(this.workerOf(session), { kind: 'finish', session });
  }

  release(session: string): void {
    const worker = this.placement.get(session);
    if (worker === undefined) return;
    this.placement.delete(session);
    worker.sessions--;
    void this.request(worker, { kind: 'release', session }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([this.compiler.close(), ...this.workers.map(({ worker }) => worker.terminate())]);
  }
}

/** FNV-1a over UTF-16 code units: a talker's worker, the same for every session of theirs. */
function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
