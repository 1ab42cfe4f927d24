import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { frontEndConfig } from '../../../src/features/front-end.ts';
import { wholeWordTopology } from '../../../src/graph/whole-word-topology.ts';
import { parseModel, serializeModel } from '../../../src/io/model-format.ts';
import type { SpeechModel } from '../../../src/io/speech-model.ts';
import { SeededRandom } from '../../../src/math/random.ts';

function smallModel(): SpeechModel {
  const topology = wholeWordTopology({ yes: 1, no: 1 }, { statesPerPhone: 2, silenceStates: 1 });
  const random = new SeededRandom(3);
  const states = topology.units.reduce((n, unit) => n + unit.emissions.length, 0);
  const gmms = Array.from({ length: states }, () => {
    const means = Array.from({ length: 2 * 39 }, () => random.normal());
    const variances = Array.from({ length: 2 * 39 }, () => 0.5 + random.next());
    return new DiagonalGmm(39, { weights: [0.25, 0.75], means, variances });
  });
  return {
    name: 'tiny',
    frontEnd: frontEndConfig(),
    units: topology.units,
    silenceUnit: topology.silenceUnit,
    gmms,
    lexicon: topology.lexicon,
    cmnPriorMean: Float64Array.from({ length: 13 }, (_, i) => i - 6),
    provenance: { data: 'random', command: 'test', date: '2026-11-23', accuracy: { isolated: '100%' } },
  };
}

describe('model file format', () => {
  it('round-trips: the parsed model scores frames as the original does', () => {
    const model = smallModel();
    const parsed = parseModel(serializeModel(model), 'tiny.json');
    expect(parsed.name).toBe('tiny');
    expect(parsed.frontEnd).toEqual(model.frontEnd);
    expect([...parsed.lexicon]).toEqual([...model.lexicon]);
    expect(Array.from(parsed.cmnPriorMean)).toEqual(Array.from(model.cmnPriorMean));
    const frame = Array.from({ length: 39 }, (_, i) => Math.sin(i));
    model.gmms.forEach((gmm, i) => expect(parsed.gmms[i].logLikelihood(frame)).toBeCloseTo(gmm.logLikelihood(frame), 5));
    parsed.units.forEach((unit, u) => {
      expect(unit.emissions).toEqual(model.units[u].emissions);
      unit.logSelfLoop.forEach((value, j) => expect(value).toBeCloseTo(model.units[u].logSelfLoop[j], 7));
    });
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits reach anywhere into the parsed JSON
  const edits: [string, (document: Record<string, any>) => void, string][] = [
    ['a negative variance', (d) => (d.gmms[1].variances[0][5] = -1), 'gmms[1].variances[0][5] must be a positive number; got -1'],
    ['a mean row of the wrong width', (d) => d.gmms[0].means[1].pop(), 'gmms[0].means[1] must be an array of 39; got "38 entries"'],
    ['weights that do not sum to 1', (d) => (d.gmms[2].weights = [0.5, 0.6]), 'gmms[2].weights must be weights summing to 1'],
    ['a missing front end field', (d) => delete d.frontEnd.mfcc.cepstra, 'frontEnd.mfcc.cepstra must be an integer in [2, 40]; got undefined'],
    ['an unknown unit in the lexicon', (d) => (d.lexicon.yes = ['maybe']), 'lexicon.yes[0] must be a unit of the model; got "maybe"'],
    ['an emission out of range', (d) => (d.units[0].emissions[0] = 99), 'units[0].emissions[0] must be a GMM index in [0, 4]; got 99'],
    ['a self-loop of 1', (d) => (d.units[1].selfLoop[0] = 1), 'units[1].selfLoop[0] must be a probability in (0, 1); got 1'],
    ['another format version', (d) => (d.version = 2), 'version must be 1 (this beamline reads format version 1 only); got 2'],
    ['a silence unit that does not exist', (d) => (d.silenceUnit = 'pause'), 'silenceUnit must be one of the units (yes, no, sil); got "pause"'],
    ['a prior of the wrong length', (d) => d.cmnPriorMean.push(0), 'cmnPriorMean must be an array of 13; got "14 entries"'],
  ];

  it.each(edits)('rejects a hand-edited file with %s, naming the field and value', (_, edit, message) => {
    const document = JSON.parse(serializeModel(smallModel()));
    edit(document);
    expect(() => parseModel(JSON.stringify(document), 'edited.json')).toThrow(
      expect.objectContaining({ code: 'MODEL_INVALID', message: expect.stringContaining(`edited.json: ${message}`) }),
    );
  });

  it('rejects a truncated file as invalid JSON', () => {
    const text = serializeModel(smallModel());
    expect(() => parseModel(text.slice(0, text.length / 2), 'cut.json')).toThrow(
      expect.objectContaining({ code: 'MODEL_INVALID', message: expect.stringMatching(/^cut\.json: not valid JSON, the file may be truncated/) }),
    );
  });
});
