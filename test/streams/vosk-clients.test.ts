/**
 * The Vosk server project's own test clients (../shared/clients/vosk-server, unmodified but for
 * the one server address each names) against `AsrServer`: what a user of a Vosk client sees.
 * A subscriber watches the same sessions, so the results can be checked beyond what the clients
 * print. The recording is an English sentence, not digits: the digits model's words are beside
 * the point; the protocol is the point.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readWavHeader } from '../../src/index.ts';
import { AsrServer } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';
import { pythonWithWebsockets, type Reply } from './socket-clients.ts';

const clients = fileURLToPath(new URL('../../../shared/clients/vosk-server/', import.meta.url));
const missing = !existsSync(`${clients}test.py`);
if (missing) console.warn(`skipping the Vosk client tests: no Vosk server clients at ${clients}`);
const python = pythonWithWebsockets();
const recording = `${clients}test16k.wav`;

/** Runs a program, resolving with its exit status and output whatever the status. */
function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? -1), stdout, stderr }),
    );
  });
}

describe.skipIf(missing)("the Vosk server's own clients, unmodified", () => {
  let server: AsrServer;
  let port: number;
  let dir: string;
  const events: Reply[] = [];
  const log: Record<string, unknown>[] = [];
  let subscriber: WebSocket;
  const seconds = (() => {
    if (missing) return 0;
    const header = readWavHeader(new Uint8Array(readFileSync(recording)), 'test16k.wav');
    return (header.dataEnd - header.dataStart) / 2 / header.sampleRateHz;
  })();

  beforeAll(async () => {
    server = new AsrServer({ models: [await loadModel()], port: 0, log: (entry) => log.push(entry) });
    port = await server.listen();
    subscriber = new WebSocket(`ws://127.0.0.1:${port}/subscribe`);
    subscriber.on('message', (data) => events.push(JSON.parse(String(data)) as Reply));
    await new Promise((resolve) => subscriber.once('open', resolve));
    dir = mkdtempSync(join(tmpdir(), 'beamline-vosk-clients-'));
  });
  afterAll(async () => {
    subscriber.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the client with its one server address pointed at this server. */
  function client(name: string, address: string): string {
    const text = readFileSync(`${clients}${name}`, 'utf8');
    expect(text).toContain(address);
    const copy = join(dir, name);
    writeFileSync(copy, text.replace(address, `ws://127.0.0.1:${port}`));
    return copy;
  }

  /** The replies a Python client printed, one JSON object a line: every audio message's and the result. */
  async function runPython(name: string): Promise<Reply[]> {
    const { code, stdout, stderr } = await run(python!, [client(name, 'ws://localhost:2700'), recording], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const replies = stdout.trim().split('\n').map((line) => JSON.parse(line) as Reply);
    // One reply per 0.2 s of audio and one for eof.
    expect(replies).toHaveLength(Math.ceil(seconds / 0.2) + 1);
    expect(replies.every((reply) => typeof reply.partial === 'string' || typeof reply.text === 'string')).toBe(true);
    return replies;
  }

  /** The finals subscribers saw of the session whose replies these are. */
  function finalsOf(replies: Reply[]): Reply[] {
    const session = replies.at(-1)!.session;
    return events.filter((event) => event.session === session && event.type === 'final');
  }

  it.skipIf(python === undefined)('test.py: config with the rate, 0.2 s chunks each waiting for its reply, eof, the result with word times', async () => {
    const replies = await runPython('test.py');
    const results = replies.filter((reply) => typeof reply.text === 'string');
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(Array.isArray(result.result)).toBe(true);
    expect(results.map((result) => result.text).filter(Boolean).join(' ')).toMatch(/^(zero|one|two|three|four|five|six|seven|eight|nine)( |$)/);
  }, 60_000);

  it.skipIf(python === undefined)('test_words.py: "words": 0 leaves word times out, and the phrase list\'s unknown word ("oh") is left out of its phrase', async () => {
    const replies = await runPython('test_words.py');
    expect(replies.every((reply) => !('result' in reply))).toBe(true);
    const texts = replies.filter((reply) => typeof reply.text === 'string' && reply.text !== '').map((reply) => reply.text);
    expect(texts.length).toBeGreaterThan(0);
    // Every result is one of the two phrases, "oh" left out as Vosk leaves out a word its model lacks.
    for (const text of texts) expect(['zero one two three four five', 'six seven eight nine']).toContain(text);
    expect(log).toContainEqual(expect.objectContaining({ event: 'phrase-list-words-ignored', words: ['oh'] }));
  }, 60_000);

  it.skipIf(python === undefined)('test_alternatives.py: "max_alternatives": 20 gives each result its alternatives, best first', async () => {
    const replies = await runPython('test_alternatives.py');
    const results = replies.filter((reply) => typeof reply.text === 'string');
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      const alternatives = result.alternatives as { text: string; confidence: number }[];
      expect(alternatives.length).toBeGreaterThan(0);
      expect(alternatives.length).toBeLessThanOrEqual(20);
      for (const alternative of alternatives) expect(typeof alternative.text).toBe('string');
      const scores = alternatives.map((alternative) => alternative.confidence);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      // The best alternative is the result itself, unless the utterance found no words.
      if (result.text !== '') expect(alternatives[0].text).toBe(result.text);
    }
    expect(finalsOf(replies).length).toBe(results.length);
  }, 60_000);

  it('test.js: the WAV file\'s bytes, header included, with no config: the header gives the rate', async () => {
    const script = client('test.js', 'wss://api.alphacephei.com/asr/en/');
    copyFileSync(recording, join(dir, 'test.wav'));
    writeFileSync(join(dir, 'package.json'), '{"type": "commonjs"}');
    const before = events.length;
    // The client requires ws; it resolves from the project's node_modules through NODE_PATH.
    const nodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [script], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_PATH: nodeModules } }, (error, out) =>
        resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? -1), stdout: out }),
      );
    });
    expect(code).toBe(0);
    // ws hands the client each reply as a Buffer, which it prints as such: one line a reply.
    expect(stdout.trim().split('\n').every((line) => line.startsWith('<Buffer 7b'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const session = events.slice(before).find((event) => event.type === 'session-start')!.session;
    const finals = events.filter((event) => event.session === session && event.type === 'final');
    expect(finals.length).toBeGreaterThan(0);
    // Read at the header's 16 kHz, not the default 8 kHz (which would make it twice as long), and the header not heard as audio.
    expect(finals.at(-1)!.audio_time).toBeCloseTo(seconds, 2);
    expect(log.some((entry) => entry.event === 'session-error')).toBe(false);
  }, 60_000);
});
