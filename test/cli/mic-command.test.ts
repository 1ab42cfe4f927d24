/**
 * `beamline mic` where no microphone can be had: run as a real process, since the audio back
 * ends write their diagnostics straight to the process's file descriptors, which an in-process
 * capture would not see.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/beamline.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('beamline mic without a usable microphone', () => {
  it('exits 1 with one coded line: no hang, no stack trace, nothing from the audio libraries', async () => {
    const { code, stdout, stderr } = await run(['mic', '--device', 'no-such-device']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^beamline: AUDIO_DEVICE_UNAVAILABLE: no microphone could be opened \(.+\)\. Connect one/);
    expect(stderr).not.toMatch(/ALSA lib|libjack|Failed to open client|at .+\.ts:\d+/);
  }, 40_000);

  it('lists the inputs, or says there are none, with nothing else', async () => {
    const { code, stdout, stderr } = await run(['mic', '--list-devices']);
    if (code === 0) {
      expect(stdout.trim().split('\n').every((line) => line.includes('\t'))).toBe(true); // id<TAB>label
    } else {
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^beamline: AUDIO_DEVICE_UNAVAILABLE: [^\n]*\n$/);
    }
  }, 40_000);
});

describe('beamline mic with a microphone', () => {
  it('decodes what the capture process hears and prints each result with its times', async () => {
    // The capture process replaced by one that plays a recording (48 kHz: resampled to the model's 8 kHz).
    const { code, stdout, stderr } = await run(['mic'], {
      BEAMLINE_MIC_CAPTURE: fileURLToPath(new URL('../clients/fake-microphone.js', import.meta.url)),
      FAKE_MICROPHONE_WAV: fileURLToPath(new URL('../../demo/samples/three-one-four-noisy-48k.wav', import.meta.url)),
    });
    expect(code).toBe(0);
    expect(stderr).toContain('Listening on fake microphone (48000 Hz)');
    expect(stdout).toMatch(/^\[\d+\.\d{2}–\d+\.\d{2} s\] three one four\n$/);
  }, 40_000);

  it('keeps the talker in --talker across runs: each run learns on from the last', async () => {
    const talker = join(await mkdtemp(join(tmpdir(), 'beamline-talker-')), 'me.json');
    const env = {
      BEAMLINE_MIC_CAPTURE: fileURLToPath(new URL('../clients/fake-microphone.js', import.meta.url)),
      FAKE_MICROPHONE_WAV: fileURLToPath(new URL('../../demo/samples/three-one-four-noisy-48k.wav', import.meta.url)),
    };
    const utterances = async (): Promise<number> => (JSON.parse(await readFile(talker, 'utf8')) as { utterances: number }).utterances;
    expect((await run(['mic', '--adaptation', 'speaker', '--talker', talker], env)).code).toBe(0);
    expect(await utterances()).toBe(1);
    const second = await run(['mic', '--adaptation', 'speaker', '--talker', talker], env);
    expect(second.stdout).toMatch(/three one four/);
    expect(await utterances()).toBe(2);
    const refused = await run(['mic', '--talker', talker], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/CONFIG_INVALID: --talker needs --adaptation speaker/);
  }, 60_000);
});
