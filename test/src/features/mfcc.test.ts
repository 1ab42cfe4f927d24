import fc from 'fast-check';
import Meyda from 'meyda';
import { describe, expect, it } from 'vitest';
import { lifterWeights, MEYDA_INPUT_SCALE, meydaMelFilterBank, MfccExtractor } from '../../../src/features/mfcc.ts';

/** Meyda's own MFCC of one frame (the oracle), with our scale and lifter applied around it. */
function meydaMfcc(frame: Float32Array, sampleRateHz: number, melBands: number, cepstra: number, lifter: number): number[] {
  const settings = Meyda as unknown as Record<string, unknown>;
  Object.assign(settings, {
    bufferSize: frame.length,
    sampleRate: sampleRateHz,
    melBands,
    numberOfMFCCCoefficients: cepstra,
    windowingFunction: 'rect',
    melFilterBank: undefined,
    barkScale: undefined,
  });
  const scaled = frame.map((x) => x * MEYDA_INPUT_SCALE);
  const meyda = Meyda as unknown as { extract(feature: string, signal: Float32Array): number[] };
  const mfcc = meyda.extract('mfcc', scaled).slice(0, cepstra);
  Object.assign(settings, { melFilterBank: undefined, barkScale: undefined });
  const weights = lifterWeights(cepstra, lifter);
  return mfcc.map((c, k) => c * weights[k]);
}

describe('MfccExtractor', () => {
  // Oracle: Meyda.extract('mfcc'), which computes in Float32; we compute in Float64, so the two
  // differ by Float32 rounding of band energies (relative 1e-7, a few 1e-5 after the DCT sum).
  it.each([
    [8000, 256, 26, 13, 22],
    [16000, 512, 26, 13, 22],
    [16000, 512, 40, 20, 0],
  ])('agrees with Meyda on random frames (%i Hz, FFT %i, %i bands, %i cepstra, lifter %i)', (rate, fftSize, bands, cepstra, lifter) => {
    const extractor = new MfccExtractor(rate, fftSize, { melBands: bands, cepstra, cepstralLifter: lifter });
    fc.assert(
      fc.property(
        fc.float32Array({ minLength: fftSize, maxLength: fftSize, min: -1, max: 1, noNaN: true, noDefaultInfinity: true }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        (values, gain) => {
          const frame = values.map((x) => x * gain);
          const ours = extractor.push({ data: frame, count: 1, width: fftSize, firstFrame: 0 }).data;
          const oracle = meydaMfcc(frame, rate, bands, cepstra, lifter);
          for (let k = 0; k < cepstra; k++) expect(ours[k]).toBeCloseTo(oracle[k], 2);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('agrees with Meyda on a silent frame (log(0 + 1) = 0 in every band)', () => {
    const extractor = new MfccExtractor(8000, 256);
    const ours = extractor.push({ data: new Float32Array(256), count: 1, width: 256, firstFrame: 0 }).data;
    expect([...ours]).toEqual(new Array(13).fill(0));
  });

  it('uses Meyda’s filterbank and leaves Meyda’s shared cache empty', () => {
    const bank = meydaMelFilterBank(8000, 256, 26);
    expect(bank).toHaveLength(26);
    expect(bank[0]).toHaveLength(128);
    // Each triangle peaks at 1 and is non-negative.
    for (const row of bank) {
      expect(Math.max(...row)).toBeCloseTo(1, 6);
      expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
    }
    expect((Meyda as unknown as { melFilterBank: unknown }).melFilterBank).toBeUndefined();
  });

  it('processes many frames in one block, each as it would alone', () => {
    const extractor = new MfccExtractor(8000, 256);
    const block = new Float32Array(3 * 256).map((_, i) => Math.sin(i * 0.3) * (1 + Math.floor(i / 256)) * 0.1);
    const all = extractor.push({ data: block, count: 3, width: 256, firstFrame: 7 });
    expect(all.firstFrame).toBe(7);
    for (let f = 0; f < 3; f++) {
      const one = extractor.push({ data: block.subarray(f * 256, (f + 1) * 256), count: 1, width: 256, firstFrame: 0 }).data;
      expect([...all.data.subarray(f * 13, (f + 1) * 13)]).toEqual([...one]);
    }
  });
});
