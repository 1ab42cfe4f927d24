import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Resampler } from '../../../src/audio/resampler.ts';
import { rmsDb, sine, splitAt } from '../../helpers.ts';

async function resampleAll(input: Float32Array, inputRateHz: number, outputRateHz: number, chunks: Float32Array[] = [input]): Promise<Float32Array> {
  const resampler = await Resampler.create({ inputRateHz, outputRateHz });
  const parts = chunks.map((chunk) => resampler.push(chunk));
  parts.push(resampler.finish());
  resampler.release();
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe('Resampler', () => {
  // A 0.5-amplitude sine has an RMS level of 20·log10(0.5/√2) = −9.03 dBFS (mathematics, not the code).
  const sineLevelDb = 20 * Math.log10(0.5 / Math.SQRT2);

  it.each([
    [44100, 16000, 9000],
    [16000, 8000, 5000],
    [48000, 8000, 6000],
    [22050, 16000, 10000],
  ])('removes a tone above the target Nyquist (%i Hz → %i Hz, %i Hz tone) by at least 60 dB', async (from, to, tone) => {
    const out = await resampleAll(sine(tone, from, 1), from, to);
    const middle = [Math.round(0.1 * to), Math.round(0.9 * to)] as const;
    expect(rmsDb(out, ...middle) - sineLevelDb).toBeLessThan(-60);
  });

  it.each([
    [44100, 16000, 1000],
    [16000, 8000, 2000],
    [48000, 8000, 3000],
    [8000, 16000, 3000],
  ])('keeps a tone well below Nyquist (%i Hz → %i Hz, %i Hz tone) within 0.5 dB', async (from, to, tone) => {
    const out = await resampleAll(sine(tone, from, 1), from, to);
    const middle = [Math.round(0.1 * to), Math.round(0.9 * to)] as const;
    expect(Math.abs(rmsDb(out, ...middle) - sineLevelDb)).toBeLessThan(0.5);
  });

  // The wrapper of libsamplerate refuses rates above 192 kHz; every rate the file readers accept
  // (up to 768 kHz) must still convert, exactly for ratios with a small common divisor.
  it.each([
    [192001, 8000],
    [384000, 8000],
    [705600, 16000],
    [768000, 8000],
    [768000, 16000],
  ])('converts %i Hz to %i Hz, above the wrapper\'s 192 kHz: a tone kept, one above Nyquist removed', async (from, to) => {
    const kept = await resampleAll(sine(1000, from, 0.5), from, to);
    expect(kept.length).toBe(Math.round(Math.round(from * 0.5) * to / from));
    const middle = [Math.round(0.1 * to), Math.round(0.4 * to)] as const;
    expect(Math.abs(rmsDb(kept, ...middle) - sineLevelDb)).toBeLessThan(0.5);
    const removed = await resampleAll(sine(to * 0.75, from, 0.5), from, to);
    expect(rmsDb(removed, ...middle) - sineLevelDb).toBeLessThan(-60);
  });

  it('refuses rates more than 256 times apart with a coded error', async () => {
    await expect(Resampler.create({ inputRateHz: 768000, outputRateHz: 1000 })).rejects.toThrow(
      expect.objectContaining({ code: 'AUDIO_BAD_SAMPLE_RATE', message: 'cannot convert 768000 Hz to 1000 Hz: the rates may differ by a factor of at most 256' }),
    );
  });

  it('produces round(n × out / in) samples in all', async () => {
    expect((await resampleAll(sine(440, 44100, 1.234), 44100, 16000)).length).toBe(Math.round(Math.round(44100 * 1.234) * 16000 / 44100));
    expect((await resampleAll(sine(440, 8000, 0.5), 8000, 8000)).length).toBe(4000);
  });

  it('gives bit-identical output however the input is chunked', async () => {
    const input = sine(700, 16000, 0.3);
    const whole = await resampleAll(input, 16000, 8000);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(input.length), { maxLength: 20 }), async (cuts) => {
        const chunked = await resampleAll(input, 16000, 8000, splitAt(input, cuts, input.length));
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses to be used after finish', async () => {
    const resampler = await Resampler.create({ inputRateHz: 16000, outputRateHz: 8000 });
    resampler.finish();
    expect(() => resampler.push(new Float32Array(4))).toThrow(expect.objectContaining({ code: 'LIFECYCLE' }));
    resampler.release();
  });

  it('names the field and value of a bad configuration', async () => {
    await expect(Resampler.create({ inputRateHz: 0, outputRateHz: 8000 })).rejects.toThrow(
      'resampler.inputRateHz must be an integer in [1000, 768000]; got 0',
    );
  });
});
