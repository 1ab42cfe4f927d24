import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/math/random.ts';
import { changeSpeed, clipQuietEdges, joinWithNoisyPauses, noiseOnly, padWithSilence, padWithZeros } from '../../../src/training/augment.ts';

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

describe('padWithZeros', () => {
  it('puts the samples, unchanged, between zeros of the drawn lengths, each end its own', () => {
    const samples = Float32Array.from({ length: 400 }, (_, i) => 0.5 + 0.1 * Math.sin(i / 3));
    const befores = new Set<number>();
    for (let seed = 1; seed <= 30; seed++) {
      const out = padWithZeros(samples, 8000, new SeededRandom(seed), { seconds: [0.1, 0.2] });
      const before = out.findIndex((value) => value !== 0);
      const after = out.length - before - samples.length;
      for (const stretch of [before, after]) {
        expect(stretch).toBeGreaterThanOrEqual(800);
        expect(stretch).toBeLessThanOrEqual(1600);
      }
      expect(Array.from(out.subarray(before, before + samples.length))).toEqual(Array.from(samples));
      expect(out.subarray(before + samples.length).every((value) => value === 0)).toBe(true);
      befores.add(before);
    }
    expect(befores.size).toBeGreaterThan(20);
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

describe('clipQuietEdges', () => {
  // 8 kHz: 50 ms of a tone 40 dB down, 200 ms at full level, 100 ms 20 dB down.
  const tone = (ms: number, db: number, from: number): number[] =>
    Array.from({ length: ms * 8 }, (_, i) => 10 ** (db / 20) * Math.sin((2 * Math.PI * 440 * (from + i)) / 8000));
  const samples = Float32Array.from([...tone(50, -40, 0), ...tone(200, 0, 400), ...tone(100, -20, 2000)]);

  it('cuts each edge where the 10 ms energy first comes within the drawn depth of the peak', () => {
    // Depth 10 dB: both quieter parts go.
    expect(clipQuietEdges(samples, 8000, new SeededRandom(1), { belowPeakDb: [10, 10] })).toEqual(samples.slice(400, 2000));
    // Depth 30 dB: the −20 dB tail stays, the −40 dB onset goes.
    expect(clipQuietEdges(samples, 8000, new SeededRandom(1), { belowPeakDb: [30, 30] })).toEqual(samples.slice(400));
    // Depth 50 dB: nothing goes.
    expect(clipQuietEdges(samples, 8000, new SeededRandom(1), { belowPeakDb: [50, 50] })).toEqual(samples);
  });

  it('always keeps the loudest frame, and only ever cuts whole edges', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const out = clipQuietEdges(samples, 8000, new SeededRandom(seed));
      const start = [...samples].findIndex((_, i) => samples[i] === out[0] && samples.subarray(i, i + out.length).every((v, j) => v === out[j]));
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start).toBeLessThanOrEqual(400);
      expect(start + out.length).toBeGreaterThanOrEqual(2000);
    }
  });
});

describe('noiseOnly', () => {
  it('is a stretch of the drawn length at a level within the drawn range, white to low-pass', () => {
    const options = { seconds: [0.5, 1] as const, levelDb: [-60, -30] as const, maxColour: 0.95 };
    const tilts: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const out = noiseOnly(8000, new SeededRandom(seed), options);
      expect(out.length).toBeGreaterThanOrEqual(4000);
      expect(out.length).toBeLessThanOrEqual(8000);
      let power = 0;
      let lag = 0;
      for (let i = 0; i < out.length; i++) {
        power += out[i] * out[i];
        if (i > 0) lag += out[i] * out[i - 1];
      }
      const levelDb = 10 * Math.log10(power / out.length);
      expect(levelDb).toBeGreaterThan(-60.01);
      expect(levelDb).toBeLessThan(-29.99);
      tilts.push(lag / power);
    }
    // Lag-one correlation: near 0 for white noise, towards 1 for the darkest.
    expect(Math.min(...tilts)).toBeLessThan(0.2);
    expect(Math.max(...tilts)).toBeGreaterThan(0.7);
  });

  it('is reproducible from its seed', () => {
    expect(noiseOnly(8000, new SeededRandom(9))).toEqual(noiseOnly(8000, new SeededRandom(9)));
  });
});

describe('changeSpeed', () => {
  /** Crossings from below zero to zero or above, per second. */
  const frequencyOf = (samples: Float32Array, rateHz: number) => {
    let crossings = 0;
    for (let i = 1; i < samples.length; i++) if (samples[i - 1] < 0 && samples[i] >= 0) crossings++;
    return (crossings * rateHz) / samples.length;
  };

  it.each([0.9, 1.1])('plays a 400 Hz tone at speed %f: length / speed samples at 400 × speed Hz', async (speed) => {
    const rate = 8000;
    const tone = Float32Array.from({ length: rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 400 * i) / rate));
    const out = await changeSpeed(tone, rate, speed);
    expect(Math.abs(out.length - rate / speed)).toBeLessThanOrEqual(1);
    expect(frequencyOf(out, rate)).toBeCloseTo(400 * speed, -1); // within 5 Hz
  });

  it('refuses a speed outside 0.5–2', async () => {
    await expect(changeSpeed(new Float32Array(10), 8000, 3)).rejects.toThrow(/speed must be in/);
  });
});
