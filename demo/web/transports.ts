/**
 * Where the page's audio is decoded: on the server, over the Vosk-compatible WebSocket protocol
 * (docs/PROTOCOL.md), or in this page, by the same engine running in a Web Worker. Both take
 * 100 ms blocks at the audio context's rate and report hypotheses to one listener.
 */
import type { FromWorker, ToWorker } from './protocol.ts';

export interface Word {
  readonly word: string;
  /** Seconds from the start of the stream. */
  readonly start: number;
  readonly end: number;
  readonly conf: number;
}

export interface Listener {
  partial(words: readonly string[], stable: number): void;
  final(text: string, words: readonly Word[]): void;
  /** Mean active tokens per frame of the search over the last block. */
  search(tokensPerFrame: number): void;
  status(message: string, kind: 'info' | 'ok' | 'error'): void;
}

export interface Transport {
  start(rateHz: number): Promise<void>;
  push(samples: Float32Array): void;
  /** End of audio: resolves once the last final is in. */
  stop(): Promise<void>;
}

interface Reply {
  partial?: string;
  stable?: string;
  text?: string;
  result?: Word[];
  error?: { code: string; message: string };
  active_tokens?: number;
  speaker_utterances?: number;
}

const words = (text: string | undefined): string[] => (text ?? '').split(' ').filter(Boolean);
const utterances = (count: number): string => `${count} utterance${count === 1 ? '' : 's'}`;

export class ServerTransport implements Transport {
  private socket: WebSocket | undefined;
  private rateHz = 0;
  private stopping = false;
  private retries = 0;
  private finished: (() => void) | undefined;

  constructor(
    private readonly url: string,
    private readonly model: string,
    private readonly listener: Listener,
    /** The talker's name, for a server that adapts to speakers: its sessions share what was learnt. */
    private readonly speaker?: string,
  ) {}

  start(rateHz: number): Promise<void> {
    this.rateHz = rateHz;
    this.stopping = false;
    return this.connect();
  }

  push(samples: Float32Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(samples);
  }

  stop(): Promise<void> {
    this.stopping = true;
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      this.finished = resolve;
      socket.send('{"eof": 1}');
      setTimeout(resolve, 5000); // a server gone quiet does not hold the page
    });
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      this.socket = socket;
      let opened = false;
      socket.onopen = () => {
        opened = true;
        this.retries = 0;
        // The context's real rate: the server resamples. Float samples need no conversion here.
        const talker = this.speaker !== undefined ? { speaker: this.speaker } : {};
        socket.send(JSON.stringify({ config: { sample_rate: this.rateHz, format: 'f32le', words: true, model: this.model, search_stats: true, ...talker } }));
        this.listener.status(`Decoding on the server (${this.rateHz} Hz audio, resampled there)`, 'ok');
        resolve();
      };
      socket.onmessage = (event) => this.handle(JSON.parse(String(event.data)) as Reply);
      socket.onclose = (event) => {
        if (this.socket !== socket) return;
        if (!opened) {
          reject(new Error('Cannot reach the beamline server. Is `npm start` still running?'));
          return;
        }
        if (this.stopping) {
          this.finished?.();
          return;
        }
        // Lost mid-stream: reconnect; the next session starts afresh.
        this.reconnect(event.code);
      };
    });
  }

  /** Tries again after 1, 2, 4, … (at most 10) seconds, for as long as it takes, until the page stops. */
  private reconnect(code: number): void {
    const delay = Math.min(10, 2 ** this.retries++);
    this.listener.status(`Connection lost (code ${code}). Reconnecting in ${delay} s…`, 'error');
    setTimeout(() => {
      if (!this.stopping) this.connect().catch(() => this.reconnect(code));
    }, delay * 1000);
  }

  private handle(reply: Reply): void {
    if (reply.error !== undefined) {
      this.listener.status(`Server error ${reply.error.code}: ${reply.error.message}`, 'error');
      return;
    }
    if (reply.active_tokens !== undefined) this.listener.search(reply.active_tokens);
    if (reply.partial !== undefined) this.listener.partial(words(reply.partial), words(reply.stable).length);
    else if (reply.text !== undefined && (reply.text !== '' || this.stopping)) this.listener.final(reply.text, reply.result ?? []);
    if (reply.speaker_utterances !== undefined && reply.speaker_utterances > 0) {
      const count = reply.speaker_utterances;
      this.listener.status(`Decoding on the server, adapted to your voice from ${utterances(count)}`, 'ok');
    }
    if (this.stopping && reply.text !== undefined) this.finished?.();
  }
}

/** In-page mode: the talker the last session of this page learnt, for the next to start from. */
let inPageTalker: unknown;

export class InPageTransport implements Transport {
  private readonly worker: Worker;
  private waiting: { type: FromWorker['type']; resolve: () => void } | undefined;

  constructor(
    private readonly modelUrl: string,
    private readonly listener: Listener,
    /** Adapt to the talker, as a server started with --adaptation speaker does. */
    private readonly adapt = false,
  ) {
    this.worker = new Worker('/demo/decoder-worker.js');
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.handle(event.data);
  }

  start(rateHz: number): Promise<void> {
    this.listener.status('Loading the model into the page…', 'info');
    const talker = this.adapt && inPageTalker !== undefined ? { talker: inPageTalker } : {};
    return this.request({ type: 'start', rateHz, modelUrl: this.modelUrl, adapt: this.adapt, ...talker }, 'started').then(() =>
      this.listener.status(`Decoding in this page: no audio leaves the machine (${rateHz} Hz audio, resampled here)`, 'ok'),
    );
  }

  push(samples: Float32Array): void {
    this.send({ type: 'audio', samples }, [samples.buffer]);
  }

  /** The last final, then the worker ends: each run has a worker of its own. */
  async stop(): Promise<void> {
    await this.request({ type: 'stop' }, 'stopped');
    this.worker.terminate();
  }

  private request(message: ToWorker, answer: FromWorker['type']): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = { type: answer, resolve };
      this.send(message);
    });
  }

  private send(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private handle(message: FromWorker): void {
    if (message.type === 'error') {
      this.listener.status(`In-page decoder: ${message.message}`, 'error');
      return;
    }
    if (message.type === 'events') {
      for (const event of message.events) {
        if (event.type === 'partial') this.listener.partial(event.words, event.stable);
        else {
          this.listener.final(event.text, event.words.map((w) => ({ word: w.word, start: w.start, end: w.end, conf: w.confidence })));
          if (event.talkerUtterances !== undefined && event.talkerUtterances > 0) this.listener.status(`Decoding in this page, adapted to your voice from ${utterances(event.talkerUtterances)}`, 'ok');
        }
      }
      if (message.frames > 0) this.listener.search(message.tokensPerFrame);
    }
    if (message.type === 'stopped' && message.talker !== undefined) inPageTalker = message.talker;
    if (this.waiting?.type === message.type) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve();
    }
  }
}
