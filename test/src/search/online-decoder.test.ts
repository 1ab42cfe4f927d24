import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import { compileDecodingGraph } from '../../../src/graph/decoding-graph.ts';
import { leftToRightHmm } from '../../../src/graph/unit-hmm.ts';
import { wordLoopGrammar } from '../../../src/graph/word-grammar.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { DEFAULT_ENDPOINT_CONFIG, endpointRule } from '../../../src/search/endpoint.ts';
import { type DecoderEvent, type FinalHypothesis, kthLargest, OnlineDecoder } from '../../../src/search/online-decoder.ts';

/**
 * A toy recogniser whose acoustics are known exactly: 1-D features, word "lo" emits around −3,
 * "hi" around +3, silence around 0, each a 2-state unit.
 */
function toyRecogniser() {
  const unit = (name: string, first: number) => leftToRightHmm(name, first, 2, 0.6);
  const units = [unit('lo', 0), unit('hi', 2), unit('sil', 4)];
  const gmm = (mean: number) => new DiagonalGmm(1, { weights: [1], means: [mean], variances: [0.5] });
  const gmms = [gmm(-3), gmm(-3), gmm(3), gmm(3), gmm(0), gmm(0)];
  const lexicon = new Map([
    ['lo', ['lo']],
    ['hi', ['hi']],
  ]);
  const graph = compileDecodingGraph({ units, lexicon, silenceUnit: 'sil' }, wordLoopGrammar(['lo', 'hi']));
  return { graph, gmms };
}

/** Frames: each [value, count] run, plus a little noise. */
function toyFeatures(runs: [number, number][], seed = 1) {
  const random = new SeededRandom(seed);
  const values = runs.flatMap(([value, count]) => Array.from({ length: count }, () => value + 0.2 * random.normal()));
  return { data: Float32Array.from(values), count: values.length, width: 1, firstFrame: 0 };
}

const finals = (events: DecoderEvent[]): FinalHypothesis[] => events.filter((e): e is FinalHypothesis => e.type === 'final');

