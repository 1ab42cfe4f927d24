import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileKernel } from '../../../tools/build-wasm.ts';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { parseModel } from '../../../src/io/model-format.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { FrameScorer, gmmScorer } from '../../../src/scoring/frame-scorer.ts';
import { GMM_KERNEL_WASM } from '../../../src/scoring/gmm-kernel-wasm.ts';
import { SimdGmmScorer, simdScoringAvailable } from '../../../src/scoring/simd-gmm-bank.ts';

function randomGmm(random: SeededRandom, dim: number, components: number): DiagonalGmm {
  const weights = Array.from({ length: components }, () => 0.1 + random.next());
  const total = weights.reduce((a, b) => a + b, 0);
  return new DiagonalGmm(dim, {
    weights: weights.map((w) => w / total),
    means: Array.from({ length: components * dim }, () => 3 * random.normal()),
    variances: Array.from({ length: components * dim }, () => 0.05 + 4 * random.next()),
  });
}

/** Single-precision sums: the error grows with the quadratic term, so the tolerance is relative. */
const tolerance = (exact: number): number => 2e-5 * (1 + Math.abs(exact));

describe('WebAssembly SIMD GMM scoring', () => {
  it('runs here (Node 20 has WebAssembly SIMD), so the default decoder uses it', () => {
    expect(simdScoringAvailable()).toBe(true);
    expect(new FrameScorer([randomGmm(new SeededRandom(1), 3, 2)]).kind).toBe('simd');
  });

  it('the committed kernel is what wasm/gmm-kernel.ts compiles to (run `npm run build:wasm` after editing it)', async () => {
    const compiled = await compileKernel('wasm/gmm-kernel.ts');
    expect(Buffer.from(compiled).equals(Buffer.from(GMM_KERNEL_WASM))).toBe(true);
  }, 60_000);

  // Oracle: DiagonalGmm.logLikelihood in double precision.
  it('agrees with the double-precision mixtures on random models and frames of any width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 45 }), fc.integer({ min: 1, max: 9 }), (seed, dim, components) => {
        const random = new SeededRandom(seed);
        const gmms = Array.from({ length: 1 + random.integer(4) }, () => randomGmm(random, dim, components));
        const scorer = new SimdGmmScorer(gmms);
        const frames = new Float32Array(6 * dim).map(() => 4 * random.normal());
        for (let t = 0; t < 6; t++) {
          scorer.setFrame(frames, t * dim);
          gmms.forEach((gmm, index) => {
            const exact = gmm.logLikelihood(frames, t * dim);
            expect(Math.abs(scorer.score(index) - exact)).toBeLessThan(tolerance(exact));
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with them on the shipped model and frames near its means', () => {
    const model = parseModel(readFileSync('models/fsdd-digits.json', 'utf8'));
    const random = new SeededRandom(7);
    const dim = model.gmms[0].dim;
    const scorer = gmmScorer(model.gmms);
    const frame = new Float32Array(dim);
    let worst = 0;
    for (let t = 0; t < 200; t++) {
      const source = model.gmms[t % model.gmms.length];
      for (let d = 0; d < dim; d++) frame[d] = source.means[d] + 2 * random.normal() * Math.sqrt(source.variances[d]);
      scorer.setFrame(frame, 0);
      model.gmms.forEach((gmm, index) => {
        const exact = gmm.logLikelihood(frame, 0);
        worst = Math.max(worst, Math.abs(scorer.score(index) - exact) / (1 + Math.abs(exact)));
      });
    }
    expect(worst).toBeLessThan(2e-5);
  });

  it('scorers sharing one bank do not see each other’s frames', () => {
    const random = new SeededRandom(3);
    const gmms = Array.from({ length: 5 }, () => randomGmm(random, 7, 3));
    const a = new SimdGmmScorer(gmms);
    const b = new SimdGmmScorer(gmms);
    const frameA = new Float32Array(7).map(() => random.normal());
    const frameB = new Float32Array(7).map(() => random.normal());
    a.setFrame(frameA, 0);
    b.setFrame(frameB, 0);
    for (let index = 0; index < gmms.length; index++) {
      expect(a.score(index)).toBeCloseTo(gmms[index].logLikelihood(frameA, 0), 3);
      expect(b.score(index)).toBeCloseTo(gmms[index].logLikelihood(frameB, 0), 3);
    }
  });

  it('falls back to the exact scorer for mixtures wider than the kernel holds, and on request', () => {
    const random = new SeededRandom(4);
    expect(gmmScorer([randomGmm(random, 300, 2)]).kind).toBe('exact');
    expect(gmmScorer([randomGmm(random, 3, 2)], 'exact').kind).toBe('exact');
    expect(() => new SimdGmmScorer([randomGmm(random, 300, 2)])).toThrow(/width/);
  });

  it('a component of weight zero scores log 0 and does not disturb the others', () => {
    const gmm = new DiagonalGmm(2, { weights: [0, 1], means: [0, 0, 1, 1], variances: [1, 1, 1, 1] });
    const scorer = new SimdGmmScorer([gmm]);
    scorer.setFrame(new Float32Array([1, 1]), 0);
    expect(scorer.score(0)).toBeCloseTo(gmm.logLikelihood([1, 1]), 5);
  });
});
