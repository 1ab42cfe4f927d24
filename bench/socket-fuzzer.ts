/**
 * The socket fuzzer: a server on loopback takes seeded malformed traffic (broken JSON, wrong
 * types, grammars that do not parse or are too large, odd rates and formats, invalid UTF-8,
 * oversized and empty frames, messages out of order, abrupt disconnects) on many connections,
 * while good lock-step sessions stream recordings beside them. Every error must carry a stable
 * code (in its reply and its close reason); the server must stay up; each good session must get
 * exactly the words it gets on a quiet server.
 *
 *   npx tsx bench/socket-fuzzer.ts [--messages 2000] [--good 20] [--seed 1]
 *
 * Prints tried / crashes / uncoded errors / good results changed; exits 1 unless the last three
 * are zero.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { ERROR_CODES, SeededRandom, readWavHeader } from '../src/index.ts';
import { AsrServer } from '../streams/asr-server.ts';
import { loadModel } from '../streams/model-file.ts';

const SAMPLES = fileURLToPath(new URL('../demo/samples/', import.meta.url));

/** The same traffic for the same seed. */
function random(seed: number): () => number {
  const generator = new SeededRandom(seed);
  return () => generator.next();
}

const CONFIG_VALUES: unknown[] = [null, true, false, 0, 1, -1, 3.5, Number.MAX_VALUE, 'x', '', [], [1], {}, { a: 1 }, 8000, 16000, 192001, 'one two', ['one', 'eleven'], ['[unk]'], 's16le', 'mp3'];
const CONFIG_KEYS = ['sample_rate', 'words', 'max_alternatives', 'phrase_list', 'grammar', 'format', 'model', 'search_stats', 'speaker', 'unknown'];
const GRAMMARS = ['public <a> = one | two;', 'public <a> = (one;', 'public <a> = eleven;', `public <a> = ${'('.repeat(300)}one${')'.repeat(300)};`, 'public <r> = <r> one;', '#JSGF V1.0; public <a> = [one] <NULL> <VOID>;'];

/** One malformed message: text or binary, and whether it is meant to end the session. */
function malformed(next: () => number): { data: string | Buffer; binary: boolean } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const kind = Math.floor(next() * 10);
  switch (kind) {
    case 0: {
      const valid = JSON.stringify({ config: { sample_rate: 16000, words: true } });
      return { data: valid.slice(0, Math.floor(next() * valid.length)), binary: false };
    }
    case 1: {
      const config: Record<string, unknown> = {};
      for (let i = 0, n = 1 + Math.floor(next() * 3); i < n; i++) config[pick(CONFIG_KEYS)] = pick(CONFIG_VALUES);
      return { data: JSON.stringify({ config }), binary: false };
    }
    case 2:
      return { data: JSON.stringify({ config: { grammar: pick(GRAMMARS) } }), binary: false };
    case 3:
      return { data: pick(['{"eof": 2}', '{"reset": "1"}', '{}', 'null', '[1,2]', '{"eof":1,"reset":1}', '{"EOF":1}', '', 'not json', '{"config":{}}}']), binary: false };
    case 4:
      return { data: Buffer.from(Array.from({ length: 1 + Math.floor(next() * 8) }, () => Math.floor(next() * 256)).concat([0xff, 0xfe])), binary: false }; // invalid UTF-8 as text
    case 5:
      return { data: Buffer.alloc(Math.floor(next() * 3)), binary: true }; // empty or tiny audio
    case 6:
      return { data: Buffer.alloc(70_000 + Math.floor(next() * 10_000)), binary: true }; // over the size limit
    case 7:
      return { data: Buffer.from(Array.from({ length: Math.floor(next() * 2000) }, () => Math.floor(next() * 256))), binary: true }; // noise as audio
    case 8:
      return { data: '{"config": {"sample_rate": 8000}}', binary: false }; // after audio: out of order
    default:
      return { data: JSON.stringify({ config: { phrase_list: ['one two', 'three', '[unk]'], words: pick([0, 1, 2]) } }), binary: false };
  }
}

interface Outcome {
  readonly replies: Record<string, unknown>[];
  readonly code: number;
  readonly reason: string;
}

/** Connects, sends the messages (without waiting for replies), and waits for the close or a short quiet. */
function hostileSession(url: string, messages: { data: string | Buffer; binary: boolean }[], disconnect: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const replies: Record<string, unknown>[] = [];
    let settled = false;
    const finish = (code: number, reason: string): void => {
      if (settled) return;
      settled = true;
      resolve({ replies, code, reason });
    };
    socket.on('message', (data) => {
      try {
        replies.push(JSON.parse(String(data)) as Record<string, unknown>);
      } catch {
        replies.push({ unparsable: String(data).slice(0, 80) });
      }
    });
    socket.on('close', (code, reason) => finish(code, reason.toString()));
    socket.on('error', () => undefined);
    socket.on('open', () => {
      for (const message of messages) if (socket.readyState === WebSocket.OPEN) socket.send(message.data, { binary: message.binary });
      if (disconnect) {
        socket.terminate();
        return;
      }
      setTimeout(() => {
        if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      }, 300);
    });
  });
}