describe('OnlineDecoder', () => {
  it('recognises words with their times (10 ms frames) and puts silence between them', () => {
    const { graph, gmms } = toyRecogniser();
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { endpoint: { enabled: false } });
    const features = toyFeatures([[0, 10], [-3, 20], [0, 15], [3, 25], [0, 10]]);
    const [final] = finals([...decoder.push(features), ...decoder.finish()]);
    expect(final.text).toBe('lo hi');
    expect(final.complete).toBe(true);
    expect(final.reason).toBe('end-of-input');
    const [lo, hi] = final.words;
    // Runs start at frames 10 and 45; the decoder may move a boundary by a frame or two.
    expect(lo.startFrame).toBeGreaterThanOrEqual(9);
    expect(lo.startFrame).toBeLessThanOrEqual(11);
    expect(lo.endFrame).toBeGreaterThanOrEqual(28);
    expect(lo.endFrame).toBeLessThanOrEqual(31);
    expect(hi.startFrame).toBeGreaterThanOrEqual(44);
    expect(hi.startFrame).toBeLessThanOrEqual(46);
    expect(lo.start).toBeCloseTo(lo.startFrame * 0.01, 9);
    expect(hi.end).toBeCloseTo((hi.endFrame + 1) * 0.01, 9);
    for (const word of final.words) {
      expect(word.confidence).toBeGreaterThan(0.5);
      expect(word.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('emits partials that grow, whose stable words never change, ending in the final', () => {
    const { graph, gmms } = toyRecogniser();
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { endpoint: { enabled: false } });
    const features = toyFeatures([[0, 5], [-3, 20], [0, 10], [3, 20], [0, 10], [-3, 20], [0, 5]]);
    const events: DecoderEvent[] = [];
    for (let t = 0; t < features.count; t++) events.push(...decoder.push({ ...features, data: features.data.subarray(t, t + 1), count: 1, firstFrame: t }));
    events.push(...decoder.finish());
    const partials = events.filter((e) => e.type === 'partial');
    const [final] = finals(events);
    expect(final.text).toBe('lo hi lo');
    expect(partials.length).toBeGreaterThan(3);
    // Consecutive partials differ (emitted only on change); stable prefixes only grow and are prefixes of the final.
    let stableSoFar: readonly string[] = [];
    for (let i = 0; i < partials.length; i++) {
      const partial = partials[i];
      if (partial.type !== 'partial') continue;
      if (i > 0) expect(partial).not.toEqual(partials[i - 1]);
      const stable = partial.words.slice(0, partial.stable);
      expect(stable.slice(0, stableSoFar.length)).toEqual(stableSoFar);
      expect(final.words.slice(0, stable.length).map((w) => w.word)).toEqual(stable);
      stableSoFar = stable;
    }
    expect(stableSoFar.length).toBeGreaterThanOrEqual(2);
  });

  it("partialsEvery 'push': at most one partial per push, and after every push the same partial as per-frame decoding", () => {
    const { graph, gmms } = toyRecogniser();
    // Endpoints on: lo, 0.8 s of silence (an endpoint inside a push), hi.
    const features = toyFeatures([[0, 5], [-3, 20], [0, 80], [3, 20], [0, 10]]);
    const everyFrame = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 });
    const everyPush = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { partialsEvery: 'push' });
    // What each decoder shows now: its last partial since its last final.
    const showing = (events: DecoderEvent[], before: DecoderEvent | undefined) =>
      events.reduce<DecoderEvent | undefined>((shown, event) => (event.type === 'partial' ? event : undefined), before);
    let shownByFrame: DecoderEvent | undefined;
    let shownByPush: DecoderEvent | undefined;
    const finalTexts: [string[], string[]] = [[], []];
    for (let start = 0, chunk = 1; start < features.count; start += chunk, chunk = (chunk % 9) + 1) {
      const count = Math.min(chunk, features.count - start);
      const block = { ...features, data: features.data.subarray(start, start + count), count, firstFrame: start };
      const byFrame = everyFrame.push(block);
      const byPush = everyPush.push(block);
      expect(byPush.filter((e) => e.type === 'partial').length).toBeLessThanOrEqual(1);
      shownByFrame = showing(byFrame, shownByFrame);
      shownByPush = showing(byPush, shownByPush);
      expect(shownByPush).toEqual(shownByFrame);
      finalTexts[0].push(...finals(byFrame).map((f) => f.text));
      finalTexts[1].push(...finals(byPush).map((f) => f.text));
    }
    finalTexts[0].push(...finals(everyFrame.finish()).map((f) => f.text));
    finalTexts[1].push(...finals(everyPush.finish()).map((f) => f.text));
    expect(finalTexts[1]).toEqual(['lo', 'hi']);
    expect(finalTexts[0]).toEqual(finalTexts[1]);
  });

  it('endpoints after trailing silence, emits the final, and goes on with stream-global times', () => {
    const { graph, gmms } = toyRecogniser();
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 });
    // lo, then 0.8 s of silence (rule 2 fires after 0.5 s), then hi, then the end.
    const features = toyFeatures([[0, 5], [-3, 20], [0, 80], [3, 20], [0, 10]]);
    const all = finals([...decoder.push(features), ...decoder.finish()]);
    expect(all.map((f) => [f.text, f.reason, f.utterance])).toEqual([
      ['lo', 'endpoint', 0],
      ['hi', 'end-of-input', 1],
    ]);
    expect(all[0].endpointRule).toBe(1);
    expect(all[0].end).toBeGreaterThanOrEqual(0.25 + 0.5);
    expect(all[1].start).toBeCloseTo(all[0].end, 9);
    expect(all[1].words[0].startFrame).toBeGreaterThanOrEqual(104);
    expect(all[1].words[0].startFrame).toBeLessThanOrEqual(106);
  });

  it('finalize() ends the utterance now (push-to-talk) and decoding goes on', () => {
    const { graph, gmms } = toyRecogniser();
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { endpoint: { enabled: false } });
    decoder.push(toyFeatures([[0, 5], [3, 20], [0, 5]]));
    const [first] = finals(decoder.finalize());
    expect(first.text).toBe('hi');
    expect(first.reason).toBe('finalize');
    expect(decoder.finalize()).toEqual([]); // nothing decoded since
    const [second] = finals([...decoder.push(toyFeatures([[0, 5], [-3, 20], [0, 5]], 2)), ...decoder.finish()]);
    expect(second.text).toBe('lo');
    expect(second.utterance).toBe(1);
    expect(second.words[0].startFrame).toBeGreaterThanOrEqual(30 + 4);
  });

  it('times out on silence alone (rule 1: 5 s, no speech needed) with an empty final', () => {
    const { graph, gmms } = toyRecogniser();
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 });
    const events = decoder.push(toyFeatures([[0, 520]]));
    const [final] = finals(events);
    expect(final).toBeDefined();
    expect(final.text).toBe('');
    expect(final.endpointRule).toBe(0);
  });

  it('gives N-best alternatives, best first, the best equal to the final', () => {
    const { graph, gmms } = toyRecogniser();
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { nBest: 3, wordEndBeam: 1000, endpoint: { enabled: false } });
    // An ambiguous middle (0.5 is between silence and neither word) invites alternatives.
    const [final] = finals([...decoder.push(toyFeatures([[0, 5], [-3, 15], [-1.5, 6], [0, 5]])), ...decoder.finish()]);
    const alternatives = final.alternatives!;
    expect(alternatives.length).toBeGreaterThan(1);
    expect(alternatives[0]).toEqual({ text: final.text, score: final.score });
    for (let i = 1; i < alternatives.length; i++) {
      expect(alternatives[i].score).toBeLessThanOrEqual(alternatives[i - 1].score);
      expect(alternatives[i].text).not.toBe(alternatives[i - 1].text);
    }
  });

  it('keeps its memory flat on endless input: one hour of speech-like frames', () => {
    const { graph, gmms } = toyRecogniser();
    // Endpointing on (the default): with 0.3 s pauses only the 20 s utterance limit ends
    // utterances, and each final releases its records.
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { partials: false });
    const random = new SeededRandom(3);
    const block = { data: new Float32Array(1000), count: 1000, width: 1, firstFrame: 0 };
    let finalsSeen = 0;
    let maxRecordsAfterTenMinutes = 0;
    for (let chunk = 0; chunk < 360; chunk++) {
      for (let i = 0; i < 1000; i++) block.data[i] = [-3, 0, 3][Math.floor(i / 30) % 3] + 0.3 * random.normal();
      finalsSeen += decoder.push(block).length;
      if (chunk === 59) maxRecordsAfterTenMinutes = decoder.stats.maxRecords;
    }
    const stats = decoder.stats;
    expect(stats.frames).toBe(360_000);
    expect(finalsSeen).toBeGreaterThanOrEqual(170); // 3600 s / 20 s
    // Without release and compaction this would be over 10,000 word records and climbing.
    expect(stats.maxRecords).toBe(maxRecordsAfterTenMinutes);
    expect(stats.maxRecords).toBeLessThan(4096 + 100); // compaction starts at 4096 records
  });

  it('refuses features of the wrong width and use after finish', () => {
    const { graph, gmms } = toyRecogniser();
    const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 });
    expect(() => decoder.push({ data: new Float32Array(4), count: 2, width: 2, firstFrame: 0 })).toThrow(/expects features 1 wide/);
    decoder.finish();
    expect(() => decoder.push(toyFeatures([[0, 1]]))).toThrow(/after finish/);
    decoder.reset();
    expect(() => decoder.push(toyFeatures([[0, 1]]))).not.toThrow();
  });

  it('names the field, range and value of a bad configuration', () => {
    const { graph, gmms } = toyRecogniser();
    expect(() => new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { beam: -1 })).toThrow(/beam/);
    expect(() => new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { maxActive: 2.5 })).toThrow(/maxActive/);
    expect(() => new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { confidenceScale: 0 })).toThrow(/confidenceScale/);
  });
});

