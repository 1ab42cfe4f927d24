import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/math/random.ts';
import { joinWithNoisyPauses, padWithSilence } from '../../../src/training/augment.ts';

describe('padWithSilence', () => {
  it('keeps the samples intact between quiet noise of bounded length and level', () => {
    const samples = Float32Array.from({ length: 800 }, (_, i) => Math.sin(i / 5));
    for (let seed = 1; seed <= 20; seed++) {
      const out = padWithSilence(samples, 8000, new SeededRandom(seed), { maxSeconds: 0.1, levelDb: [-60, -50] });
      expect(out.length).toBeGreaterThanOrEqual(800);
      expect(out.length).toBeLessThanOrEqual(800 + 2 * 800);
      const start = [...out].findIndex((_, i) => out.subarray(i, i + 800).every((v, j) => v === samples[j]));
      expect(start).toBeGreaterThanOrEqual(0);
      // Noise RMS below −50 dBFS, with margin for sampling error.
      let sum = 0;
      for (let i = 0; i < start; i++) sum += out[i] * out[i];
      if (start > 100) expect(10 * Math.log10(sum / start)).toBeLessThan(-48);
    }
  });

  it('is reproducible from its seed', () => {
    const samples = new Float32Array(100).fill(0.5);
    expect(padWithSilence(samples, 8000, new SeededRandom(7))).toEqual(padWithSilence(samples, 8000, new SeededRandom(7)));
  });
});

describe('joinWithNoisyPauses', () => {
  it('keeps every part intact and in order, with pauses of the given lengths and noise at the given SNR', () => {
    const parts = [800, 1200, 600].map((length, k) => Float32Array.from({ length }, (_, i) => 0.3 * Math.sin((i + k) / 4)));
    for (let seed = 1; seed <= 10; seed++) {
      const out = joinWithNoisyPauses(parts, 8000, new SeededRandom(seed), { gapSeconds: [0.05, 0.1], snrDb: [30, 30] });
      // Four pauses of 400–800 samples around three parts.
      expect(out.length).toBeGreaterThanOrEqual(2600 + 4 * 400);
      expect(out.length).toBeLessThanOrEqual(2600 + 4 * 800);
      // The noise is 30 dB below the parts' power: the first pause's power says so.
      const speechPower = parts.reduce((sum, part) => sum + part.reduce((s, v) => s + v * v, 0), 0) / 2600;
      const pause = out.subarray(0, 400);
      const noisePower = pause.reduce((s, v) => s + v * v, 0) / pause.length;
      expect(10 * Math.log10(speechPower / noisePower)).toBeGreaterThan(28);
      expect(10 * Math.log10(speechPower / noisePower)).toBeLessThan(32);
    }
  });
});
