/**
 * Connected digits made from isolated recordings: strings of 3–7 digits, each string one
 * speaker's recordings joined with short gaps of quiet noise (and a little before and after),
 * decoded with the digit loop. Used by bench/decoder.ts; importable for experiments.
 */
import { RecognitionScorer, SeededRandom, type FinalHypothesis, type RecognitionReport, type Recognizer } from '../src/index.ts';
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

/** Decodes each string whole (one session per string) and scores the words. */
export function scoreStrings(recognizer: Recognizer, strings: readonly DigitString[]): { report: RecognitionReport; speakers: Record<string, RecognitionReport> } {
  const overall = new RecognitionScorer();
  const bySpeaker = new Map<string, RecognitionScorer>();
  for (const string of strings) {
    const session = recognizer.createSession();
    const events = [...session.push(string.samples), ...session.finish()];
    const hypothesis = events
      .filter((event): event is FinalHypothesis => event.type === 'final')
      .flatMap((final) => final.words.map((word) => word.word));
    overall.add(string.words, hypothesis);
    if (!bySpeaker.has(string.speaker)) bySpeaker.set(string.speaker, new RecognitionScorer());
    bySpeaker.get(string.speaker)!.add(string.words, hypothesis);
  }
  return { report: overall.report(), speakers: Object.fromEntries([...bySpeaker].map(([name, scorer]) => [name, scorer.report()])) };
}
