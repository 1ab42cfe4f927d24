/**
 * Synthetic training and test voices from espeak-ng (a Debian package): FSDD has five male
 * speakers only, so female and child-like voices, and other accents, come from the synthesiser.
 * Each call writes WAVs into a temporary folder and returns them as corpus entries.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BeamlineError, ERROR_CODES, SeededRandom } from '../src/index.ts';
import type { CorpusEntry } from './corpus.ts';

const run = promisify(execFile);

export interface SyntheticVoiceSet {
  /** espeak-ng voices (language variants), e.g. en-us, en-gb-scotland. */
  readonly voices: readonly string[];
  /** Voice variants (m1…m7 male, f1…f5 female). */
  readonly variants: readonly string[];
  /** Renditions of each word per voice and variant, each with its own pitch and speed. */
  readonly takes: number;
  /** Pitch range (espeak-ng 0–99) and speed range (words per minute) drawn from. */
  readonly pitch: readonly [number, number];
  readonly speed: readonly [number, number];
}

/** Voices for training: several English accents, male and female variants. */
export const TRAINING_VOICES: SyntheticVoiceSet = {
  voices: ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029'],
  variants: ['m1', 'm3', 'm5', 'm7', 'f1', 'f3', 'f5'],
  takes: 2,
  pitch: [35, 95],
  speed: [130, 190],
};

/** Voices for measuring only: variants never used in training. */
export const TEST_VOICES: SyntheticVoiceSet = {
  voices: ['en-us', 'en-gb'],
  variants: ['f2', 'f4'],
  takes: 5,
  pitch: [40, 99],
  speed: [140, 180],
};

export async function espeakAvailable(): Promise<boolean> {
  try {
    await run('espeak-ng', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** Speaks every word of `words` in every voice of the set; returns the recordings. */
export async function synthesiseVoices(words: readonly string[], set: SyntheticVoiceSet, seed = 1): Promise<CorpusEntry[]> {
  if (!(await espeakAvailable())) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, 'synthetic voices need espeak-ng: apt-get install espeak-ng');
  }
  const dir = await mkdtemp(join(tmpdir(), 'beamline-voices-'));
  const random = new SeededRandom(seed);
  const entries: CorpusEntry[] = [];
  const jobs: Promise<unknown>[] = [];
  for (const voice of set.voices) {
    for (const variant of set.variants) {
      for (let take = 0; take < set.takes; take++) {
        for (const word of words) {
          const pitch = Math.round(set.pitch[0] + random.next() * (set.pitch[1] - set.pitch[0]));
          const speed = Math.round(set.speed[0] + random.next() * (set.speed[1] - set.speed[0]));
          const path = join(dir, `${word}-${voice}-${variant}-${take}.wav`);
          jobs.push(run('espeak-ng', ['-v', `${voice}+${variant}`, '-p', String(pitch), '-s', String(speed), '-w', path, word]));
          entries.push({ path, words: [word], speaker: `espeak ${voice}+${variant}` });
        }
      }
    }
  }
  await Promise.all(jobs);
  return entries;
}