/** A good lock-step session: config, 0.1 s chunks each waiting for its reply, eof; its words. */
async function goodSession(url: string, name: string): Promise<string> {
  const file = readFileSync(`${SAMPLES}${name}`);
  const header = readWavHeader(new Uint8Array(file), name);
  const audio = file.subarray(header.dataStart, header.dataEnd);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = (): Promise<Record<string, unknown>> => new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
  socket.send(JSON.stringify({ config: { sample_rate: header.sampleRateHz } }));
  const texts: string[] = [];
  const chunk = 2 * Math.round(header.sampleRateHz * 0.1);
  for (let i = 0; i < audio.length; i += chunk) {
    const reply = next();
    socket.send(audio.subarray(i, i + chunk));
    const answer = await reply;
    if (typeof answer.text === 'string' && answer.text !== '') texts.push(answer.text);
  }
  const last = next();
  socket.send('{"eof": 1}');
  const final = await last;
  if (typeof final.text === 'string' && final.text !== '') texts.push(final.text);
  socket.close();
  return texts.join(' | ');
}

export interface SocketFuzzReport {
  readonly tried: number;
  readonly sessions: number;
  readonly crashes: number;
  readonly uncodedErrors: number;
  readonly goodChanged: number;
  readonly good: number;
  readonly codes: Record<string, number>;
  readonly examples: string[];
}

export async function fuzzSockets(options: { messages: number; good: number; seed: number }): Promise<SocketFuzzReport> {
  const model = await loadModel();
  const serverOptions = { models: [model], port: 0, workers: 2, maxPayloadBytes: 64 * 1024, shutdownGraceMs: 200 };
  const recordings = ['seven-en-us-16k.wav', 'two-en-gb-8k.wav', 'nine-en-us-female-22k.wav'];
  // The words each recording gives on a quiet server.
  const quiet = new AsrServer(serverOptions);
  const quietUrl = `ws://127.0.0.1:${await quiet.listen()}/asr`;
  const expected = new Map<string, string>();
  for (const name of recordings) expected.set(name, await goodSession(quietUrl, name));
  await quiet.close();

  let crashes = 0;
  const onCrash = (error: unknown): void => {
    crashes++;
    examples.push(`uncaught: ${error instanceof Error ? error.stack : String(error)}`.slice(0, 300));
  };
  const examples: string[] = [];
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const server = new AsrServer(serverOptions);
  const url = `ws://127.0.0.1:${await server.listen()}/asr`;
  const next = random(options.seed);
  const known = new Set<string>(Object.values(ERROR_CODES));
  const codes: Record<string, number> = {};
  let tried = 0;
  let sessions = 0;
  let uncodedErrors = 0;
  const hostile: Promise<void>[] = [];
  const goodRuns: Promise<void>[] = [];
  let goodChanged = 0;
  for (let g = 0; g < options.good; g++) {
    const name = recordings[g % recordings.length];
    goodRuns.push(
      goodSession(url, name).then((words) => {
        if (words !== expected.get(name)) {
          goodChanged++;
          examples.push(`good session ${g} (${name}): "${words}" instead of "${expected.get(name)}"`);
        }
      }),
    );
  }
  while (tried < options.messages) {
    const count = 1 + Math.floor(next() * 6);
    // A valid start half the time, so later messages meet a session in every state.
    const messages: { data: string | Buffer; binary: boolean }[] = next() < 0.5 ? [{ data: JSON.stringify({ config: { sample_rate: 8000 } }), binary: false }, { data: Buffer.alloc(320), binary: true }] : [];
    for (let i = 0; i < count; i++) messages.push(malformed(next));
    if (next() < 0.3) messages.push({ data: '{"eof": 1}', binary: false }, malformed(next));
    tried += count;
    sessions++;
    hostile.push(
      hostileSession(url, messages, next() < 0.2).then(({ replies, code, reason }) => {
        for (const reply of replies) {
          const error = reply.error as { code?: string } | undefined;
          if ('unparsable' in reply || (error !== undefined && !known.has(error.code ?? ''))) {
            uncodedErrors++;
            if (examples.length < 10) examples.push(`reply ${JSON.stringify(reply).slice(0, 200)}`);
          }
          if (error?.code !== undefined) codes[error.code] = (codes[error.code] ?? 0) + 1;
        }
        // An error close must say which error: its reason starts with the code.
        if ([1007, 1008, 1009].includes(code) && !known.has(reason.split(':')[0])) {
          uncodedErrors++;
          if (examples.length < 10) examples.push(`close ${code} with reason ${JSON.stringify(reason)}`);
        }
      }),
    );
    // At most about 50 hostile connections at a time, below the session limit.
    if (hostile.length % 50 === 0) await Promise.all(hostile.slice(-50));
  }
  await Promise.all([...hostile, ...goodRuns]);
  const health = (await (await fetch(url.replace('ws:', 'http:').replace('/asr', '/healthz'))).json()) as { status: string };
  if (health.status !== 'ok') crashes++;
  await server.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  return { tried, sessions, crashes, uncodedErrors, goodChanged, good: options.good, codes, examples };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { messages: { type: 'string', default: '2000' }, good: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' } } });
  const started = performance.now();
  const report = await fuzzSockets({ messages: Number(values.messages), good: Number(values.good), seed: Number(values.seed) });
  console.log(`Socket fuzzer (seed ${values.seed}, ${((performance.now() - started) / 1000).toFixed(0)} s):`);
  console.log(`| malformed messages tried | on connections | good lock-step sessions | crashes | uncoded errors | good results changed |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  console.log(`| ${report.tried} | ${report.sessions} | ${report.good} | ${report.crashes} | ${report.uncodedErrors} | ${report.goodChanged} |`);
  console.log(`\nError replies by code: ${Object.entries(report.codes).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ')}`);
  for (const example of report.examples) console.log(`- ${example}`);
  process.exitCode = report.crashes + report.uncodedErrors + report.goodChanged === 0 ? 0 : 1;
}
