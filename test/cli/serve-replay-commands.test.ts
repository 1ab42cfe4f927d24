import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AsrServer } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';
import { beamline } from './run-cli.ts';

const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));

describe('beamline replay against a running server', () => {
  it('streams a file and prints the partials and the result', async () => {
    const server = new AsrServer({ model: await loadModel(), port: 0 });
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

  it('says so when no server answers', async () => {
    const { code, stderr } = await beamline('replay', '--url', 'ws://127.0.0.1:9/asr', `${samples}two-en-gb-8k.wav`);
    expect(code).toBe(1);
    expect(stderr).toMatch(/CONNECTION_FAILED: cannot reach ws:\/\/127\.0\.0\.1:9\/asr/);
  });
});
