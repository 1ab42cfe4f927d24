import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/features/front-end.ts';
import { buildUtteranceGraph } from '../../../src/graph/utterance-graph.ts';
import { spell } from '../../../src/graph/unit-hmm.ts';
import { parseModel } from '../../../src/io/model-format.ts';
import { unitsByName, unitStateBases } from '../../../src/io/speech-model.ts';
import { emissionScores } from '../../../src/scoring/emission-matrix.ts';
import { viterbiAlign } from '../../../src/search/viterbi-alignment.ts';
import { SeededRandom } from '../../../src/math/random.ts';

describe('emissionScores', () => {
  const model = parseModel(readFileSync('models/fsdd-digits.json', 'utf8'));
  const units = unitsByName(model);
  // "seven seven" with optional silences: the silence GMMs recur, so shared states are copied.
  const graph = buildUtteranceGraph([spell(['seven'], model.lexicon, units), spell(['seven'], model.lexicon, units)], units.get(model.silenceUnit), unitStateBases(model.units));
  const random = new SeededRandom(5);
  const samples = Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin(i / 3) * Math.sin(i / 900) + 0.01 * random.normal());
  const features = computeFeatures(samples, model.frontEnd);

  it('is each state’s GMM score at each frame (oracle: DiagonalGmm.logLikelihood)', () => {
    const scores = emissionScores(graph, features, model.gmms);
    for (let t = 0; t < features.count; t += 7) {
      for (let s = 0; s < graph.stateCount; s++) {
        expect(scores[t * graph.stateCount + s]).toBe(model.gmms[graph.emissions[s]].logLikelihood(features.data, t * features.width));
      }
    }
  });

  it('from the SIMD kernel, is within 2e-5 relative of the exact scores and gives the same alignment', () => {
    const exact = emissionScores(graph, features, model.gmms, 'exact');
    const simd = emissionScores(graph, features, model.gmms, 'simd');
    for (let i = 0; i < exact.length; i++) expect(Math.abs(simd[i] - exact[i])).toBeLessThan(2e-5 * (1 + Math.abs(exact[i])));
    expect(viterbiAlign(graph, simd, features.count).states).toEqual(viterbiAlign(graph, exact, features.count).states);
  });
});
