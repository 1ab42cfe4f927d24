import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { readWavHeader, type SpeechModel } from '../../src/index.ts';
import { AsrServer, SubscriberQueue } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';
import { LockStepClient, pcm, pythonWithWebsockets, streamFile, type Reply } from './socket-clients.ts';

const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));

describe('AsrServer (real sockets on loopback)', () => {
  let model: SpeechModel;
  let server: AsrServer;
  let url: string;
  beforeAll(async () => {
    model = await loadModel();
    server = new AsrServer({ models: [model], port: 0, maxPayloadBytes: 64 * 1024 });
    url = `ws://127.0.0.1:${await server.listen()}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('decodes a recording sent in 0.2 s chunks, one reply per message, and subscribers see the same', async () => {
    const subscriber = new WebSocket(`${url}/subscribe`);
    const seen: Reply[] = [];
    subscriber.on('message', (data) => seen.push(JSON.parse(String(data)) as Reply));
    await new Promise((resolve) => subscriber.once('open', resolve));
    const client = await LockStepClient.connect(`${url}/asr`);
    const replies = await streamFile(client, 'seven-en-us-16k.wav');
    const { bytes, rate } = pcm('seven-en-us-16k.wav');
    expect(replies).toHaveLength(Math.ceil(bytes.length / (2 * Math.round(rate * 0.2))) + 1);
    const final = replies.at(-1)!;
    expect(final.text).toBe('seven');
    expect((final.result as { word: string }[]).map((w) => w.word)).toEqual(['seven']);
    expect(replies.slice(0, -1).every((reply) => 'partial' in reply || 'text' in reply)).toBe(true);
    expect(await client.done()).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const session = String(final.session);
    const forSession = seen.filter((event) => event.session === session);
    expect(forSession[0].type).toBe('session-start');
    expect(forSession.at(-1)!.type).toBe('session-end');
    expect(forSession.filter((event) => event.type === 'final').map((event) => event.text)).toEqual(['seven']);
    // audio_time: how much of the session's audio had arrived; the final comes at eof, after all of it.
    const audioTimes = forSession.filter((event) => event.type === 'partial' || event.type === 'final').map((event) => event.audio_time as number);
    expect(audioTimes.every((time, i) => time > 0 && (i === 0 || time >= audioTimes[i - 1]))).toBe(true);
    expect(audioTimes.at(-1)).toBeCloseTo(bytes.length / 2 / rate, 3);
    subscriber.close();
  });

  it('answers 50 kinds of bad input with a coded error and a close code, while a good session beside it finishes', async () => {
    const good = await LockStepClient.connect(url);
    const goodRun = streamFile(good, 'two-en-gb-8k.wav', 0.05);
    const validConfig = '{"config": {"sample_rate": 16000, "words": true}}';
    const truncated: [string, string, number][] = [5, 10, 15, 20, 25, 30, 35, 40, 45, 48].map((n) => [validConfig.slice(0, n), 'PROTOCOL_INVALID', 1007]);
    const wrongTypes: [string, string, number][] = [
      ['{"config": {"words": "yes"}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"max_alternatives": -1}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"max_alternatives": 2.5}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"max_alternatives": "3"}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"phrase_list": "one two"}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"phrase_list": []}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"phrase_list": [1, 2]}}', 'PROTOCOL_INVALID', 1007],
      // Unknown words are left out, as the Vosk server leaves them out; a list of nothing else is no grammar.
      ['{"config": {"phrase_list": ["eleven twelve", "[unk]"]}}', 'GRAMMAR_INVALID', 1007],
      ['{"config": {"grammar": 42}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"grammar": ""}}', 'GRAMMAR_INVALID', 1007],
      ['{"config": {"grammar": "public <a> = one;", "phrase_list": ["two"]}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"format": "mp3"}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"sample_rate": null}}', 'AUDIO_BAD_SAMPLE_RATE', 1007],
      ['{"config": {"sample_rate": -8000}}', 'AUDIO_BAD_SAMPLE_RATE', 1007],
      ['{"config": {"sample_rate": 1e9}}', 'AUDIO_BAD_SAMPLE_RATE', 1007],
      ['{"config": {"sample_rate": [16000]}}', 'AUDIO_BAD_SAMPLE_RATE', 1007],
      ['{"config": null}', 'PROTOCOL_INVALID', 1007],
      ['{"config": [1]}', 'PROTOCOL_INVALID', 1007],
      ['{"config": "16000"}', 'PROTOCOL_INVALID', 1007],
      ['{"reset": 0}', 'PROTOCOL_INVALID', 1007],
      ['{"reset": "1"}', 'PROTOCOL_INVALID', 1007],
      ['{"eof": null}', 'PROTOCOL_INVALID', 1007],
      ['{}', 'PROTOCOL_INVALID', 1007],
      ['null', 'PROTOCOL_INVALID', 1007],
      ['42', 'PROTOCOL_INVALID', 1007],
      ['"eof"', 'PROTOCOL_INVALID', 1007],
      ['', 'PROTOCOL_INVALID', 1007],
      ['\u0000\u0001\u0002', 'PROTOCOL_INVALID', 1007],
      ['{"eof": 1}}', 'PROTOCOL_INVALID', 1007],
      ['{"EOF": 1}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {}, "eof": 1}', 'PROTOCOL_INVALID', 1007],
    ];
    const cases: [string | Buffer, string, number][] = [
      ...truncated,
      ...wrongTypes,
      ['not json', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"sample_rate": "fast"}}', 'AUDIO_BAD_SAMPLE_RATE', 1007],
      ['{"config": {"sample_rate": 1}}', 'AUDIO_BAD_SAMPLE_RATE', 1007],
      ['{"config": {"words": 3}}', 'PROTOCOL_INVALID', 1007],
      ['{"config": {"grammar": "public <a> = eleven;"}}', 'UNKNOWN_WORD', 1007],
      ['{"config": {"grammar": "public <a> = (one;"}}', 'GRAMMAR_INVALID', 1007],
      ['{"eof": 2}', 'PROTOCOL_INVALID', 1007],
      ['{"eof": 1, "reset": 1}', 'PROTOCOL_INVALID', 1007],
      ['[1, 2, 3]', 'PROTOCOL_INVALID', 1007],
      ['{"hello": 1}', 'PROTOCOL_INVALID', 1007],
    ];
    for (const [message, code, closeCode] of cases) {
      const client = await LockStepClient.connect(`${url}/asr`);
      client.post(typeof message === 'string' ? message : message.toString());
      expect(await client.done()).toBe(closeCode);
      expect((client.replies[0]?.error as { code: string } | undefined)?.code).toBe(code);
    }
    // Config after audio is out of order.
    const late = await LockStepClient.connect(`${url}/asr`);
    await late.send(Buffer.alloc(320));
    late.post('{"config": {"sample_rate": 8000}}');
    expect(await late.done()).toBe(1007);
    expect(late.replies.at(-1)!.error).toEqual({
      code: 'PROTOCOL_ORDER',
      message: 'config must come before the first audio, and this session has sent audio: open a new connection for other settings',
    });
    // An oversized frame: ws closes with 1009; the server logs it and carries on.
    const huge = await LockStepClient.connect(`${url}/asr`);
    huge.socket.send(Buffer.alloc(200 * 1024));
    expect(await huge.done()).toBe(1009);
    // Random bytes as audio are just (odd) audio: a reply, no crash.
    const noise = await LockStepClient.connect(`${url}/asr`);
    const reply = await noise.send(Buffer.from(Array.from({ length: 999 }, (_, i) => (i * 7919) % 256)));
    expect('partial' in reply || 'text' in reply).toBe(true);
    noise.socket.close();
    const replies = await goodRun;
    expect(replies.at(-1)!.text).toBe('two');
  });

  it('adds the search figures to each reply when the config asks (search_stats)', async () => {
    const client = await LockStepClient.connect(`${url}/asr`);
    const { bytes, rate } = pcm('seven-en-us-16k.wav');
    client.post(JSON.stringify({ config: { sample_rate: rate, search_stats: true } }));
    const chunk = 2 * Math.round(rate * 0.2);
    const replies: Reply[] = [];
    for (let i = 0; i < bytes.length; i += chunk) replies.push(await client.send(bytes.subarray(i, i + chunk)));
    // Each 0.2 s message completes about 20 frames; at the default beam some tens of tokens survive each.
    expect(replies.every((reply) => typeof reply.active_tokens === 'number' && reply.active_tokens > 0 && reply.active_tokens <= 1000)).toBe(true);
    await client.send('{"eof": 1}');
  });

  it('finalizes on reset and carries on', async () => {
    const client = await LockStepClient.connect(`${url}/asr`);
    const { bytes, rate } = pcm('nine-en-us-female-22k.wav');
    client.post(JSON.stringify({ config: { sample_rate: rate } }));
    await client.send(bytes);
    const result = await client.send('{"reset": 1}');
    expect(result.text).toBe('nine');
    const after = await client.send(bytes);
    expect('partial' in after || 'text' in after).toBe(true);
    const final = await client.send('{"eof": 1}');
    expect(final.text).toBe('nine');
    expect(final.segment).toBe(1);
  });

  it('takes a second config before any audio as the Vosk server does: the fields it names change, the others stay', async () => {
    const client = await LockStepClient.connect(`${url}/asr`);
    const { bytes, rate } = pcm('seven-en-us-16k.wav');
    // The rate from the first, "words": 0 and a phrase list from the second (its "[unk]" left out).
    client.post(JSON.stringify({ config: { sample_rate: rate, words: 1 } }));
    client.post(JSON.stringify({ config: { words: 0, phrase_list: ['seven', 'two three', '[unk]'] } }));
    await client.send(bytes);
    const final = await client.send('{"eof": 1}');
    expect(final.text).toBe('seven');
    expect('result' in final).toBe(false);
    expect(await client.done()).toBe(1000);
  });

  it('under a grammar gives one result per utterance, each a sentence of it (or complete: false with no words)', async () => {
    // Before, the eof result of this recording was "seven eight": the rest of an utterance cut short.
    const file = readFileSync(fileURLToPath(new URL('../fixtures/audio/digits-seven-paused.wav', import.meta.url)));
    const header = readWavHeader(new Uint8Array(file), 'digits');
    const client = await LockStepClient.connect(`${url}/asr`);
    const grammar = '#JSGF V1.0; grammar pin; public <pin> = <d> <d> <d> <d>; <d> = zero | one | two | three | four | five | six | seven | eight | nine;';
    client.post(JSON.stringify({ config: { sample_rate: header.sampleRateHz, grammar } }));
    const audio = file.subarray(header.dataStart, header.dataEnd);
    const chunk = 2 * Math.round(header.sampleRateHz * 0.2);
    for (let i = 0; i < audio.length; i += chunk) await client.send(audio.subarray(i, i + chunk));
    await client.send('{"eof": 1}');
    const results = client.replies.filter((reply) => typeof reply.text === 'string');
    expect(results.length).toBeGreaterThan(1);
    for (const result of results) {
      if (result.complete === false) expect([result.text, result.result]).toEqual(['', []]);
      else if (result.text !== '') expect(String(result.text).split(' ')).toHaveLength(4);
    }
    expect(results.map((result) => result.segment)).toEqual(results.map((_, i) => i));
  });

  it('serves GET /healthz and /metrics, and refuses unknown paths', async () => {
    const health = (await (await fetch(url.replace('ws:', 'http:') + '/healthz')).json()) as { status: string };
    expect(health.status).toBe('ok');
    const metrics = await (await fetch(url.replace('ws:', 'http:') + '/metrics')).text();
    expect(metrics).toMatch(/^beamline_sessions \d+$/m);
    expect(metrics).toMatch(/^beamline_audio_seconds_total [1-9]/m); // the earlier tests' audio
    expect(metrics).toMatch(/^beamline_real_time_factor 0\.\d+/m);
    expect(metrics).toMatch(/^beamline_reply_latency_seconds_bucket\{le="0\.1"\} \d+$/m);
    expect(metrics).toMatch(/^beamline_subscriber_latency_seconds_count [1-9]/m); // the first test's subscriber
    const socket = new WebSocket(`${url}/nowhere`);
    const status = await new Promise<number>((resolve) => socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

describe('AsrServer security and shutdown', () => {
  it('requires the token when one is set', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0, token: 's3cret', workers: 0 });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const refused = new WebSocket(`${url}/asr`);
    expect(await new Promise<number>((resolve) => refused.on('unexpected-response', (_q, response) => resolve(response.statusCode ?? 0)))).toBe(401);
    const byHeader = await LockStepClient.connect(`${url}/asr`, { Authorization: 'Bearer s3cret' });
    byHeader.socket.close();
    // The scheme's case does not matter.
    const lowercase = await LockStepClient.connect(`${url}/asr`, { Authorization: 'bearer s3cret' });
    lowercase.socket.close();
    const byQuery = await LockStepClient.connect(`${url}/subscribe?token=s3cret`);
    byQuery.socket.close();
    await server.close();
  });

  it('closes a session that sends audio faster than it can be decoded, with its memory bounded', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0, workers: 0, maxBufferedSeconds: 1 });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const client = await LockStepClient.connect(`${url}/asr`);
    client.post(JSON.stringify({ config: { sample_rate: 8000 } }));
    // 20 s of audio at once, without waiting for replies, against a limit of 1 s waiting.
    const half = Buffer.alloc(8000); // 0.5 s of 16-bit silence at 8 kHz
    for (let i = 0; i < 40; i++) client.socket.send(half);
    expect(await client.done()).toBe(1008);
    expect(client.replies.some((reply) => (reply.error as { code?: string } | undefined)?.code === 'LIMIT_EXCEEDED')).toBe(true);
    // The server goes on serving others.
    const other = await LockStepClient.connect(`${url}/asr`);
    expect((await streamFile(other, 'two-en-gb-8k.wav')).at(-1)!.text).toBe('two');
    await server.close();
  });

  it.each([0, 2])('on close, sends every open session its final and closes with 1001 (%i workers)', async (workers) => {
    const server = new AsrServer({ models: [await loadModel()], port: 0, workers, shutdownGraceMs: 100 });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const client = await LockStepClient.connect(`${url}/asr`);
    const { bytes, rate } = pcm('seven-en-us-16k.wav');
    client.post(JSON.stringify({ config: { sample_rate: rate } }));
    await client.send(bytes);
    await server.close();
    expect(await client.done()).toBe(1001);
    expect(client.replies.at(-1)!.text).toBe('seven');
  });
});

const python = pythonWithWebsockets();

describe('an independent client of the Vosk protocol (Python, websockets)', () => {
  it.skipIf(python === undefined)('works unchanged: config, 0.2 s chunks each waiting for its reply, eof, the result (needs python3 with websockets: apt-get install python3-websockets)', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0 });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const client = fileURLToPath(new URL('../clients/vosk_protocol_client.py', import.meta.url));
    const { stdout } = await promisify(execFile)(python!, [client, url, `${samples}seven-en-us-16k.wav`]);
    await server.close();
    const replies = stdout.trim().split('\n').map((line) => JSON.parse(line) as Reply);
    const { bytes, rate } = pcm('seven-en-us-16k.wav');
    expect(replies).toHaveLength(Math.ceil(bytes.length / (2 * Math.round(rate * 0.2))) + 1);
    expect(replies.slice(0, -1).every((reply) => typeof reply.partial === 'string' || typeof reply.text === 'string')).toBe(true);
    expect(replies.at(-1)!.text).toBe('seven');
    expect((replies.at(-1)!.result as { word: string; start: number; end: number; conf: number }[]).map((w) => w.word)).toEqual(['seven']);
  });
});

describe('AsrServer model selection', () => {
  it('lets a client choose among the loaded models by name, and never by path', async () => {
    const digits = await loadModel();
    // A second model that hears "seven" as "one": which model decoded shows in the text.
    const swap = (word: string): string => (word === 'one' ? 'seven' : word === 'seven' ? 'one' : word);
    const swapped: SpeechModel = { ...digits, name: 'swapped', lexicon: new Map([...digits.lexicon].map(([word, units]) => [swap(word), units])) };
    const server = new AsrServer({ models: [digits, swapped], port: 0, workers: 1 });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const health = (await (await fetch(url.replace('ws:', 'http:') + '/healthz')).json()) as { models: string[] };
    expect(health.models).toEqual([digits.name, 'swapped']);
    const { bytes, rate } = pcm('seven-en-us-16k.wav');
    const decodeWith = async (config: Record<string, unknown>): Promise<LockStepClient> => {
      const client = await LockStepClient.connect(`${url}/asr`);
      client.post(JSON.stringify({ config: { sample_rate: rate, ...config } }));
      await client.send(bytes);
      await client.send('{"eof": 1}');
      return client;
    };
    expect((await decodeWith({})).replies.at(-1)!.text).toBe('seven');
    expect((await decodeWith({ model: digits.name })).replies.at(-1)!.text).toBe('seven');
    expect((await decodeWith({ model: 'swapped' })).replies.at(-1)!.text).toBe('one');
    for (const name of ['models/fsdd-digits.json', '../shared/anything', 'nope']) {
      const client = await LockStepClient.connect(`${url}/asr`);
      client.post(JSON.stringify({ config: { sample_rate: rate, model: name } }));
      const reply = await client.send(bytes);
      expect((reply.error as { code: string }).code).toBe('MODEL_UNKNOWN');
      expect(await client.done()).toBe(1007);
    }
    await server.close();
  });

  it('refuses two models of one name', async () => {
    const digits = await loadModel();
    expect(() => new AsrServer({ models: [digits, digits], port: 0, workers: 0 })).toThrow(/two models are named/);
  });
});

describe('AsrServer speaker adaptation (a talker named in the config is carried across sessions)', () => {
  const { bytes, rate } = pcm('seven-en-us-16k.wav');
  /** One session: the recording, then eof; the last reply (the final). */
  const decodeAs = async (url: string, config: Record<string, unknown>): Promise<Reply> => {
    const client = await LockStepClient.connect(`${url}/asr`);
    client.post(JSON.stringify({ config: { sample_rate: rate, ...config } }));
    await client.send(bytes);
    const last = await client.send('{"eof": 1}');
    await client.done();
    return last;
  };

  it('on worker threads: sessions of one name learn on from each other, others start afresh', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0, workers: 2, recognizer: { adaptation: 'speaker' } });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const utterancesOf = async (config: Record<string, unknown>): Promise<unknown> => {
      const reply = await decodeAs(url, config);
      expect(reply.text).toBe('seven');
      return reply.speaker_utterances;
    };
    expect(await utterancesOf({ speaker: 'ada' })).toBe(1);
    expect(await utterancesOf({ speaker: 'ada' })).toBe(2);
    expect(await utterancesOf({ speaker: 'bob' })).toBe(1);
    expect(await utterancesOf({ speaker: 'ada' })).toBe(3);
    // Without a name, a session is a talker of its own.
    expect(await utterancesOf({})).toBe(1);
    expect(await utterancesOf({})).toBe(1);
    await server.close();
  });

  it('keeps at most maxTalkers, forgetting the one unused longest', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0, workers: 0, maxTalkers: 2, recognizer: { adaptation: 'speaker' } });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const utterancesOf = async (speaker: string): Promise<unknown> => (await decodeAs(url, { speaker })).speaker_utterances;
    expect(await utterancesOf('ada')).toBe(1);
    expect(await utterancesOf('bob')).toBe(1);
    expect(await utterancesOf('ada')).toBe(2);
    // A third talker: bob, unused longest, is forgotten; ada is kept.
    expect(await utterancesOf('cy')).toBe(1);
    expect(await utterancesOf('ada')).toBe(3);
    expect(await utterancesOf('bob')).toBe(1);
    await server.close();
  });

  it('refuses a talker\'s name where the server does not adapt, and a name that is not a string', async () => {
    const server = new AsrServer({ models: [await loadModel()], port: 0, workers: 0 });
    const url = `ws://127.0.0.1:${await server.listen()}`;
    const named = await LockStepClient.connect(`${url}/asr`);
    named.post(JSON.stringify({ config: { sample_rate: rate, speaker: 'ada' } }));
    const refused = await named.send(bytes);
    expect(refused.error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/--adaptation speaker/) });
    expect(await named.done()).toBe(1007);
    // The server carries on.
    expect((await decodeAs(url, {})).text).toBe('seven');
    const malformed = await LockStepClient.connect(`${url}/asr`);
    const reply = await malformed.send(JSON.stringify({ config: { speaker: 7 } }));
    expect(reply.error).toMatchObject({ code: 'PROTOCOL_INVALID', message: expect.stringMatching(/config\.speaker/) });
    expect(await malformed.done()).toBe(1007);
    await server.close();
  });
});

