/**
 * The server under hostile clients: floods, endless queues, clients that never read. Each case
 * here froze or exhausted the server before its fix; a good lock-step session beside it must
 * still get exactly its words.
 */
import { describe, expect, it } from 'vitest';
import { AsrServer } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';
import { LockStepClient, streamFile } from './socket-clients.ts';

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
});

