import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UtteranceGraph } from '../../../src/graph/utterance-graph.ts';
import { LOG_ZERO } from '../../../src/math/log-space.ts';
import { SeededRandom } from '../../../src/math/random.ts';
import { viterbiAlign } from '../../../src/search/viterbi-alignment.ts';
import { forwardBackward, sequenceLogLikelihood } from '../../../src/training/forward-backward.ts';

/** A graph from dense probability matrices (0 means no arc). */
function denseGraph(initial: number[], transitions: number[][], final: number[]): UtteranceGraph {
  const S = initial.length;
  const from: number[] = [];
  const to: number[] = [];
  const logProb: number[] = [];
  transitions.forEach((row, i) =>
    row.forEach((p, j) => {
      if (p > 0) {
        from.push(i);
        to.push(j);
        logProb.push(Math.log(p));
      }
    }),
  );
  return {
    stateCount: S,
    emissions: Int32Array.from({ length: S }, (_, s) => s),
    wordOf: new Int32Array(S),
    unitStateOf: Int32Array.from({ length: S }, (_, s) => s),
    initial: Float64Array.from(initial, (p) => (p > 0 ? Math.log(p) : LOG_ZERO)),
    final: Float64Array.from(final, (p) => (p > 0 ? Math.log(p) : LOG_ZERO)),
    finalTransition: new Int32Array(S).fill(-1),
    arcFrom: Int32Array.from(from),
    arcTo: Int32Array.from(to),
    arcLogProb: Float64Array.from(logProb),
    arcTransition: new Int32Array(from.length).fill(-1),
  };
}

/** log b_t(s) for discrete observations: emission[s][symbol]. */
function discreteEmissions(emission: number[][], observations: number[]): Float64Array {
  const S = emission.length;
  const out = new Float64Array(observations.length * S);
  observations.forEach((symbol, t) => emission.forEach((row, s) => (out[t * S + s] = Math.log(row[symbol]))));
  return out;
}

/** Every state path, enumerated: the oracle. Returns P(O) and the best path with its probability. */
function bruteForce(initial: number[], transitions: number[][], final: number[], emissionAt: (t: number, s: number) => number, frames: number) {
  const S = initial.length;
  let total = 0;
  let best = { probability: 0, path: [] as number[] };
  const path: number[] = [];
  const walk = (t: number, probability: number): void => {
    if (probability === 0) return;
    if (t === frames) {
      const p = probability * final[path[frames - 1]];
      total += p;
      if (p > best.probability) best = { probability: p, path: [...path] };
      return;
    }
    for (let s = 0; s < S; s++) {
      const step = t === 0 ? initial[s] : transitions[path[t - 1]][s];
      path.push(s);
      walk(t + 1, probability * step * emissionAt(t, s));
      path.pop();
    }
  };
  walk(0, 1);
  return { total, best };
}

describe('forward-backward on small random HMMs', () => {
  it('P(O) equals brute-force enumeration over every state path (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), (seed, S, T) => {
        const random = new SeededRandom(seed);
        const normalise = (row: number[]): number[] => {
          const sum = row.reduce((a, b) => a + b, 0);
          return row.map((v) => v / sum);
        };
        // Sparse random structure: some arcs missing, as in real graphs.
        const initial = normalise(Array.from({ length: S }, () => (random.next() < 0.3 ? 0 : random.next() + 0.01)).map((v, i) => (i === 0 ? v + 0.1 : v)));
        const transitions = Array.from({ length: S }, () => normalise(Array.from({ length: S }, () => (random.next() < 0.3 ? 0 : random.next())).map((v) => v + 1e-3)));
        const final = Array.from({ length: S }, () => random.next());
        const emission = Array.from({ length: T * S }, () => 0.05 + random.next());
        const graph = denseGraph(initial, transitions, final);
        const logEmissions = Float64Array.from(emission, Math.log);
        const oracle = bruteForce(initial, transitions, final, (t, s) => emission[t * S + s], T);
        expect(sequenceLogLikelihood(graph, logEmissions, T)).toBeCloseTo(Math.log(oracle.total), 9);
        const result = forwardBackward(graph, logEmissions, T);
        expect(result.logLikelihood).toBeCloseTo(Math.log(oracle.total), 9);
        // Occupancies: each frame's posteriors sum to one.
        for (let t = 0; t < T; t++) {
          let sum = 0;
          for (let s = 0; s < S; s++) sum += result.stateOccupancy[t * S + s];
          expect(sum).toBeCloseTo(1, 9);
        }
        const viterbi = viterbiAlign(graph, logEmissions, T);
        expect(viterbi.logLikelihood).toBeCloseTo(Math.log(oracle.best.probability), 9);
      }),
      { numRuns: 60 },
    );
  });

  it('expected arc counts equal the brute-force expectation', () => {
    const initial = [0.6, 0.4];
    const transitions = [
      [0.7, 0.3],
      [0.4, 0.6],
    ];
    const final = [1, 1];
    const emission = [0.2, 0.9, 0.5, 0.3, 0.8, 0.4];
    const T = 3;
    // Oracle: Σ over paths of P(path, O) × (times the path uses arc 0→1) / P(O).
    let total = 0;
    let weighted = 0;
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 2; b++)
        for (let c = 0; c < 2; c++) {
          const p = initial[a] * emission[a] * transitions[a][b] * emission[2 + b] * transitions[b][c] * emission[4 + c];
          total += p;
          weighted += p * ((a === 0 && b === 1 ? 1 : 0) + (b === 0 && c === 1 ? 1 : 0));
        }
    const graph = denseGraph(initial, transitions, final);
    const result = forwardBackward(graph, Float64Array.from(emission, Math.log), T);
    const arc01 = [...graph.arcFrom].findIndex((from, i) => from === 0 && graph.arcTo[i] === 1);
    expect(result.arcOccupancy[arc01]).toBeCloseTo(weighted / total, 12);
  });
});

