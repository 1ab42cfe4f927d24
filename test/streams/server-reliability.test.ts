/**
 * The server under hostile clients: floods, endless queues, clients that never read. Each case
 * here froze or exhausted the server before its fix; a good lock-step session beside it must
 * still get exactly its words.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AsrServer } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';
import { LockStepClient, pcm, streamFile } from './socket-clients.ts';

async function startServer(options: Partial<ConstructorParameters<typeof AsrServer>[0]> = {}): Promise<{ server: AsrServer; url: string }> {
  const server = new AsrServer({ models: [await loadModel()], port: 0, workers: 1, ...options });
  return { server, url: `ws://127.0.0.1:${await server.listen()}` };
}

describe('AsrServer under hostile clients', () => {
  it('drops the queue of a client that floods empty frames and disconnects, in time independent of the flood', async () => {
    // 40,000 empty frames then a disconnect kept the main thread busy for about a minute (each
    // queued message cost time proportional to the queue); /healthz and other sessions waited.
    const { server, url } = await startServer();
    const flood = await LockStepClient.connect(`${url}/asr`);
    flood.post(JSON.stringify({ config: { sample_rate: 8000 } }));
    const empty = Buffer.alloc(0);
    for (let i = 0; i < 40_000; i++) flood.socket.send(empty);
    await new Promise<void>((resolve) => flood.socket.send(Buffer.alloc(1), () => resolve()));
    flood.socket.terminate();
    const health = (await (await fetch(`${url.replace('ws:', 'http:')}/healthz`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const good = await LockStepClient.connect(`${url}/asr`);
    expect((await streamFile(good, 'two-en-gb-8k.wav')).at(-1)!.text).toBe('two');
    await server.close();
  }, 30_000);

  it('bounds a session\'s queue in messages as well as in seconds of audio', async () => {
    const { server, url } = await startServer({ workers: 0, maxQueuedMessages: 10 });
    const client = await LockStepClient.connect(`${url}/asr`);
    client.post(JSON.stringify({ config: { sample_rate: 8000 } }));
    // 200 two-byte messages: far under the seconds limit, far over the message limit.
    for (let i = 0; i < 200; i++) client.socket.send(Buffer.alloc(2));
    expect(await client.done()).toBe(1008);
    expect(client.closeReason).toBe('LIMIT_EXCEEDED');
    expect(client.replies.at(-1)).toEqual({
      error: { code: 'LIMIT_EXCEEDED', message: 'more than 10 messages waiting to be handled: send fewer, larger audio messages, or wait for each reply' },
    });
    const good = await LockStepClient.connect(`${url}/asr`);
    expect((await streamFile(good, 'two-en-gb-8k.wav')).at(-1)!.text).toBe('two');
    await server.close();
  });

  it('closes a session whose client never reads its replies, and logs why', async () => {
    // 150,000 small messages from a client that never read took 226 MB and were never cut off.
    const log: Record<string, unknown>[] = [];
    const { server, url } = await startServer({ workers: 0, maxUnreadBytes: 64 * 1024, log: (entry) => log.push(entry) });
    const socket = new WebSocket(`${url}/asr`);
    await new Promise((resolve) => socket.once('open', resolve));
    (socket as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing from here on
    socket.send(JSON.stringify({ config: { sample_rate: 8000 } }));
    const message = Buffer.alloc(2);
    const cutOff = (): boolean => log.some((entry) => entry.event === 'session-error' && entry.code === 'LIMIT_EXCEEDED');
    let sent = 0;
    for (; sent < 400_000 && !cutOff(); sent += 1000) {
      for (let i = 0; i < 1000; i++) socket.send(message);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(log).toContainEqual(expect.objectContaining({ event: 'session-error', code: 'LIMIT_EXCEEDED', message: 'more than 65536 bytes of replies unread' }));
    expect(server.sessionCount).toBe(0);
    socket.terminate();
    await server.close();
  }, 60_000);

  it('limits subscribers in number, and drops one that stops answering pings', async () => {
    const log: Record<string, unknown>[] = [];
    const { server, url } = await startServer({ workers: 0, maxSubscribers: 2, idleTimeoutMs: 400, log: (entry) => log.push(entry) });
    const open = (options: WebSocket.ClientOptions = {}): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(`${url}/subscribe`, options);
        socket.once('open', () => resolve(socket));
        socket.once('unexpected-response', (_request, response) => reject(new Error(String(response.statusCode))));
      });
    const alive = await open();
    // A peer gone without a word (no pongs): dropped after at most an idle timeout and a half.
    const silent = await open({ autoPong: false });
    await expect(open()).rejects.toThrow('503');
    const closeCode = await new Promise<number>((resolve) => silent.once('close', resolve));
    expect(closeCode).toBe(1006);
    expect(log).toContainEqual(expect.objectContaining({ event: 'subscriber-closed', message: 'no answer to a ping within 400 ms' }));
    // The one that answers stays, and the freed place can be taken.
    expect(alive.readyState).toBe(WebSocket.OPEN);
    const third = await open();
    third.close();
    alive.close();
    await server.close();
  });

  it('refuses pages of other origins by default, on sessions and subscribers alike', async () => {
    const { server, url } = await startServer({ workers: 0 });
    const status = (path: string, origin: string): Promise<number> =>
      new Promise((resolve) => {
        const socket = new WebSocket(`${url}${path}`, { headers: { Origin: origin } });
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      });
    expect(await status('/subscribe', 'https://evil.example')).toBe(403);
    expect(await status('/asr', 'https://evil.example')).toBe(403);
    // The server's own pages (here on loopback) connect.
    expect(await status('/subscribe', url.replace('ws:', 'http:'))).toBe(101);
    expect(await status('/subscribe', 'http://localhost:5173')).toBe(101);
    await server.close();
    const listed = await startServer({ workers: 0, allowOrigins: ['https://app.example'] });
    const listedStatus = (origin: string): Promise<number> =>
      new Promise((resolve) => {
        const socket = new WebSocket(`${listed.url}/subscribe`, { headers: { Origin: origin } });
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      });
    expect(await listedStatus('https://app.example')).toBe(101);
    expect(await listedStatus('https://evil.example')).toBe(403);
    await listed.server.close();
  });

  it('closes an oversized message and invalid UTF-8 with a coded reason and an error reply', async () => {
    const { server, url } = await startServer({ workers: 0, maxPayloadBytes: 1024 });
    for (const [message, closeCode, code] of [
      [Buffer.alloc(4096), 1009, 'LIMIT_EXCEEDED'],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 1007, 'PROTOCOL_INVALID'],
    ] as const) {
      const client = await LockStepClient.connect(`${url}/asr`);
      // A binary frame for the size, a text frame for the UTF-8.
      client.socket.send(message, { binary: closeCode === 1009 });
      expect(await client.done()).toBe(closeCode);
      expect(client.closeReason).toMatch(new RegExp(`^${code}: `));
      expect((client.replies.at(-1)!.error as { code: string }).code).toBe(code);
    }
    await server.close();
  });

  /** A 372-byte JSGF grammar whose rules double each other 17 times: 2¹⁷ words. */
  const doubling = (() => {
    const rules = ['public <r17> = <r16> <r16>;'];
    for (let k = 16; k >= 1; k--) rules.push(`<r${k}> = <r${k - 1}> <r${k - 1}>;`);
    rules.push('<r0> = one | two;');
    return `#JSGF V1.0;\n${rules.join('\n')}`;
  })();
  const pinGrammar = (count: number): string => {
    const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    return `public <pin> = ${Array.from({ length: count }, (_, i) => String((i * 7919) % 10000).padStart(4, '0').split('').map((d) => digits[Number(d)]).join(' ')).join(' | ')};`;
  };

  it.each([0, 1])('refuses a self-doubling grammar at once, while a good session beside it stays exact (%i workers)', async (workers) => {
    // K = 17 took 40 s of a decoding thread, and every session on it waited.
    const { server, url } = await startServer({ workers });
    const good = await LockStepClient.connect(`${url}/asr`);
    const goodRun = streamFile(good, 'two-en-gb-8k.wav', 0.05);
    for (let i = 0; i < 2; i++) {
      const bad = await LockStepClient.connect(`${url}/asr`);
      bad.post(JSON.stringify({ config: { grammar: doubling } }));
      expect(await bad.done()).toBe(1008);
      expect(bad.replies[0]).toEqual({ error: { code: 'LIMIT_EXCEEDED', message: 'the grammar is too large: more than 50000 arcs while it is expanded (grammar limit maxArcs)' } });
    }
    expect((await goodRun).at(-1)!.text).toBe('two');
    await server.close();
  });

  it('stops a grammar compile that runs past its time, and compiles the next one', async () => {
    // 8,000 PINs (near the size limit) take about 0.5 s to compile here; a two-word grammar a few ms.
    const { server, url } = await startServer({ grammarCompileTimeoutMs: 50 });
    const slow = await LockStepClient.connect(`${url}/asr`);
    slow.post(JSON.stringify({ config: { grammar: pinGrammar(8000) } }));
    expect(await slow.done()).toBe(1008);
    expect(slow.replies[0]).toEqual({ error: { code: 'LIMIT_EXCEEDED', message: 'the grammar took more than 0.05 s to compile: make it smaller' } });
    // The stopped compile's thread is replaced: the next grammar compiles, off the decoding thread.
    const next = await LockStepClient.connect(`${url}/asr`);
    const { bytes, rate } = pcm('two-en-gb-8k.wav');
    next.post(JSON.stringify({ config: { sample_rate: rate, grammar: 'public <a> = two | three;' } }));
    await next.send(bytes);
    expect((await next.send('{"eof": 1}')).text).toBe('two');
    await server.close();
  }, 30_000);

  it("keeps all sessions' grammars within the server's budget, and frees a session's share when it ends", async () => {
    const { server, url } = await startServer({ maxGrammarBytes: 3 * 2 ** 20 });
    const first = await LockStepClient.connect(`${url}/asr`);
    first.post(JSON.stringify({ config: { grammar: pinGrammar(5000) } }));
    expect('partial' in (await first.send(Buffer.alloc(1600)))).toBe(true);
    expect(server.grammarBytesInUse).toBeGreaterThan(1.5 * 2 ** 20);
    const second = await LockStepClient.connect(`${url}/asr`);
    second.post(JSON.stringify({ config: { grammar: pinGrammar(5000) } }));
    expect(await second.done()).toBe(1008);
    expect((second.replies[0].error as { code: string; message: string }).message).toMatch(/^this session's grammar needs \d+\.\d MiB, more than the server has left for grammars \(--max-grammar-mb 3\)/);
    first.socket.close();
    await first.done();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.grammarBytesInUse).toBe(0);
    const third = await LockStepClient.connect(`${url}/asr`);
    third.post(JSON.stringify({ config: { grammar: pinGrammar(5000) } }));
    expect('partial' in (await third.send(Buffer.alloc(1600)))).toBe(true);
    third.socket.close();
    await server.close();
  }, 30_000);
});
