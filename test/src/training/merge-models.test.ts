import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { frontEndConfig } from '../../../src/features/front-end.ts';
import { wholeWordTopology } from '../../../src/graph/whole-word-topology.ts';
import type { SpeechModel } from '../../../src/io/speech-model.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { mergeModels } from '../../../src/training/merge-models.ts';

/** A small random model of the same recipe for each seed: two words, two Gaussians a state. */
function modelOfSeed(seed: number): SpeechModel {
  const topology = wholeWordTopology({ yes: 1, no: 1 }, { statesPerPhone: 2, silenceStates: 1 });
  const random = new SeededRandom(seed);
  const states = topology.units.reduce((n, unit) => n + unit.emissions.length, 0);
  const gmms = Array.from({ length: states }, () => {
    const first = 0.2 + 0.6 * random.next();
    return new DiagonalGmm(3, {
      weights: [first, 1 - first],
      means: Array.from({ length: 6 }, () => random.normal()),
      variances: Array.from({ length: 6 }, () => 0.5 + random.next()),
    });
  });
  const units = topology.units.map((unit) => {
    const stay = unit.emissions.map(() => 0.3 + 0.6 * random.next());
    return { ...unit, logSelfLoop: Float64Array.from(stay, Math.log), logForward: Float64Array.from(stay, (p) => Math.log(1 - p)) };
  });
  return {
    name: `seed ${seed}`,
    frontEnd: frontEndConfig(),
    units,
    silenceUnit: topology.silenceUnit,
    gmms,
    lexicon: topology.lexicon,
    cmnPriorMean: Float64Array.from({ length: 13 }, () => random.normal()),
    provenance: { data: 'random', command: 'test', date: '2026-11-24', accuracy: {} },
  };
}

describe('mergeModels', () => {
  it('gives each state the mean of the models\' likelihoods, and the mean of their transition probabilities', () => {
    const models = [modelOfSeed(1), modelOfSeed(2), modelOfSeed(3)];
    const merged = mergeModels(models);
    const random = new SeededRandom(9);
    for (let g = 0; g < merged.gmms.length; g++) {
      expect(merged.gmms[g].components).toBe(6);
      for (let trial = 0; trial < 5; trial++) {
        const x = Array.from({ length: 3 }, () => 2 * random.normal());
        // Each model's density by the textbook formula, not by the code under test.
        const density = (gmm: DiagonalGmm): number =>
          [...gmm.weights].reduce((sum, weight, k) => {
            let product = weight;
            for (let d = 0; d < 3; d++) {
              const variance = gmm.variances[k * 3 + d];
              product *= Math.exp(-((x[d] - gmm.means[k * 3 + d]) ** 2) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
            }
            return sum + product;
          }, 0);
        const expected = Math.log(models.reduce((sum, model) => sum + density(model.gmms[g]), 0) / models.length);
        expect(merged.gmms[g].logLikelihood(x)).toBeCloseTo(expected, 9);
      }
    }
    merged.units.forEach((unit, u) =>
      unit.emissions.forEach((_, j) => {
        const meanStay = models.reduce((sum, model) => sum + Math.exp(model.units[u].logSelfLoop[j]), 0) / models.length;
        expect(Math.exp(unit.logSelfLoop[j])).toBeCloseTo(meanStay, 12);
        expect(Math.exp(unit.logSelfLoop[j]) + Math.exp(unit.logForward[j])).toBeCloseTo(1, 12);
      }),
    );
    expect(merged.cmnPriorMean[4]).toBeCloseTo((models[0].cmnPriorMean[4] + models[1].cmnPriorMean[4] + models[2].cmnPriorMean[4]) / 3, 12);
    expect(merged.name).toBe('seed 1');
  });

  it('refuses models of different recipes, naming what differs', () => {
    const other = modelOfSeed(2);
    expect(() => mergeModels([modelOfSeed(1), { ...other, frontEnd: frontEndConfig({ mfcc: { cepstra: 16 } }) }])).toThrow(/differ in their front end/);
    expect(() => mergeModels([modelOfSeed(1), { ...other, gmms: other.gmms.slice(1) }])).toThrow(/differ in their GMMs/);
    expect(() => mergeModels([])).toThrow(/no models/);
  });
});
