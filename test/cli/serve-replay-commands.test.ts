import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readWavHeader } from '../../src/index.ts';
import { AsrServer } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';
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

describe('beamline serve as a process', () => {
  it('on SIGTERM in mid-session, sends the final, closes with 1001 and exits 0', async () => {
    const bin = fileURLToPath(new URL('../../bin/beamline.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
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
});
