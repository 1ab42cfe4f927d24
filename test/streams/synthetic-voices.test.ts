import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCENTED_DIGITS, ACCENTED_TRAINING_VOICES, espeakAvailable, synthesiseVoices } from '../../streams/synthetic-voices.ts';
import { FSDD_WORDS } from '../../streams/corpus.ts';
import { IsolatedWordClassifier } from '../../src/index.ts';
import { fileFeatures } from '../../streams/corpus.ts';
import { loadModel } from '../../streams/model-file.ts';

const available = await espeakAvailable();
if (!available) console.warn('skipping the synthetic-voice tests: espeak-ng is not installed (apt-get install espeak-ng)');

describe.skipIf(!available)('synthesiseVoices', () => {
  it('speaks every word in every voice, variant and take, labelled for training', async () => {
    const entries = await synthesiseVoices(['seven', 'two'], { voices: ['en-us'], variants: ['m3', 'f2'], takes: 2, pitch: [40, 60], speed: [150, 160] });
    expect(entries).toHaveLength(8);
    for (const entry of entries) expect(existsSync(entry.path)).toBe(true);
    expect(entries.map((entry) => entry.words[0]).filter((word) => word === 'seven')).toHaveLength(4);
    expect(new Set(entries.map((entry) => entry.speaker))).toEqual(new Set(['espeak en-us+m3', 'espeak en-us+f2']));
    // The shipped model, trained with such voices, recognises them.
    const model = await loadModel();
    const classifier = new IsolatedWordClassifier(model);
    for (const entry of entries) expect(classifier.classify(await fileFeatures(entry.path, model.frontEnd, { cmnPriorMean: model.cmnPriorMean }))).toBe(entry.words[0]);
  });
});

describe('foreign-accented voices', () => {
  it('respell all ten digits for every language', () => {
    expect(ACCENTED_TRAINING_VOICES.voices.length).toBeGreaterThanOrEqual(5);
    for (const voice of ACCENTED_TRAINING_VOICES.voices) expect(Object.keys(ACCENTED_DIGITS[voice]).sort()).toEqual([...FSDD_WORDS].sort());
  });

  it.skipIf(!available)('speak the respelling, labelled with the English word, and skip words they do not cover', async () => {
    const set = { voices: ['fr'], variants: ['m1'], takes: 1, pitch: [50, 50], speed: [150, 150], respellings: { fr: { six: 'sixe' } } } as const;
    const entries = await synthesiseVoices(['six', 'oh'], set);
    expect(entries.map((entry) => [entry.words, entry.speaker])).toEqual([[['six'], 'espeak fr+m1']]);
    expect(existsSync(entries[0].path)).toBe(true);
  });
});
