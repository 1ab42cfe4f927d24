import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import type { FrameBlock } from '../../../src/frames/frame-block.ts';
import { compileDecodingGraph, type DecodingGraph } from '../../../src/graph/decoding-graph.ts';
import type { UnitHmm } from '../../../src/graph/unit-hmm.ts';
import { GrammarBuilder, phraseListGrammar, withoutEpsilons, wordLoopGrammar, type WordGrammar } from '../../../src/graph/word-grammar.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { LOG_ZERO } from '../../../src/math/log-space.ts';
import { gmmScorer } from '../../../src/scoring/frame-scorer.ts';
import type { GmmScoringKind } from '../../../src/scoring/gmm-scorer.ts';
import { exhaustiveViterbi, type ReferenceResult } from '../../../src/search/exhaustive-viterbi.ts';
import { type DecoderEvent, type DecoderOverrides, type FinalHypothesis, OnlineDecoder } from '../../../src/search/online-decoder.ts';

const DIM = 2;

/** A random little recogniser: words of 1–2 units of 1–3 states, random transitions and GMMs, random features. */
function randomSetup(seed: number, grammarKind: 'loop' | 'phrases' | 'random') {
  const random = new SeededRandom(seed);
  const unitCount = 4 + random.integer(2);
  const units: UnitHmm[] = [];
  const gmms: DiagonalGmm[] = [];
  const makeUnit = (name: string): UnitHmm => {
    // Two states at least: a one-state word repeated ("a a") scores the same wherever the
    // boundary falls, an exact tie either search may break either way.
    const states = 2 + random.integer(2);
    const emissions: number[] = [];
    const logSelfLoop = new Float64Array(states);
    const logForward = new Float64Array(states);
    for (let j = 0; j < states; j++) {
      emissions.push(gmms.length);
      const components = 1 + random.integer(2);
      const weights = Array.from({ length: components }, () => 0.2 + random.next());
      const total = weights.reduce((a, b) => a + b, 0);
      gmms.push(
        new DiagonalGmm(DIM, {
          weights: weights.map((w) => w / total),
          means: Array.from({ length: components * DIM }, () => 2 * random.normal()),
          variances: Array.from({ length: components * DIM }, () => 0.3 + random.next()),
        }),
      );
      const stay = 0.1 + 0.8 * random.next();
      logSelfLoop[j] = Math.log(stay);
      logForward[j] = Math.log(1 - stay);
    }
    return { name, emissions, logSelfLoop, logForward };
  };
  for (let u = 0; u < unitCount; u++) units.push(makeUnit(`u${u}`));
  units.push(makeUnit('sil'));
  const vocabulary = ['a', 'b', 'c', 'd'].slice(0, 2 + random.integer(3));
  // Each word starts with a unit of its own: words spelled alike would tie exactly, and ties
  // may be broken either way.
  const lexicon = new Map(vocabulary.map((word, i) => [word, random.next() < 0.5 ? [`u${i}`] : [`u${i}`, `u${random.integer(unitCount)}`]]));
  let grammar: WordGrammar;
  if (grammarKind === 'loop') grammar = wordLoopGrammar(vocabulary);
  else if (grammarKind === 'phrases') {
    grammar = phraseListGrammar(Array.from({ length: 3 }, () => Array.from({ length: 1 + random.integer(3) }, () => vocabulary[random.integer(vocabulary.length)])));
  } else {
    const builder = new GrammarBuilder();
    const states = Array.from({ length: 4 }, () => builder.addState());
    for (let i = 0; i < 9; i++) {
      builder.addArc(states[random.integer(4)], states[random.integer(4)], vocabulary[random.integer(vocabulary.length)], Math.log(0.1 + random.next()));
    }
    builder.addArc(states[0], states[3], vocabulary[0], Math.log(0.5));
    builder.setFinal(states[3], Math.log(0.5));
    grammar = withoutEpsilons(builder.build(states[0]));
  }
  const graph = compileDecodingGraph(
    { units, lexicon, silenceUnit: 'sil' },
    grammar,
    { silenceProbability: random.next() < 0.3 ? 0 : 0.2 + 0.6 * random.next(), wordInsertionPenalty: random.normal() },
  );
  const frames = 3 + random.integer(25);
  const data = new Float32Array(frames * DIM).map(() => 2 * random.normal());
  const features: FrameBlock = { data, count: frames, width: DIM, firstFrame: 0 };
  return { graph, gmms, features };
}

const UNPRUNED: DecoderOverrides = { beam: Infinity, maxActive: Infinity, wordEndBeam: Infinity, endpoint: { enabled: false } };

