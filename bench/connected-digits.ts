/**
 * Connected digits made from isolated recordings: strings of 3–7 digits, each string one
 * speaker's recordings joined with short gaps of quiet noise (and a little before and after),
 * decoded with the digit loop. Used by bench/decoder.ts; importable for experiments.
 */
import { RecognitionScorer, SeededRandom, alignWords, type FinalHypothesis, type RecognitionReport, type Recognizer, type SpeakerAdaptation } from '../src/index.ts';
import { fileSamples, type CorpusEntry } from '../streams/corpus.ts';

export interface DigitString {
  readonly samples: Float32Array;
  readonly words: string[];
  readonly speaker: string;
}

/**
 * `count` strings per speaker from `entries` (isolated digits), at `sampleRateHz`. Gaps are
 * 0.05–0.3 s of white noise 35–50 dB below the string's speech level (as a room between words);
 * 0.1–0.3 s of the same noise pads both ends.
 */
export async function digitStrings(entries: readonly CorpusEntry[], count: number, sampleRateHz: number, seed = 1): Promise<DigitString[]> {
  const random = new SeededRandom(seed);
  const bySpeaker = new Map<string, CorpusEntry[]>();
  for (const entry of entries) {
    const speaker = entry.speaker ?? 'unknown';
    if (!bySpeaker.has(speaker)) bySpeaker.set(speaker, []);
    bySpeaker.get(speaker)!.push(entry);
  }
  const cache = new Map<string, Float32Array>();
  const audio = async (path: string): Promise<Float32Array> => {
    let samples = cache.get(path);
    if (samples === undefined) cache.set(path, (samples = await fileSamples(path, sampleRateHz)));
    return samples;
  };
  const out: DigitString[] = [];
  for (const [speaker, pool] of bySpeaker) {
    for (let n = 0; n < count; n++) {
      const length = 3 + random.integer(5);
      const picks = Array.from({ length }, () => pool[random.integer(pool.length)]);
      const parts = await Promise.all(picks.map((entry) => audio(entry.path)));
      let power = 0;
      let samplesCounted = 0;
      for (const part of parts) {
        for (const x of part) power += x * x;
        samplesCounted += part.length;
      }
      const speechDb = 10 * Math.log10(power / samplesCounted + 1e-20);
      const noiseAmplitude = 10 ** ((speechDb - 35 - 15 * random.next()) / 20);
      const gap = (min: number, max: number): number => Math.round((min + (max - min) * random.next()) * sampleRateHz);
      const gaps = [gap(0.1, 0.3), ...parts.slice(1).map(() => gap(0.05, 0.3)), gap(0.1, 0.3)];
      const total = gaps.reduce((a, b) => a + b, 0) + parts.reduce((a, p) => a + p.length, 0);
      const samples = new Float32Array(total);
      let offset = 0;
      const noise = (length: number): void => {
        for (let i = 0; i < length; i++) samples[offset + i] = noiseAmplitude * random.normal();
        offset += length;
      };
      parts.forEach((part, i) => {
        noise(gaps[i]);
        samples.set(part, offset);
        offset += part.length;
      });
      noise(gaps[gaps.length - 1]);
      out.push({ samples, words: picks.flatMap((entry) => [...entry.words]), speaker });
    }
  }
  return out;
}

export interface ConfidencePair {
  readonly confidence: number;
  /** The hypothesis word is a hit in the alignment to the reference. */
  readonly correct: boolean;
}

/**
 * How strings are decoded with 'speaker' adaptation: 'live', each speaker's strings one after
 * another with the transform learnt from the strings before; 'offline', as `beamline eval
 * --adaptation speaker` decodes a speaker's files: passes over all of a speaker's strings learn
 * the transform, and a last one decodes them with it.
 */
export type SpeakerProtocol = 'live' | 'offline';

/** Decodes each string whole (one session per string) and scores the words and their confidences. */
export async function scoreStrings(
  recognizer: Recognizer,
  strings: readonly DigitString[],
  protocol: SpeakerProtocol = 'offline',
): Promise<{ report: RecognitionReport; speakers: Record<string, RecognitionReport>; confidences: ConfidencePair[] }> {
  const overall = new RecognitionScorer();
  const bySpeaker = new Map<string, RecognitionScorer>();
  const confidences: ConfidencePair[] = [];
  const speakers = new Map<string, { speaker: SpeakerAdaptation; recognizer: Recognizer }>();
  if (recognizer.adaptation === 'speaker') {
    for (const string of strings) {
      if (speakers.has(string.speaker)) continue;
      const own = strings.filter((other) => other.speaker === string.speaker);
      speakers.set(
        string.speaker,
        protocol === 'live' ? { speaker: recognizer.createSpeaker(), recognizer } : await recognizer.learnTalker((speaker) => decodeStrings(recognizer, own, speaker)),
      );
    }
  }
  for (const string of strings) {
    const talker = speakers.get(string.speaker);
    const session = talker ? talker.recognizer.createSession(talker.speaker) : recognizer.createSession();
    const events = [...session.push(string.samples), ...session.finish()];
    const words = events.filter((event): event is FinalHypothesis => event.type === 'final').flatMap((final) => final.words);
    const hypothesis = words.map((word) => word.word);
    overall.add(string.words, hypothesis);
    if (!bySpeaker.has(string.speaker)) bySpeaker.set(string.speaker, new RecognitionScorer());
    bySpeaker.get(string.speaker)!.add(string.words, hypothesis);
    let next = 0;
    for (const pair of alignWords(string.words, hypothesis)) {
      if (pair.kind === 'deletion') continue;
      confidences.push({ confidence: words[next++].confidence, correct: pair.kind === 'hit' });
    }
  }
  return { report: overall.report(), speakers: Object.fromEntries([...bySpeaker].map(([name, scorer]) => [name, scorer.report()])), confidences };
}

/** Decodes the strings, each in its own session adapting `speaker`, for what the speaker learns. */
function decodeStrings(recognizer: Recognizer, strings: readonly DigitString[], speaker: SpeakerAdaptation): void {
  for (const string of strings) {
    const session = recognizer.createSession(speaker);
    session.push(string.samples);
    session.finish();
  }
}

/** Area under the ROC curve: the chance that a right word's confidence is above a wrong one's (ties half). */
export function confidenceAuc(pairs: readonly ConfidencePair[]): number {
  const right = pairs.filter((pair) => pair.correct).map((pair) => pair.confidence);
  const wrong = pairs.filter((pair) => !pair.correct).map((pair) => pair.confidence);
  let wins = 0;
  for (const a of right) for (const b of wrong) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / Math.max(1, right.length * wrong.length);
}
