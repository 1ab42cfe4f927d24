import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));

describe('beamline classify with the shipped model', () => {
  it('recognises the committed espeak-ng samples (8, 16 and 22.05 kHz; male and female voices)', async () => {
    let stdout = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    try {
      const code = await main([
        'classify',
        '--format',
        'jsonl',
        `${samples}seven-en-us-16k.wav`,
        `${samples}two-en-gb-8k.wav`,
        `${samples}nine-en-us-female-22k.wav`,
      ]);
      expect(code).toBe(0);
    } finally {
      out.mockRestore();
    }
    const words = stdout.trim().split('\n').map((line) => (JSON.parse(line) as { word: string }).word);
    expect(words).toEqual(['seven', 'two', 'nine']);
  });
});
