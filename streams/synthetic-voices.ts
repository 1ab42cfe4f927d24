/**
 * Synthetic training and test voices from espeak-ng and flite (Debian packages): FSDD has five
 * male speakers only, so female and child-like voices, and other accents, come from the
 * synthesisers. espeak-ng gives many accents and variants of one formant voice; flite's five
 * voices (kal, kal16, awb, rms, slt) are diphone and unit-selection voices cut from recordings
 * of real people, so they sound less alike. Each call writes WAVs into a temporary folder and
 * returns them as corpus entries.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, writeFile } from 'node:fs/promises';
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
  /**
   * What each voice reads for a word, where that is not the word itself: respellings in the
   * voice's own language, so it speaks the English word with that language's accent. A voice
   * with respellings speaks only the words they cover.
   */
  readonly respellings?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Voices for training: several English accents, male and female variants. */
export const TRAINING_VOICES: SyntheticVoiceSet = {
  voices: ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029'],
  variants: ['m1', 'm3', 'm5', 'm7', 'f1', 'f3', 'f5'],
  takes: 2,
  pitch: [35, 95],
  speed: [130, 190],
};

/**
 * The digits as speakers of other languages say them: each language's espeak-ng voice reads
 * the English word respelled in that language's orthography (th as s or t, the language's own
 * r and vowels), which gives the accents FSDD's few speakers and the English voices lack.
 * Checked with `espeak-ng -v LANG -x`: French "sri" is [sr'i], German "sicks" [z'Iks].
 */
export const ACCENTED_DIGITS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  fr: { zero: 'ziro', one: 'ouane', two: 'tou', three: 'sri', four: 'for', five: 'faïve', six: 'sixe', seven: 'sévène', eight: 'eïte', nine: 'naïne' },
  de: { zero: 'siro', one: 'wann', two: 'tu', three: 'sri', four: 'for', five: 'feif', six: 'sicks', seven: 'sewen', eight: 'ejt', nine: 'nein' },
  es: { zero: 'siro', one: 'uan', two: 'tu', three: 'tri', four: 'for', five: 'faif', six: 'siks', seven: 'seven', eight: 'eit', nine: 'nain' },
  it: { zero: 'ziro', one: 'uan', two: 'tu', three: 'tri', four: 'for', five: 'faiv', six: 'siks', seven: 'seven', eight: 'eit', nine: 'nain' },
  'pt-br': { zero: 'ziro', one: 'uan', two: 'tu', three: 'tri', four: 'fór', five: 'faive', six: 'siks', seven: 'séven', eight: 'eit', nine: 'naine' },
  nl: { zero: 'ziroo', one: 'wan', two: 'toe', three: 'trie', four: 'for', five: 'fajf', six: 'siks', seven: 'seven', eight: 'eet', nine: 'najn' },
  pl: { zero: 'ziro', one: 'łan', two: 'tu', three: 'tri', four: 'for', five: 'fajw', six: 'siks', seven: 'sewen', eight: 'ejt', nine: 'najn' },
  ru: { zero: 'зиро', one: 'уан', two: 'ту', three: 'сри', four: 'фор', five: 'файв', six: 'сикс', seven: 'севен', eight: 'эйт', nine: 'найн' },
  hi: { zero: 'ज़ीरो', one: 'वन', two: 'टू', three: 'थ्री', four: 'फ़ोर', five: 'फ़ाइव', six: 'सिक्स', seven: 'सेवन', eight: 'एट', nine: 'नाइन' },
};

/** Foreign-accented voices for training: one take per language, variant and word. */
export const ACCENTED_TRAINING_VOICES: SyntheticVoiceSet = {
  voices: Object.keys(ACCENTED_DIGITS),
  variants: ['m1', 'm3', 'm5', 'm7', 'f1', 'f3', 'f5'],
  takes: 1,
  pitch: [35, 95],
  speed: [130, 190],
  respellings: ACCENTED_DIGITS,
};

/** Voices for measuring only: variants never used in training. */
export const TEST_VOICES: SyntheticVoiceSet = {
  voices: ['en-us', 'en-gb'],
  variants: ['f2', 'f4'],
  takes: 5,
  pitch: [40, 99],
  speed: [140, 180],
};

