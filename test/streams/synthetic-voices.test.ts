import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACCENTED_DIGITS,
  ACCENTED_TRAINING_VOICES,
  FESTIVAL_TRAINING_VOICES,
  espeakAvailable,
  festivalAvailable,
  synthesiseFestivalVoices,
  synthesiseVoices,
} from '../../streams/synthetic-voices.ts';
import { readWavHeader } from '../../src/index.ts';
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

const festival = await festivalAvailable(FESTIVAL_TRAINING_VOICES.voices);
if (!festival) console.warn(`skipping the festival-voice test: festival or its voices ${FESTIVAL_TRAINING_VOICES.voices.join(', ')} are not installed (apt-get install festival festvox-kdlpc16k)`);

describe.skipIf(!festival)('synthesiseFestivalVoices', () => {
  it('speaks every word in every take, each take at its own speed', async () => {
    const entries = await synthesiseFestivalVoices(['seven', 'two'], { voices: ['ked_diphone'], takes: 3, pitchHz: [90, 200], stretch: [0.7, 1.3] }, 5);
    expect(entries).toHaveLength(6);
    expect(new Set(entries.map((entry) => entry.speaker))).toEqual(new Set(['festival ked_diphone']));
    const seconds = entries
      .filter((entry) => entry.words[0] === 'seven')
      .map((entry) => {
        const bytes = new Uint8Array(readFileSync(entry.path));
        const header = readWavHeader(bytes, entry.path);
        return (header.dataEnd - header.dataStart) / 2 / header.sampleRateHz;
      });
    for (const duration of seconds) expect(duration).toBeGreaterThan(0.3);
    // Different duration stretches give different lengths.
    expect(new Set(seconds.map((duration) => duration.toFixed(2))).size).toBeGreaterThan(1);
  });

  it('speaks a respelling where the voice has one, labelled with the word, and skips words its respellings leave out', async () => {
    const set = { voices: ['ked_diphone'], takes: 1, pitchHz: [120, 120], stretch: [1, 1], respellings: { ked_diphone: { six: 'sicks' } } } as const;
    const entries = await synthesiseFestivalVoices(['six', 'oh'], set, 2);
    expect(entries.map((entry) => [entry.words, entry.speaker])).toEqual([[['six'], 'festival ked_diphone']]);
    expect(existsSync(entries[0].path)).toBe(true);
  });

  it('names the packages of voices that are not installed', async () => {
    await expect(synthesiseFestivalVoices(['six'], { voices: ['ked_diphone', 'no_such_voice'], takes: 1, pitchHz: [120, 120], stretch: [1, 1] })).rejects.toThrow(
      'festival voices ked_diphone, no_such_voice need festival and their festvox packages: apt-get install festival festvox-kdlpc16k (the festvox package of no_such_voice)',
    );
  });
});
