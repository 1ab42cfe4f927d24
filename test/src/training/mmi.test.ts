import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import type { FrameBlock } from '../../../src/frames/frame-block.ts';
import { leftToRightHmm } from '../../../src/graph/unit-hmm.ts';
import { buildUtteranceGraph, type UtteranceGraph } from '../../../src/graph/utterance-graph.ts';
import { unitStateBases } from '../../../src/io/speech-model.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { emissionScores } from '../../../src/scoring/emission-matrix.ts';
import { DiagonalGmmAccumulator } from '../../../src/training/gmm-accumulator.ts';
import { HmmTrainer, type HmmTopology, type TrainingUtterance } from '../../../src/training/hmm-training.ts';
import { extendedBaumWelch, mmiPass } from '../../../src/training/mmi.ts';

/**
 * Two confusable one-dimensional words: "a" visits states around 0 then 1, "b" around 0.8 then
 * 1.8, each frame with unit noise, so maximum likelihood leaves some utterances misclassified.
 * Silence sits far away at −6.
 */
const MEANS: Record<string, number[]> = { a: [0, 1], b: [0.8, 1.8] };

function topology(): HmmTopology {
  const units = [leftToRightHmm('a', 0, 2), leftToRightHmm('b', 2, 2), leftToRightHmm('sil', 4, 1)];
  return { units, silenceUnit: 'sil', lexicon: new Map([['a', ['a']], ['b', ['b']]]) };
}

function block(values: number[]): FrameBlock {
  return { data: Float32Array.from(values), count: values.length, width: 1, firstFrame: 0 };
}

function corpus(count: number, seed: number, framesPerState: [number, number] = [3, 6]): TrainingUtterance[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const word = random.next() < 0.5 ? 'a' : 'b';
    const values: number[] = [];
    if (random.next() < 0.5) values.push(-6 + random.normal(), -6 + random.normal());
    for (const mean of MEANS[word]) {
      const frames = framesPerState[0] + random.integer(framesPerState[1] - framesPerState[0] + 1);
      for (let f = 0; f < frames; f++) values.push(mean + random.normal());
    }
    return { id: `utt${i}`, words: [word], features: block(values) };
  });
}

/** The best path's score by trying every state sequence: the oracle for the Viterbi word scores. */
function bruteForceBestPath(graph: UtteranceGraph, scores: Float64Array, frames: number): number {
  const S = graph.stateCount;
  const arc = new Float64Array(S * S).fill(Number.NEGATIVE_INFINITY);
  for (let a = 0; a < graph.arcFrom.length; a++) {
    const index = graph.arcFrom[a] * S + graph.arcTo[a];
    arc[index] = Math.max(arc[index], graph.arcLogProb[a]);
  }
  let best = Number.NEGATIVE_INFINITY;
  const path = new Int32Array(frames);
  const visit = (t: number, score: number): void => {
    if (score === Number.NEGATIVE_INFINITY) return;
    if (t === frames) {
      best = Math.max(best, score + graph.final[path[frames - 1]]);
      return;
    }
    for (let s = 0; s < S; s++) {
      path[t] = s;
      const step = t === 0 ? graph.initial[s] : arc[path[t - 1] * S + s];
      visit(t + 1, score + step + scores[t * S + s]);
    }
  };
  visit(0, 0);
  return best;
}

function randomGmms(random: SeededRandom): DiagonalGmm[] {
  return Array.from({ length: 5 }, () => new DiagonalGmm(1, { weights: [0.4, 0.6], means: [random.normal(), 2 * random.normal()], variances: [0.5 + random.next(), 0.5 + random.next()] }));
}