describe('SubscriberQueue (a slow subscriber never slows a session)', () => {
  /** A socket whose send buffer is as full as the test says. */
  function fakeSocket() {
    const socket = {
      OPEN: 1,
      readyState: 1,
      bufferedAmount: 0,
      sent: [] as string[],
      closed: undefined as { code: number; reason: string } | undefined,
      send(text: string) {
        socket.sent.push(text);
      },
      close(code: number, reason: string) {
        socket.closed = { code, reason };
        socket.readyState = 3;
      },
    };
    return socket;
  }

  it('sends at once while the socket keeps up', () => {
    const socket = fakeSocket();
    const queue = new SubscriberQueue(socket, undefined, 10);
    queue.offer('1', 'partial', 'p1');
    queue.offer('1', 'final', 'f1');
    expect(socket.sent).toEqual(['p1', 'f1']);
    expect(queue.waiting).toBe(0);
  });

  it('while it lags, keeps only the newest partial of each session and every final, in order', () => {
    const socket = fakeSocket();
    const queue = new SubscriberQueue(socket, undefined, 10);
    socket.bufferedAmount = 1 << 20;
    queue.offer('1', 'partial', 'a1');
    queue.offer('2', 'partial', 'b1');
    queue.offer('1', 'partial', 'a2');
    queue.offer('1', 'final', 'A');
    queue.offer('1', 'partial', 'a3');
    queue.offer('2', 'final', 'B');
    expect(socket.sent).toEqual([]);
    socket.bufferedAmount = 0;
    queue.flush();
    expect(socket.sent).toEqual(['b1', 'A', 'a3', 'B']);
  });

  it('closes a subscriber that stays over the limit with a coded reason', () => {
    const socket = fakeSocket();
    const queue = new SubscriberQueue(socket, undefined, 3);
    socket.bufferedAmount = 1 << 20;
    for (let i = 0; i < 4; i++) queue.offer('1', 'final', `f${i}`);
    expect(socket.closed).toEqual({ code: 1008, reason: 'LIMIT_EXCEEDED: subscriber too slow' });
    expect(JSON.parse(socket.sent.at(-1)!)).toMatchObject({ error: { code: 'LIMIT_EXCEEDED' } });
  });

  it('passes only the session it follows', () => {
    const socket = fakeSocket();
    const queue = new SubscriberQueue(socket, '2', 10);
    queue.offer('1', 'final', 'A');
    queue.offer('2', 'final', 'B');
    expect(socket.sent).toEqual(['B']);
  });
});
