import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readWavHeader } from '../../src/index.ts';
import { AsrServer } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';
import { LockStepClient } from '../streams/socket-clients.ts';
import { beamline } from './run-cli.ts';

const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));

describe('beamline replay against a running server', () => {
  it('streams a file and prints the partials and the result', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0 });
    const port = await server.listen();
    try {
      const { code, stdout } = await beamline('replay', '--url', `ws://127.0.0.1:${port}/asr`, '--speed', 'max', '--format', 'jsonl', `${samples}nine-en-us-female-22k.wav`);
      expect(code).toBe(0);
      const replies = stdout.trim().split('\n').map((line) => JSON.parse(line) as { text?: string; partial?: string });
      expect(replies.at(-1)!.text).toBe('nine');
      expect(replies.some((reply) => reply.partial !== undefined)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('names the talker with --speaker: replays of one name go on learning the same voice', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0, workers: 0, recognizer: { adaptation: 'speaker' } });
    const port = await server.listen();
    try {
      const learnt = async (speaker: string): Promise<unknown> => {
        const { code, stdout } = await beamline('replay', '--url', `ws://127.0.0.1:${port}/asr`, '--speed', 'max', '--format', 'jsonl', '--speaker', speaker, `${samples}seven-en-us-16k.wav`);
        expect(code).toBe(0);
        return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { speaker_utterances?: number }).speaker_utterances;
      };
      expect(await learnt('ada')).toBe(1);
      expect(await learnt('ada')).toBe(2);
      expect(await learnt('bob')).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('says so when no server answers', async () => {
    const { code, stderr } = await beamline('replay', '--url', 'ws://127.0.0.1:9/asr', `${samples}two-en-gb-8k.wav`);
    expect(code).toBe(1);
    expect(stderr).toMatch(/CONNECTION_FAILED: cannot reach ws:\/\/127\.0\.0\.1:9\/asr/);
  });
});

/** `beamline serve` as a child process on a free port; resolves once it listens. */
async function startServe(...args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; port: number; exited: Promise<number | null>; log: () => string }> {
  const bin = fileURLToPath(new URL('../../bin/beamline.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /"port":(\d+)/.exec(log);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${log}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, exited, log: () => log };
}

describe('beamline serve as a process', () => {
  it('on SIGTERM in mid-session, sends the final, closes with 1001 and exits 0', async () => {
    const { child, port, exited } = await startServe('--shutdown-grace', '200');
    const socket = new WebSocket(`ws://127.0.0.1:${port}/asr`);
    const replies: { text?: string }[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', (data) => replies.push(JSON.parse(String(data)) as { text?: string }));
    await new Promise((resolve) => socket.once('open', resolve));
    const file = readFileSync(`${samples}seven-en-us-16k.wav`);
    const header = readWavHeader(new Uint8Array(file), 'seven');
    socket.send(JSON.stringify({ config: { sample_rate: header.sampleRateHz } }));
    const replied = new Promise((resolve) => socket.once('message', resolve));
    socket.send(file.subarray(header.dataStart, header.dataEnd));
    await replied;
    child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(replies.at(-1)!.text).toBe('seven');
    expect(await exited).toBe(0);
  }, 30_000);

  it('on SIGTERM with 10 live sessions, decodes what each goes on sending and delivers every final', async () => {
    // Before, 2 of 10 sessions got PROTOCOL_ORDER and 1007 instead of their final, and 2 others lost the chunk in flight.
    const { child, port, exited } = await startServe('--shutdown-grace', '3000');
    const file = readFileSync(`${samples}seven-en-us-16k.wav`);
    const header = readWavHeader(new Uint8Array(file), 'seven');
    const pcm = file.subarray(header.dataStart, header.dataEnd);
    const chunk = 2 * Math.round(header.sampleRateHz * 0.1);
    let signalled!: () => void;
    const sigterm = new Promise<void>((resolve) => (signalled = resolve));
    let streaming = 0;
    /** Streams the file lock-step, 0.1 s a message, with a pause between; the even sessions end with eof, the odd ones just stop, as a live microphone would. */
    const session = async (index: number): Promise<{ code: number; finals: string[]; replies: number; chunks: number }> => {
      const client = await LockStepClient.connect(`ws://127.0.0.1:${port}/asr`);
      client.post(JSON.stringify({ config: { sample_rate: header.sampleRateHz } }));
      let chunks = 0;
      for (let i = 0; i < pcm.length; i += chunk) {
        await client.send(pcm.subarray(i, i + chunk));
        chunks++;
        // Two messages in, every session is live: then SIGTERM, and the rest goes on after it.
        if (chunks === 2 && ++streaming === 10) signalled();
        if (chunks >= 2) await sigterm;
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      if (index % 2 === 0) await client.send('{"eof": 1}');
      const code = await client.done();
      return { code, finals: client.replies.filter((reply) => typeof reply.text === 'string').map((reply) => String(reply.text)).filter(Boolean), replies: client.replies.length, chunks };
    };
    const runs = Array.from({ length: 10 }, (_, index) => session(index));
    await sigterm;
    child.kill('SIGTERM');
    // Closing, the server refuses new sessions while the live ones go on.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await new Promise<number>((resolve) => {
      const late = new WebSocket(`ws://127.0.0.1:${port}/asr`);
      late.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      late.once('open', () => resolve(101));
    });
    expect(refused).toBe(503);
    const results = await Promise.all(runs);
    for (const [index, result] of results.entries()) {
      // Every audio message was answered, and the session's words arrived: at eof with 1000, or at the end of the grace period with 1001.
      expect({ index, code: result.code, finals: result.finals }).toEqual({ index, code: index % 2 === 0 ? 1000 : 1001, finals: ['seven'] });
      expect(result.replies).toBe(result.chunks + 1);
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('closes by itself when the process that started it goes away (npx passes no SIGTERM on)', async () => {
    // As under npx: a shell between the caller and the server; the shell is killed, the server is orphaned.
    const bin = fileURLToPath(new URL('../../bin/beamline.js', import.meta.url));
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${bin}" serve --port 0 --no-demo --shutdown-grace 100 & wait`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let printed = '';
    await new Promise<void>((resolve) => shell.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()).includes('listening') && resolve()));
    // The server shares the shell's stdout: the pipe closes when the server has exited.
    const serverGone = new Promise<void>((resolve) => shell.stdout.once('close', () => resolve()));
    shell.kill('SIGKILL');
    await serverGone;
  }, 30_000);
});