describe('mmiPass (maximum mutual information over isolated words)', () => {
  it('reports the log posterior of the right word that brute-force path enumeration gives', () => {
    const random = new SeededRandom(4);
    const top = topology();
    const bases = unitStateBases(top.units);
    const units = new Map(top.units.map((unit) => [unit.name, unit]));
    for (let trial = 0; trial < 4; trial++) {
      const gmms = randomGmms(random);
      const utterances = corpus(3, 10 + trial, [1, 2]);
      const kappa = [0.1, 0.5, 1, 0.3][trial];
      let expected = 0;
      for (const utterance of utterances) {
        const best = ['a', 'b'].map((word) => {
          const graph = buildUtteranceGraph([[units.get(word)!]], units.get('sil'), bases);
          return bruteForceBestPath(graph, emissionScores(graph, utterance.features, gmms, 'exact'), utterance.features.count);
        });
        const right = utterance.words[0] === 'a' ? 0 : 1;
        const top = Math.max(...best);
        expected += kappa * (best[right] - top) - Math.log(best.reduce((sum, score) => sum + Math.exp(kappa * (score - top)), 0));
      }
      const { report } = mmiPass(top, gmms, utterances, { varianceFloor: [1e-3], acousticScale: kappa, scoring: 'exact' });
      expect(report.utterances).toBe(3);
      expect(report.objective).toBeCloseTo(expected, 9);
    }
  });

  it('raises the criterion pass after pass and misclassifies fewer training utterances than maximum likelihood', () => {
    for (const seed of [1, 2, 3]) {
      const utterances = corpus(300, seed);
      const trainer = new HmmTrainer(topology(), utterances, {
        passes: [...Array.from({ length: 4 }, () => ({ components: 1, method: 'viterbi' as const })), { components: 2, method: 'viterbi' }, { components: 2, method: 'baum-welch' }],
        scoring: 'exact',
      });
      trainer.train();
      let gmms = trainer.gmms;
      const reports = [];
      for (let pass = 0; pass < 5; pass++) {
        const result = mmiPass(trainer.topology, gmms, utterances, { varianceFloor: trainer.varianceFloor, acousticScale: 0.5, iSmoothing: 20, scoring: 'exact' });
        reports.push(result.report);
        gmms = result.gmms;
      }
      // Each report is measured under the mixtures the pass started from: pass k + 1 sees pass k's update.
      for (let k = 1; k < reports.length; k++) expect(reports[k].objective).toBeGreaterThanOrEqual(reports[k - 1].objective);
      expect(reports[0].errors).toBeGreaterThan(10);
      expect(reports[reports.length - 1].errors).toBeLessThan(reports[0].errors);
    }
  });

  it('leaves out utterances that are not one word, and rejects a bad acoustic scale', () => {
    const gmms = randomGmms(new SeededRandom(1));
    const utterances: TrainingUtterance[] = [
      ...corpus(2, 5),
      { id: 'two words', words: ['a', 'b'], features: block([0, 1, 0.8, 1.8]) },
      { id: 'noise', words: [], features: block([-6, -6]) },
    ];
    expect(mmiPass(topology(), gmms, utterances, { varianceFloor: [1e-3] }).report).toMatchObject({ utterances: 2, skipped: 2 });
    expect(() => mmiPass(topology(), gmms, utterances, { varianceFloor: [1e-3], acousticScale: 0 })).toThrow(/acoustic scale/);
  });
});

function expectSameParameters(actual: DiagonalGmm, expected: DiagonalGmm, digits: number): void {
  for (let i = 0; i < expected.means.length; i++) {
    expect(actual.means[i]).toBeCloseTo(expected.means[i], digits);
    expect(actual.variances[i]).toBeCloseTo(expected.variances[i], digits);
  }
}

describe('extendedBaumWelch', () => {
  const random = new SeededRandom(9);
  const gmm = new DiagonalGmm(2, { weights: [0.5, 0.5], means: [0, 1, 3, -1], variances: [1, 2, 0.5, 1] });
  const points = Array.from({ length: 400 }, () => [random.normal() * 1.5 + 0.5, random.normal() + 2]).flat();
  const accumulate = (weight: number): DiagonalGmmAccumulator => {
    const accumulator = new DiagonalGmmAccumulator(2, 2);
    for (let i = 0; i < points.length / 2; i++) accumulator.addSoft(gmm, points, 2 * i, weight);
    return accumulator;
  };

  it('is a fixed point when the rivals explain the data exactly as the right word does', () => {
    const same = accumulate(1);
    expectSameParameters(extendedBaumWelch(gmm, same, same, { iSmoothing: 0, varianceFloor: [1e-3, 1e-3] }), gmm, 12);
  });

  it('becomes the maximum-likelihood update when no rival takes any frame', () => {
    // D is then one frame against at least 13,000 frames per component: (x + Dμ) / (γ + D) is within 1e-3 of x / γ.
    const numerator = accumulate(1000);
    const none = new DiagonalGmmAccumulator(2, 2);
    const updated = extendedBaumWelch(gmm, numerator, none, { iSmoothing: 0, varianceFloor: [1e-3, 1e-3] });
    expectSameParameters(updated, numerator.estimate({ varianceFloor: [1e-3, 1e-3] }, gmm).gmm, 3);
  });

  it('moves a mean away from frames that a rival word claims, and keeps every variance positive', () => {
    const numerator = accumulate(1);
    const rival = new DiagonalGmmAccumulator(2, 2);
    for (let i = 0; i < 50; i++) rival.addSoft(gmm, [4, 4], 0, 1);
    const updated = extendedBaumWelch(gmm, numerator, rival, { iSmoothing: 0, varianceFloor: [1e-3, 1e-3] });
    const withoutRival = extendedBaumWelch(gmm, numerator, new DiagonalGmmAccumulator(2, 2), { iSmoothing: 0, varianceFloor: [1e-3, 1e-3] });
    // The rival's frames at (4, 4) fall to the second component: its mean moves down, away from them.
    expect(updated.means[2]).toBeLessThan(withoutRival.means[2]);
    for (const variance of updated.variances) expect(variance).toBeGreaterThan(0);
  });
});