describe('textbook examples', () => {
  // The weather HMM: after rain the next day is sunny with probability 0.3, after sun it rains
  // with probability 0.4; the guards' shoes are dirty with probability 0.9 on rainy days and
  // 0.6 on sunny ones. Both days equally likely at the start. States: 0 rain, 1 sun.
  const initial = [0.5, 0.5];
  const transitions = [
    [0.7, 0.3],
    [0.4, 0.6],
  ];
  const shoes = [
    [0.1, 0.9], // rain: clean, dirty
    [0.4, 0.6], // sun
  ];
  const CLEAN = 0;
  const DIRTY = 1;
  const observations = [DIRTY, DIRTY, CLEAN, DIRTY, CLEAN, CLEAN];

  it('weather: the likelihood of the shoe sequence equals brute force', () => {
    const graph = denseGraph(initial, transitions, [1, 1]);
    const oracle = bruteForce(initial, transitions, [1, 1], (t, s) => shoes[s][observations[t]], observations.length);
    const logLikelihood = sequenceLogLikelihood(graph, discreteEmissions(shoes, observations), observations.length);
    expect(Math.exp(logLikelihood)).toBeCloseTo(oracle.total, 14);
    // Hand check of the first two days: P(dirty, dirty) = Σ_ab π_a b_a(dirty) a_ab b_b(dirty).
    const twoDays = sequenceLogLikelihood(graph, discreteEmissions(shoes, [DIRTY, DIRTY]), 2);
    const byHand = 0.5 * 0.9 * (0.7 * 0.9 + 0.3 * 0.6) + 0.5 * 0.6 * (0.4 * 0.9 + 0.6 * 0.6);
    expect(Math.exp(twoDays)).toBeCloseTo(byHand, 14);
  });

  it('weather: the most probable weather equals brute force', () => {
    const graph = denseGraph(initial, transitions, [1, 1]);
    const oracle = bruteForce(initial, transitions, [1, 1], (t, s) => shoes[s][observations[t]], observations.length);
    const viterbi = viterbiAlign(graph, discreteEmissions(shoes, observations), observations.length);
    expect(Array.from(viterbi.states)).toEqual(oracle.best.path);
    expect(Math.exp(viterbi.logLikelihood)).toBeCloseTo(oracle.best.probability, 14);
    expect(Array.from(viterbi.states).map((s) => (s === 0 ? 'rain' : 'sun'))).toEqual(['rain', 'rain', 'sun', 'sun', 'sun', 'sun']);
  });

  it('a three-state A/n/e word HMM decodes a phoneme sequence to "Anne"', () => {
    // Phoneme symbols and a noisy recogniser's confusions: each phone is heard right 80% of the time.
    const phones = ['A', 'n', 'e', 'd'];
    const heard = (phone: string): number[] => phones.map((p) => (p === phone ? 0.8 : 0.2 / 3));
    const words: Record<string, string[]> = { Anne: ['A', 'n', 'e'], Ed: ['e', 'd'], Dan: ['d', 'A', 'n'], Ned: ['n', 'e', 'd'] };
    const observed = ['A', 'A', 'n', 'd', 'e', 'e'].map((p) => phones.indexOf(p));
    const scores: Record<string, { viterbi: number; oracle: number }> = {};
    for (const [word, spelling] of Object.entries(words)) {
      // Left-to-right: stay with 0.5, move on with 0.5; start in the first state, end in the last.
      const S = spelling.length;
      const transitions = Array.from({ length: S }, (_, i) => Array.from({ length: S }, (_, j) => (j === i ? 0.5 : j === i + 1 ? 0.5 : 0)));
      const initialWord = Array.from({ length: S }, (_, i) => (i === 0 ? 1 : 0));
      const finalWord = Array.from({ length: S }, (_, i) => (i === S - 1 ? 0.5 : 0));
      const emission = spelling.map(heard);
      const graph = denseGraph(initialWord, transitions, finalWord);
      const viterbi = viterbiAlign(graph, discreteEmissions(emission, observed), observed.length);
      const oracle = bruteForce(initialWord, transitions, finalWord, (t, s) => emission[s][observed[t]], observed.length);
      scores[word] = { viterbi: viterbi.logLikelihood, oracle: Math.log(oracle.best.probability) };
      if (word === 'Anne') expect(Array.from(viterbi.states)).toEqual([0, 0, 1, 1, 2, 2]);
    }
    for (const { viterbi, oracle } of Object.values(scores)) expect(viterbi).toBeCloseTo(oracle, 12);
    const best = Object.entries(scores).sort((a, b) => b[1].viterbi - a[1].viterbi)[0][0];
    expect(best).toBe('Anne');
  });

  it('a path that cannot fit the frames scores −∞ and aligns to nothing', () => {
    const graph = denseGraph([1, 0, 0], [[0.5, 0.5, 0], [0, 0.5, 0.5], [0, 0, 0.5]], [0, 0, 1]);
    const logEmissions = new Float64Array(2 * 3); // two frames, three mandatory states
    expect(forwardBackward(graph, logEmissions, 2).logLikelihood).toBe(LOG_ZERO);
    expect(viterbiAlign(graph, logEmissions, 2).states).toHaveLength(0);
  });
});
