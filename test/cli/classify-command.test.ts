import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { beamline } from './run-cli.ts';

const samples = fileURLToPath(new URL('../../demo/samples/', import.meta.url));

describe('beamline classify with the shipped model', () => {
  it('recognises the committed espeak-ng samples (8, 16 and 22.05 kHz; male and female voices)', async () => {
    const { code, stdout } = await beamline(
      'classify',
      '--format',
      'jsonl',
      `${samples}seven-en-us-16k.wav`,
      `${samples}two-en-gb-8k.wav`,
      `${samples}nine-en-us-female-22k.wav`,
    );
    expect(code).toBe(0);
    const words = stdout.trim().split('\n').map((line) => (JSON.parse(line) as { word: string }).word);
    expect(words).toEqual(['seven', 'two', 'nine']);
  });

  it('reports a bad file with its code and still classifies the files after it', async () => {
    const bad = fileURLToPath(new URL('../fixtures/audio/not-audio.wav', import.meta.url));
    const { code, stdout, stderr } = await beamline('classify', '--format', 'jsonl', bad, `${samples}two-en-gb-8k.wav`);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toMatchObject([{ file: bad, error: { code: 'AUDIO_NOT_AUDIO' } }, { word: 'two' }]);
    expect(stderr).toMatch(/1 of 2 files could not be decoded \(see above\); the others were\n$/);
  });
});
