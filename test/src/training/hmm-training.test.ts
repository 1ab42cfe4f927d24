import { describe, expect, it } from 'vitest';
import { DiagonalGmm } from '../../../src/acoustic/diagonal-gmm.ts';
import type { FrameBlock } from '../../../src/frames/frame-block.ts';
import { leftToRightHmm } from '../../../src/graph/unit-hmm.ts';
import { buildUtteranceGraph } from '../../../src/graph/utterance-graph.ts';
import type { SpeechModel } from '../../../src/io/speech-model.ts';
import { unitStateBases } from '../../../src/io/speech-model.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { emissionScores } from '../../../src/scoring/emission-matrix.ts';
import { IsolatedWordClassifier } from '../../../src/search/isolated-word-classifier.ts';
import { viterbiAlign } from '../../../src/search/viterbi-alignment.ts';
import { HmmTrainer, type HmmTopology, type TrainingUtterance } from '../../../src/training/hmm-training.ts';
import { frontEndConfig } from '../../../src/features/front-end.ts';

/**
 * Synthetic speech: word "ab" is three states whose frames sit around (0,0), (4,0), (4,4); word
 * "ba" visits (4,4), (4,0), (0,0); silence sits at (−4,−4). Durations are 4–9 frames per state.
 */
const STATE_MEANS: Record<string, [number, number][]> = {
  ab: [[0, 0], [4, 0], [4, 4]],
  ba: [[4, 4], [4, 0], [0, 0]],
  sil: [[-4, -4]],
};

function synthesise(words: string[], random: SeededRandom, withSilence: boolean): { features: FrameBlock; boundaries: number[] } {
  const frames: number[] = [];
  const boundaries: number[] = [];
  const emit = (mean: [number, number], count: number): void => {
    for (let i = 0; i < count; i++) frames.push(mean[0] + 0.7 * random.normal(), mean[1] + 0.7 * random.normal());
  };
  if (withSilence) emit(STATE_MEANS.sil[0], 3 + random.integer(4));
  for (const word of words) {
    boundaries.push(frames.length / 2);
    for (const mean of STATE_MEANS[word]) emit(mean, 4 + random.integer(6));
  }
  boundaries.push(frames.length / 2);
  if (withSilence) emit(STATE_MEANS.sil[0], 3 + random.integer(4));
  return { features: { data: Float32Array.from(frames), count: frames.length / 2, width: 2, firstFrame: 0 }, boundaries };
}

function topology(): HmmTopology {
  const units = [leftToRightHmm('ab', 0, 3), leftToRightHmm('ba', 3, 3), leftToRightHmm('sil', 6, 1)];
  return { units, silenceUnit: 'sil', lexicon: new Map([['ab', ['ab']], ['ba', ['ba']]]) };
}

function corpus(count: number, seed: number): TrainingUtterance[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 1 + random.integer(3) }, () => (random.next() < 0.5 ? 'ab' : 'ba'));
    return { id: `utt${i}`, words, features: synthesise(words, random, random.next() < 0.7).features };
  });
}