/** Voices of a synthesiser, each spoken `takes` times per word with its own mean pitch (Hz) and duration stretch. */
export interface VoiceTakes {
  readonly voices: readonly string[];
  readonly takes: number;
  readonly pitchHz: readonly [number, number];
  readonly stretch: readonly [number, number];
  /** What a voice reads for a word, where that is not the word itself (a voice of another language). */
  readonly respellings?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** flite's voices (kal, kal16, awb, rms, slt). */
export type FliteVoiceSet = VoiceTakes;

export const FLITE_TRAINING_VOICES: FliteVoiceSet = {
  voices: ['kal', 'kal16', 'awb', 'rms', 'slt'],
  takes: 6,
  pitchHz: [80, 240],
  stretch: [0.8, 1.3],
};

export async function fliteAvailable(): Promise<boolean> {
  try {
    await run('flite', ['-lv']);
    return true;
  } catch {
    return false;
  }
}

/** Speaks every word in every flite voice of the set; returns the recordings. */
export async function synthesiseFliteVoices(words: readonly string[], set: FliteVoiceSet, seed = 1): Promise<CorpusEntry[]> {
  if (!(await fliteAvailable())) throw new BeamlineError(ERROR_CODES.DATA_INVALID, 'flite voices need flite: apt-get install flite');
  const dir = await mkdtemp(join(tmpdir(), 'beamline-flite-'));
  const random = new SeededRandom(seed);
  const entries: CorpusEntry[] = [];
  for (const voice of set.voices) {
    for (let take = 0; take < set.takes; take++) {
      const pitch = Math.round(set.pitchHz[0] + random.next() * (set.pitchHz[1] - set.pitchHz[0]));
      const stretch = (set.stretch[0] + random.next() * (set.stretch[1] - set.stretch[0])).toFixed(2);
      const jobs = words.map((word) => {
        const path = join(dir, `${word}-${voice}-${take}.wav`);
        entries.push({ path, words: [word], speaker: `flite ${voice}` });
        return run('flite', ['-voice', voice, '-t', word, '-o', path, '--setf', `int_f0_target_mean=${pitch}`, '--setf', `duration_stretch=${stretch}`]);
      });
      await Promise.all(jobs);
    }
  }
  return entries;
}

/**
 * Festival's diphone voices (Debian's festival and festvox-* packages). ked (festvox-kdlpc16k) is
 * a speaker neither flite nor FSDD has.
 */
export type FestivalVoiceSet = VoiceTakes;

export const FESTIVAL_TRAINING_VOICES: FestivalVoiceSet = {
  voices: ['ked_diphone'],
  takes: 12,
  pitchHz: [80, 240],
  stretch: [0.7, 1.3],
};

/** The Debian package of each festival voice used here. */
export const FESTIVAL_VOICE_PACKAGES: Readonly<Record<string, string>> = {
  ked_diphone: 'festvox-kdlpc16k',
  czech_krb: 'festvox-czech-krb',
  czech_dita: 'festvox-czech-dita',
  suo_fi_lj_diphone: 'festvox-suopuhe-lj',
  cmu_us_slt_arctic_hts: 'festvox-us-slt-hts',
};

const CZECH_DIGITS = { zero: 'ziro', one: 'uan', two: 'tu', three: 'tri', four: 'for', five: 'fajf', six: 'siks', seven: 'sevn', eight: 'ejt', nine: 'najn' };

/**
 * Festival voices for measuring only, none of them in training: a Czech boy (krb) and a Czech
 * woman (dita) and a Finnish woman (lj) reading the digits respelled in their orthography, and
 * the HMM-synthesised (HTS) American woman slt, whose diphone-free voice differs from flite's
 * slt in training. The child and the women are what FSDD lacks. Debian: festvox-czech-krb,
 * festvox-czech-dita, festvox-suopuhe-lj, festvox-us-slt-hts.
 */
export const FESTIVAL_TEST_VOICES: FestivalVoiceSet = {
  voices: ['czech_krb', 'czech_dita', 'suo_fi_lj_diphone', 'cmu_us_slt_arctic_hts'],
  takes: 4,
  pitchHz: [150, 300],
  stretch: [0.8, 1.25],
  respellings: {
    czech_krb: CZECH_DIGITS,
    czech_dita: CZECH_DIGITS,
    suo_fi_lj_diphone: { zero: 'siiro', one: 'uan', two: 'tuu', three: 'trii', four: 'foor', five: 'faiv', six: 'siks', seven: 'seven', eight: 'eit', nine: 'nain' },
  },
};

export async function festivalAvailable(voices: readonly string[]): Promise<boolean> {
  try {
    const { stdout } = await run('festival', ['-b', '(print (voice.list))']);
    return voices.every((voice) => stdout.includes(voice));
  } catch {
    return false;
  }
}

/**
 * Speaks every word in every festival voice of the set, one festival process per voice (its
 * start-up costs more than a word); returns the recordings.
 */
export async function synthesiseFestivalVoices(words: readonly string[], set: FestivalVoiceSet, seed = 1): Promise<CorpusEntry[]> {
  if (!(await festivalAvailable(set.voices))) {
    const packages = set.voices.map((voice) => FESTIVAL_VOICE_PACKAGES[voice] ?? `(the festvox package of ${voice})`);
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `festival voices ${set.voices.join(', ')} need festival and their festvox packages: apt-get install festival ${packages.join(' ')}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'beamline-festival-'));
  const random = new SeededRandom(seed);
  const entries: CorpusEntry[] = [];
  const jobs = set.voices.map((voice) => {
    const script = [`(voice_${voice})`];
    for (let take = 0; take < set.takes; take++) {
      const pitch = Math.round(set.pitchHz[0] + random.next() * (set.pitchHz[1] - set.pitchHz[0]));
      const stretch = (set.stretch[0] + random.next() * (set.stretch[1] - set.stretch[0])).toFixed(2);
      script.push(`(Parameter.set 'Duration_Stretch ${stretch})`);
      // Festival's linear-regression intonation maps its model's pitch onto this target mean (spread 12% of it).
      script.push(`(set! int_lr_params '((target_f0_mean ${pitch}) (target_f0_std ${Math.round(pitch * 0.12)}) (model_f0_mean 170) (model_f0_std 34)))`);
      for (const word of words) {
        const respellings = set.respellings?.[voice];
        const text = respellings === undefined ? word : respellings[word];
        // A voice with respellings speaks only the words they cover.
        if (text === undefined) continue;
        const path = join(dir, `${word}-${voice}-${take}.wav`);
        entries.push({ path, words: [word], speaker: `festival ${voice}` });
        script.push(`(utt.save.wave (utt.synth (Utterance Text "${text.replace(/["\\]/g, '')}")) "${path}" 'riff)`);
      }
    }
    const scriptPath = join(dir, `${voice}.scm`);
    return writeFile(scriptPath, `${script.join('\n')}\n`).then(() => run('festival', ['-b', scriptPath], { maxBuffer: 1 << 20 }));
  });
  await Promise.all(jobs);
  // festival reports a failed synthesis on stderr and goes on: a missing file is the sign.
  for (const entry of entries) {
    try {
      await access(entry.path);
    } catch {
      throw new BeamlineError(ERROR_CODES.DATA_INVALID, `festival wrote no audio for "${entry.words[0]}" (${entry.speaker})`);
    }
  }
  return entries;
}

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
          const respellings = set.respellings?.[voice];
          const text = respellings === undefined ? word : respellings[word];
          if (text === undefined) continue;
          const pitch = Math.round(set.pitch[0] + random.next() * (set.pitch[1] - set.pitch[0]));
          const speed = Math.round(set.speed[0] + random.next() * (set.speed[1] - set.speed[0]));
          const path = join(dir, `${word}-${voice}-${variant}-${take}.wav`);
          jobs.push(run('espeak-ng', ['-v', `${voice}+${variant}`, '-p', String(pitch), '-s', String(speed), '-w', path, text]));
          entries.push({ path, words: [word], speaker: `espeak ${voice}+${variant}` });
        }
      }
    }
  }
  await Promise.all(jobs);
  return entries;
}
