/**
 * Compiles sessions' own grammars (config `grammar` or `phrase_list`) on a thread of their own,
 * one at a time, so that a large grammar never holds up decoding: the decoding workers only get
 * the finished graph. A compile that runs past `timeoutMs` is stopped (its thread replaced) and
 * refused with LIMIT_EXCEEDED; the grammar's size limits (DEFAULT_GRAMMAR_LIMITS) keep honest
 * grammars far below it.
 */
import { Worker } from 'node:worker_threads';
import { BeamlineError, ERROR_CODES, serializeModel, type ErrorCode, type RecognizerOptions, type SpeechModel } from '../src/index.ts';
import type { SessionConfig } from './asr-protocol.ts';
import type { CompiledSessionGraph } from './session-decoder.ts';

export interface CompileRequest {
  readonly id: number;
  readonly config: SessionConfig;
}

export interface CompileResponse {
  readonly id: number;
  readonly result?: CompiledSessionGraph;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Default longest compile, ms: ten times what the largest grammar the limits allow takes. */
export const DEFAULT_GRAMMAR_COMPILE_TIMEOUT_MS = 10_000;

interface Job {
  readonly request: CompileRequest;
  readonly resolve: (graph: CompiledSessionGraph) => void;
  readonly reject: (error: unknown) => void;
}

export class GrammarCompiler {
  private worker!: Worker;
  private ready!: Promise<void>;
  private readonly waiting: Job[] = [];
  private running: { job: Job; timer: ReturnType<typeof setTimeout> | undefined } | undefined;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly models: readonly SpeechModel[],
    private readonly recognizerOptions: Omit<RecognizerOptions, 'streaming'>,
    private readonly timeoutMs = DEFAULT_GRAMMAR_COMPILE_TIMEOUT_MS,
  ) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(new URL('./grammar-compiler-entry.js', import.meta.url), {
      workerData: { modelTexts: this.models.map(serializeModel), recognizerOptions: this.recognizerOptions },
    });
    const worker = this.worker;
    this.ready = new Promise((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.on('message', (response: CompileResponse) => {
      const running = this.running;
      if (running === undefined || running.job.request.id !== response.id) return;
      clearTimeout(running.timer);
      this.running = undefined;
      if (response.error !== undefined) running.job.reject(new BeamlineError(response.error.code as ErrorCode, response.error.message));
      else running.job.resolve(response.result!);
      this.next();
    });
    worker.on('error', (error) => {
      // The thread died (out of memory, say): the compile in it fails, the others go on in a new one.
      this.fail(error);
    });
  }

  compile(config: SessionConfig): Promise<CompiledSessionGraph> {
    if (this.closed) return Promise.reject(new BeamlineError(ERROR_CODES.LIMIT_EXCEEDED, 'the server is shutting down'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ request: { id: this.nextId++, config }, resolve, reject });
      if (this.running === undefined) this.next();
    });
  }

  private next(): void {
    const job = this.waiting.shift();
    if (job === undefined || this.closed) return;
    this.running = { job, timer: undefined };
    const worker = this.worker;
    this.ready.then(
      () => {
        if (this.running?.job !== job || this.worker !== worker) return;
        // The clock starts when the thread has the grammar, not while a new thread starts up.
        this.running.timer = setTimeout(
          () => this.fail(new BeamlineError(ERROR_CODES.LIMIT_EXCEEDED, `the grammar took more than ${this.timeoutMs / 1000} s to compile: make it smaller`)),
          this.timeoutMs,
        );
        this.running.timer.unref?.();
        worker.postMessage(job.request);
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** Fails the running compile, replaces the thread, and goes on with the next. */
  private fail(error: unknown): void {
    const running = this.running;
    this.running = undefined;
    if (running !== undefined) clearTimeout(running.timer);
    void this.worker.terminate();
    if (!this.closed) this.start();
    running?.job.reject(error);
    this.next();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.running !== undefined) clearTimeout(this.running.timer);
    for (const job of this.waiting.splice(0)) job.reject(new BeamlineError(ERROR_CODES.LIMIT_EXCEEDED, 'the server is shutting down'));
    await this.worker.terminate();
  }
}