describe('endpoint rules (Kaldi defaults)', () => {
  const facts = { utteranceSec: 3, trailingSilenceSec: 0, containsSpeech: true, relativeCost: 0 };
  it.each([
    [{ trailingSilenceSec: 0.4 }, -1],
    [{ trailingSilenceSec: 0.5 }, 1],
    [{ trailingSilenceSec: 0.5, relativeCost: 30 }, -1],
    [{ trailingSilenceSec: 1, relativeCost: 30 }, 2],
    [{ trailingSilenceSec: 2, relativeCost: Infinity }, 3],
    [{ trailingSilenceSec: 4.9, containsSpeech: false }, -1],
    [{ trailingSilenceSec: 5, containsSpeech: false }, 0],
    [{ utteranceSec: 20 }, 4],
  ])('%j → rule %i', (change, expected) => {
    expect(endpointRule(DEFAULT_ENDPOINT_CONFIG, { ...facts, ...change })).toBe(expected);
  });
  it('never fires when disabled', () => {
    expect(endpointRule({ ...DEFAULT_ENDPOINT_CONFIG, enabled: false }, { ...facts, utteranceSec: 100, trailingSilenceSec: 100 })).toBe(-1);
  });
});

describe('kthLargest', () => {
  // Oracle: sorting.
  it('equals the k-th element of the descending sort', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.nat(), (values, pick) => {
        const k = 1 + (pick % values.length);
        const sorted = [...values].sort((a, b) => b - a);
        expect(kthLargest(Float64Array.from(values), values.length, k)).toBe(sorted[k - 1]);
      }),
    );
  });
});
