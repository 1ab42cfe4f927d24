import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { beamline } from './run-cli.ts';
import { FIXTURES } from '../helpers.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/beamline.js', import.meta.url));
const audio = `${FIXTURES}audio/`;


describe('beamline features', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['espeak-seven-8k.wav', 74],
    ['espeak-seven-16k.wav', 74],
    ['tone.flac', 28],
    ['tone.mp3', 28], // the encoder's 4800 samples, as the FLAC's: its delay and padding trimmed
  ])('prints one JSON array of 39 numbers per 10 ms frame for %s', async (name, frames) => {
    const { code, stdout, stderr } = await beamline('features', `${audio}${name}`, '--format', 'jsonl');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as number[]);
    expect(lines.length).toBe(frames);
    for (const line of lines) {
      expect(line).toHaveLength(39);
      expect(line.every(Number.isFinite)).toBe(true);
    }
  });

  it('prints CSV and reads headerless PCM', async () => {
    const { code, stdout } = await beamline('features', `${audio}tone-s16le-16k.raw`, '--raw', 's16le', '--raw-rate', '16000', '--format', 'csv');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')[0].split(',')).toHaveLength(39);
  });

  it('exits 1 with the error code and file for a corrupt file', async () => {
    const { code, stdout, stderr } = await beamline('features', `${audio}truncated.wav`);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`beamline: AUDIO_TRUNCATED: ${audio}truncated.wav: WAV data chunk declares 9600 bytes but only 1956 are present\n`);
  });

  it('exits 2 on a usage error', async () => {
    expect((await beamline('features', `${audio}tone-s16le-16k.raw`, '--raw', 's16le')).code).toBe(2);
    expect((await beamline('features', `${audio}tone.flac`, '--format', 'xml')).code).toBe(2);
  });

  it('runs as an installed command with no build step', async () => {
    const { stdout } = await run(process.execPath, [bin, 'features', `${audio}espeak-seven-8k.wav`]);
    expect(stdout.trim().split('\n')).toHaveLength(74);
    const failure = await run(process.execPath, [bin, 'features', `${audio}not-audio.wav`]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 1, stderr: `beamline: AUDIO_NOT_AUDIO: ${audio}not-audio.wav: not a recognised audio file\n` });
  });
});
