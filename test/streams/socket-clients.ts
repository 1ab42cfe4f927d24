/** Clients of the audio-session socket for the server tests: lock-step as Vosk's, and the committed samples' PCM. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { readWavHeader } from '../../src/index.ts';

const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));

/** The 16-bit PCM bytes and rate of a committed sample. */
export function pcm(name: string): { bytes: Buffer; rate: number } {
  const file = readFileSync(`${samples}${name}`);
  const header = readWavHeader(new Uint8Array(file), name);
  return { bytes: file.subarray(header.dataStart, header.dataEnd), rate: header.sampleRateHz };
}

export type Reply = Record<string, unknown>;

/** A client in Vosk's lock-step style: each message waits for its one reply. */
export class LockStepClient {
  readonly replies: Reply[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private waiting: ((reply: Reply) => void)[] = [];
  private readonly closed: Promise<number>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const reply = JSON.parse(String(data)) as Reply;
      this.replies.push(reply);
      this.waiting.shift()?.(reply);
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closeReason = reason.toString();
        resolve((this.closeCode = code));
      }),
    );
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<LockStepClient> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new LockStepClient(socket);
  }

  send(data: string | Buffer): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.send(data);
    });
  }

  /** Sends without expecting a reply (config). */
  post(data: string): void {
    this.socket.send(data);
  }

  done(): Promise<number> {
    return this.closed;
  }
}

export async function streamFile(client: LockStepClient, name: string, chunkSeconds = 0.2): Promise<Reply[]> {
  const { bytes, rate } = pcm(name);
  client.post(JSON.stringify({ config: { sample_rate: rate } }));
  const chunk = 2 * Math.round(rate * chunkSeconds);
  const replies: Reply[] = [];
  for (let i = 0; i < bytes.length; i += chunk) replies.push(await client.send(bytes.subarray(i, i + chunk)));
  replies.push(await client.send('{"eof" : 1}'));
  return replies;
}

/**
 * A Python interpreter with the websockets package (Debian's python3-websockets, which .ci/run
 * installs): the first of $PYTHON, python3 on the PATH, and Debian's own.
 */
export function pythonWithWebsockets(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  return candidates.find((python) => spawnSync(python, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0);
}