/** The reference scores frames with the same kind of GMM scorer as the decoder under test, so the two must agree exactly. */
function reference(graph: DecodingGraph, gmms: DiagonalGmm[], features: FrameBlock, scoring: GmmScoringKind = 'simd'): ReferenceResult {
  const scorer = gmmScorer(gmms, scoring);
  const table = new Float64Array(features.count * gmms.length);
  for (let t = 0; t < features.count; t++) {
    scorer.setFrame(features.data, t * features.width);
    for (let pdf = 0; pdf < gmms.length; pdf++) table[t * gmms.length + pdf] = scorer.score(pdf);
  }
  return exhaustiveViterbi(graph, (t, pdf) => table[t * gmms.length + pdf], features.count);
}

/** Decodes frame by frame, recording the partial in force after every frame. */
function decodeFrameByFrame(decoder: OnlineDecoder, features: FrameBlock): { partials: string[][]; final: FinalHypothesis } {
  const partials: string[][] = [];
  let latest: string[] = [];
  for (let t = 0; t < features.count; t++) {
    for (const event of decoder.push({ ...features, data: features.data.subarray(t * DIM, (t + 1) * DIM), count: 1, firstFrame: t })) {
      if (event.type === 'partial') latest = [...event.words];
    }
    partials.push(latest);
  }
  const final = decoder.finish().find((event): event is FinalHypothesis => event.type === 'final')!;
  return { partials, final };
}

// Oracle: exhaustiveViterbi (full trellis, no pruning, traced back at the end) on the same graph.
describe('beam decoder against the exhaustive reference', () => {
  it.each([
    ['loop', 'simd'],
    ['phrases', 'simd'],
    ['random', 'simd'],
    ['loop', 'exact'],
    ['random', 'exact'],
  ] as const)('with unlimited beams equals it exactly (%s grammars, %s scoring): words, boundaries, score, every partial', (kind, scoring) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const { graph, gmms, features } = randomSetup(seed, kind);
        const expected = reference(graph, gmms, features, scoring);
        const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { ...UNPRUNED, scoring });
        const { partials, final } = decodeFrameByFrame(decoder, features);
        expect(final.words.map((w) => [w.word, w.startFrame, w.endFrame])).toEqual(expected.words.map((w) => [w.word, w.startFrame, w.endFrame]));
        // No path into a final node: both say so, with no words and a score of −∞.
        if (expected.score === LOG_ZERO) expect([final.complete, final.score, final.words]).toEqual([false, LOG_ZERO, []]);
        else expect(Math.abs(final.score - expected.score)).toBeLessThan(1e-9);
        partials.forEach((partial, t) => expect(partial).toEqual(expected.partialAt(t)));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same events however the features are chunked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }), (seed, sizes) => {
        const { graph, gmms, features } = randomSetup(seed, 'loop');
        const whole = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { nBest: 3 });
        const expected = [...whole.push(features), ...whole.finish()];
        const chunked = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { nBest: 3 });
        const events: DecoderEvent[] = [];
        let t = 0;
        for (let i = 0; t < features.count; i++) {
          const count = Math.min(sizes[i % sizes.length], features.count - t);
          events.push(...chunked.push({ data: features.data.subarray(t * DIM, (t + count) * DIM), count, width: DIM, firstFrame: t }));
          t += count;
        }
        events.push(...chunked.finish());
        expect(events).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('with a narrow beam never beats the reference, often matches it, and does prune', () => {
    let matches = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { graph, gmms, features } = randomSetup(seed, 'loop');
      const expected = reference(graph, gmms, features);
      const decoder = new OnlineDecoder(graph, gmms, { frameShiftSec: 0.01 }, { beam: 8, maxActive: 6, endpoint: { enabled: false } });
      const final = [...decoder.push(features), ...decoder.finish()].find((e): e is FinalHypothesis => e.type === 'final')!;
      // A pruned search may lose every complete path (no result), or every path that ended its
      // word at the last frame and so end inside one (its last word counted): neither is comparable with the reference's best word-ended path.
      if (!final.complete || final.endedInsideWord === true || expected.endedInsideWord) continue;
      expect(final.score).toBeLessThanOrEqual(expected.score + 1e-9);
      if (Math.abs(final.score - expected.score) < 1e-9) matches++;
    }
    // Measured 19 of 40 at beam 8 / 6 tokens: enough to show pruning both acts and mostly keeps the best path.
    expect(matches).toBeGreaterThanOrEqual(10);
    expect(matches).toBeLessThan(40);
  });
});