describe('HmmTrainer (embedded training from transcripts without time marks)', () => {
  it('learns state means close to the generating ones from a flat start', () => {
    // The equal-length start puts silence frames into words; six realignments undo that.
    const trainer = new HmmTrainer(topology(), corpus(150, 1), {
      passes: [...Array.from({ length: 6 }, () => ({ components: 1, method: 'viterbi' as const })), { components: 1, method: 'baum-welch' }],
    });
    trainer.train();
    const learned = trainer.gmms.map((gmm) => [gmm.means[0], gmm.means[1]]);
    const truth = [...STATE_MEANS.ab, ...STATE_MEANS.ba, ...STATE_MEANS.sil];
    learned.forEach(([x, y], i) => {
      expect(Math.abs(x - truth[i][0])).toBeLessThan(0.3);
      expect(Math.abs(y - truth[i][1])).toBeLessThan(0.3);
    });
    // Self-loop probability ≈ 1 − 1/(mean duration 6.5) ≈ 0.85 for word states.
    for (const unit of trainer.topology.units.slice(0, 2)) for (const logStay of unit.logSelfLoop) expect(Math.exp(logStay)).toBeGreaterThan(0.7);
  });

  it('Baum-Welch never lowers the total likelihood from pass to pass', () => {
    const trainer = new HmmTrainer(topology(), corpus(80, 2), {
      passes: [{ components: 1, method: 'viterbi' }, ...Array.from({ length: 6 }, () => ({ components: 2, method: 'baum-welch' as const }))],
    });
    const reports = trainer.train();
    const baumWelch = reports.filter((r) => r.method === 'baum-welch').map((r) => r.logLikelihood);
    // Report i holds the likelihood under the model pass i started from, so compare from the
    // second Baum-Welch pass on (the first follows a mixture split).
    for (let i = 2; i < baumWelch.length; i++) expect(baumWelch[i]).toBeGreaterThanOrEqual(baumWelch[i - 1] - 1e-6 * Math.abs(baumWelch[i - 1]));
  });

  it('recognises held-out isolated words and force-aligns word boundaries', () => {
    const shape = topology();
    const trainer = new HmmTrainer(shape, corpus(150, 3), {
      passes: [...Array.from({ length: 6 }, () => ({ components: 1, method: 'viterbi' as const })), { components: 2, method: 'viterbi' }],
    });
    trainer.train();
    const model: SpeechModel = {
      name: 'synthetic',
      frontEnd: frontEndConfig(),
      units: shape.units,
      silenceUnit: 'sil',
      gmms: trainer.gmms,
      lexicon: shape.lexicon,
      cmnPriorMean: new Float64Array(13),
      provenance: { data: 'synthetic', command: 'test', date: '2026-11-23', accuracy: {} },
    };
    const classifier = new IsolatedWordClassifier(model);
    const random = new SeededRandom(99);
    for (let i = 0; i < 20; i++) {
      const word = i % 2 === 0 ? 'ab' : 'ba';
      expect(classifier.classify(synthesise([word], random, true).features)).toBe(word);
    }
    // Forced alignment of "ba ba ba" (each word ends unlike the next begins, so the boundaries
    // are identifiable): word starts within one frame of the truth.
    const { features, boundaries } = synthesise(['ba', 'ba', 'ba'], random, true);
    const units = new Map(shape.units.map((u) => [u.name, u]));
    const ba = units.get('ba')!;
    const graph = buildUtteranceGraph([[ba], [ba], [ba]], units.get('sil'), unitStateBases(shape.units));
    const alignment = viterbiAlign(graph, emissionScores(graph, features, trainer.gmms), features.count);
    const starts = [0, 1, 2].map((word) => [...alignment.states].findIndex((s) => graph.wordOf[s] === word));
    starts.forEach((start, word) => expect(Math.abs(start - boundaries[word])).toBeLessThanOrEqual(1));
  });

  it('skips an utterance too short for its words and says so', () => {
    const short: TrainingUtterance = { id: 'short', words: ['ab', 'ba'], features: { data: new Float32Array(4), count: 2, width: 2, firstFrame: 0 } };
    const trainer = new HmmTrainer(topology(), [...corpus(20, 4), short], { passes: [{ components: 1, method: 'viterbi' }] });
    const reports = trainer.train();
    expect(reports[0].skippedUtterances).toBe(1);
    expect(reports[1].skippedUtterances).toBe(1);
  });

  it('trains the silence model on utterances without words (noise alone)', () => {
    // Silence frames only: without them the silence state sees just the short edges of utterances.
    const random = new SeededRandom(6);
    const noise: TrainingUtterance[] = Array.from({ length: 30 }, (_, i) => {
      const frames = Array.from({ length: 20 }, () => [-4 + 0.7 * random.normal(), -4 + 0.7 * random.normal()]).flat();
      return { id: `noise${i}`, words: [], features: { data: Float32Array.from(frames), count: 20, width: 2, firstFrame: 0 } };
    });
    const passes = Array.from({ length: 4 }, () => ({ components: 1, method: 'viterbi' as const }));
    const trainer = new HmmTrainer(topology(), [...corpus(60, 8), ...noise], { passes: [...passes, { components: 1, method: 'baum-welch' }] });
    const reports = trainer.train();
    expect(reports.every((report) => report.skippedUtterances === 0)).toBe(true);
    const silence = trainer.gmms[6];
    expect(Math.abs(silence.means[0] + 4)).toBeLessThan(0.2);
    expect(Math.abs(silence.means[1] + 4)).toBeLessThan(0.2);
  });

  it('rejects a transcript word the lexicon does not know', () => {
    const bad: TrainingUtterance = { id: 'x', words: ['abc'], features: { data: new Float32Array(20), count: 10, width: 2, firstFrame: 0 } };
    expect(() => new HmmTrainer(topology(), [bad], { passes: [] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_WORD' }));
  });
});

describe('DiagonalGmm sanity for the trainer', () => {
  it('a flat-start GMM scores every state alike', () => {
    const gmm = new DiagonalGmm(2, { weights: [1], means: [0, 0], variances: [1, 1] });
    expect(gmm.logLikelihood([0, 0])).toBeCloseTo(-Math.log(2 * Math.PI), 12);
  });
});

describe('HmmTrainer: the first alignment with edge silence', () => {
  // One two-state word at values 4 then 8 (first dimension), between quiet edges at −6.
  function paddedCorpus(): TrainingUtterance[] {
    const random = new SeededRandom(2);
    return Array.from({ length: 20 }, (_, n) => {
      const values: number[] = [];
      const push = (value: number, frames: number): void => {
        for (let f = 0; f < frames; f++) values.push(value + 0.1 * random.normal(), random.normal());
      };
      push(-6, 3 + (n % 4));
      push(4, 5);
      push(8, 5);
      push(-6, 3 + ((n + 2) % 4));
      return { id: `u${n}`, words: ['w'], features: { data: Float32Array.from(values), count: values.length / 2, width: 2, firstFrame: 0 } };
    });
  }
  const topology: HmmTopology = {
    units: [leftToRightHmm('w', 0, 2), leftToRightHmm('sil', 2, 1)],
    silenceUnit: 'sil',
    lexicon: new Map([['w', ['w']]]),
  };

  it('gives the quiet edges to the silence model and the rest to the words', () => {
    const trainer = new HmmTrainer(topology, paddedCorpus(), { passes: [], edgeSilence: { dimension: 0, belowPeak: 10 } });
    trainer.train();
    const mean = (state: number): number => trainer.gmms[state].means[0];
    expect(mean(0)).toBeCloseTo(4, 0);
    expect(mean(1)).toBeCloseTo(8, 0);
    expect(mean(2)).toBeCloseTo(-6, 0);
  });

  it('without it, the word states swallow the edges', () => {
    const trainer = new HmmTrainer(topology, paddedCorpus(), { passes: [] });
    trainer.train();
    // The first state takes the leading quiet frames and part of the word: its mean lies between.
    expect(trainer.gmms[0].means[0]).toBeLessThan(2);
  });

  it('leaves an utterance with no quiet edge to its words', () => {
    const loud = paddedCorpus().map((utterance) => {
      const data = Float32Array.from(utterance.features.data, (value, i) => (i % 2 === 0 && value < -5 ? value + 12 : value));
      return { ...utterance, features: { ...utterance.features, data } };
    });
    const trainer = new HmmTrainer(topology, loud, { passes: [], edgeSilence: { dimension: 0, belowPeak: 10 } });
    const flatStart = trainer.gmms[2].means[0];
    trainer.train();
    // Every frame is within 10 of the peak: the silence model got none and keeps its flat start.
    expect(trainer.gmms[2].means[0]).toBe(flatStart);
    expect(trainer.gmms[0].means[0]).toBeGreaterThan(4.5);
  });
});
