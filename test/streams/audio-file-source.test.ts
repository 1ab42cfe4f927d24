import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AudioChunk } from '../../src/index.ts';
import { audioFile, type AudioFileOptions } from '../../streams/audio-file-source.ts';
import { FIXTURES } from '../helpers.ts';

const audio = `${FIXTURES}audio/`;

async function decode(name: string, options: AudioFileOptions = {}): Promise<{ samples: Float32Array; sampleRateHz: number; chunks: number }> {
  const chunks: AudioChunk[] = await lastValueFrom(audioFile(isAbsolute(name) ? name : `${audio}${name}`, options).pipe(toArray()));
  const total = chunks.reduce((sum, chunk) => sum + chunk.samples.length, 0);
  const samples = new Float32Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    samples.set(chunk.samples, offset);
    offset += chunk.samples.length;
  }
  return { samples, sampleRateHz: chunks[0]?.sampleRateHz ?? 0, chunks: chunks.length };
}

/** Largest difference between two signals over [from, to). */
function maxDifference(a: Float32Array, b: Float32Array, from = 0, to = Math.min(a.length, b.length)): number {
  let worst = 0;
  for (let i = from; i < to; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The 440 Hz, amplitude 0.5 sine sox was asked for (sox's own synthesis differs by < 0.01). */
const SINE = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000));

/** Every fixture is a re-encoding of tone-s16.wav, so that decode is the reference. */
const reference = async (): Promise<Float32Array> => (await decode('tone-s16.wav')).samples;

describe('audioFile', () => {
  it('decodes 16-bit WAV to the sine sox wrote', async () => {
    const samples = await reference();
    expect(samples.length).toBe(4800);
    expect(maxDifference(samples, SINE)).toBeLessThan(0.01);
  });

  // Fixtures re-encoded by sox from one 16-bit sine (tools/make-audio-fixtures.sh); the
  // tolerance is the quantisation step of the coarsest encoding plus sox's dither, or 1e-6 for
  // lossless encodings that hold every 16-bit value exactly.
  it.each([
    ['tone-u8.wav', 2e-2],
    ['tone-s24-extensible.wav', 1e-6],
    ['tone-s32-extensible.wav', 1e-6],
    ['tone-f32.wav', 1e-6],
    ['tone-f64.wav', 1e-6],
    ['tone.flac', 1e-6],
    ['tone-alaw.wav', 1.7e-2], // G.711 A-law: half the top segment's step (1024 in 32768) at the peaks, plus dither
    ['tone-stereo-s16.wav', 0.01], // synthesised separately by sox: compare with the ideal sine
  ])('decodes %s to the same signal', async (name, tolerance) => {
    const { samples, sampleRateHz } = await decode(name);
    expect(sampleRateHz).toBe(16000);
    expect(samples.length).toBe(4800);
    const expected = name.includes('stereo') ? SINE : await reference();
    expect(maxDifference(samples, expected)).toBeLessThan(tolerance);
  });

  it('decodes lossy OGG Vorbis and MP3 at their native rate to exactly the encoder\'s samples, close to the sine', async () => {
    // sox wrote 4800 samples; Vorbis decodes whole blocks (the last page's granule position says
    // where they end) and LAME adds 576 samples of delay and 960 of padding (its gapless header
    // says so); both trimmed, the tone lines up with the source sample for sample.
    for (const name of ['tone.ogg', 'tone.mp3']) {
      const decoded = await decode(name);
      expect(decoded.sampleRateHz).toBe(16000);
      expect(decoded.samples.length).toBe(4800);
      expect(maxDifference(decoded.samples, await reference(), 200, 4600)).toBeLessThan(0.05);
    }
  });

  it('refuses a compressed file at a rate its decoder cannot take with AUDIO_BAD_SAMPLE_RATE (found by the file fuzzer)', async () => {
    // STREAMINFO's 20-bit rate (bytes 18–20 of the file) set to 642,688 Hz: it was an internal error.
    const flac = new Uint8Array(await readFile(`${FIXTURES}audio/tone.flac`));
    flac[18] = 0x9c;
    flac[19] = 0xe8;
    flac[20] = flac[20] & 0x0f;
    const dir = await mkdtemp(join(tmpdir(), 'beamline-rate-'));
    await writeFile(join(dir, 'fast.flac'), flac);
    await expect(decode(join(dir, 'fast.flac'))).rejects.toMatchObject({
      code: 'AUDIO_BAD_SAMPLE_RATE',
      message: `${join(dir, 'fast.flac')}: sample rate 642688 Hz is outside [2000, 384000], the rates compressed audio is decoded at`,
    });
  });

  it('reports every compressed file cut short as AUDIO_TRUNCATED, never as fewer samples', async () => {
    // 66 of 230 such files decoded silently short before (a FLAC cut to 43% gave 2 of 7 words).
    const dir = await mkdtemp(join(tmpdir(), 'beamline-cut-'));
    let cuts = 0;
    for (const name of ['tone.flac', 'tone.ogg', 'tone.mp3']) {
      const whole = await readFile(`${FIXTURES}audio/${name}`);
      for (let percent = 5; percent < 100; percent += 5) {
        const file = join(dir, `${percent}-${name}`);
        await writeFile(file, whole.subarray(0, Math.round((whole.length * percent) / 100)));
        const outcome = await decode(file).then(
          (decoded) => `decoded ${decoded.samples.length} samples`,
          (error: { code?: string }) => error.code,
        );
        expect([name, percent, outcome]).toEqual([name, percent, 'AUDIO_TRUNCATED']);
        cuts++;
      }
    }
    expect(cuts).toBe(57);
  });

  it('decodes headerless PCM with the rate and format given', async () => {
    const { samples, sampleRateHz } = await decode('tone-s16le-16k.raw', {
      raw: { sampleFormat: 's16le', channels: 1, sampleRateHz: 16000 },
    });
    expect(sampleRateHz).toBe(16000);
    expect(maxDifference(samples, await reference())).toBe(0);
  });

  it('emits batches that start at 20 ms, double, then stay at the requested length', async () => {
    const chunks = await lastValueFrom(audioFile(`${audio}tone-s16.wav`, { batchSeconds: 0.05 }).pipe(toArray()));
    expect(chunks.map((chunk) => chunk.samples.length)).toEqual([320, 640, 800, 800, 800, 800, 640]);
  });

  it('emits one batch per scheduler task', () => {
    return new Promise<void>((done, fail) => {
      // Batches arrive in separate macrotasks: a task queued during the first batch runs before the second.
      const order: string[] = [];
      audioFile(`${audio}tone-s16.wav`, { batchSeconds: 0.02 }).subscribe({
        next: (chunk) => {
          if (order.length === 0) setImmediate(() => order.push('timer'));
          order.push(String(chunk.samples.length));
        },
        error: fail,
        complete: () => {
          try {
            expect(order.indexOf('timer')).toBe(1);
            done();
          } catch (error) {
            fail(error);
          }
        },
      });
    });
  });

  it.each([
    ['missing.wav', 'AUDIO_UNREADABLE', /missing\.wav: cannot read the file \(no such file\)/],
    ['not-audio.wav', 'AUDIO_NOT_AUDIO', /not-audio\.wav: not a recognised audio file/],
    ['truncated.wav', 'AUDIO_TRUNCATED', /declares 9600 bytes but only 1956/],
    ['truncated.flac', 'AUDIO_TRUNCATED', /truncated\.flac/],
    ['empty.wav', 'AUDIO_NO_SAMPLES', /holds no samples/],
    ['nan-f32.wav', 'AUDIO_NON_FINITE', /nan-f32\.wav: sample 9/],
  ])('reports %s as %s', async (name, code, message) => {
    const error = await decode(name).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });

  it('reports a directory and an odd-length raw file with coded errors', async () => {
    await expect(decode('')).rejects.toMatchObject({ code: 'AUDIO_UNREADABLE' });
    await expect(decode('truncated.wav', { raw: { sampleFormat: 's24le', channels: 1, sampleRateHz: 8000 } })).rejects.toMatchObject({
      code: 'AUDIO_TRUNCATED', // 2000 bytes is not a whole number of 3-byte samples
    });
  });
});
