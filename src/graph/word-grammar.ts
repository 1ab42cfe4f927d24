/**
 * Word grammars: which word sequences the decoder may hypothesise, as a weighted finite-state
 * acceptor over words (the "G" of a decoding graph). Built from a word loop, a phrase list or a
 * JSGF grammar (jsgf-grammar.ts); the decoding graph (decoding-graph.ts) expands each word arc
 * into the word's HMM states.
 *
 * Weights are natural-log probabilities. Arcs with word −1 are epsilons; `withoutEpsilons`
 * removes them so the decoding graph needs no non-emitting chains between words.
 */
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { LOG_ZERO } from '../math/log-space.ts';

export const EPSILON = -1;

export interface GrammarArc {
  readonly from: number;
  readonly to: number;
  /** Index into `words`, or EPSILON. */
  readonly word: number;
  readonly logProb: number;
}

export interface WordGrammar {
  readonly words: readonly string[];
  readonly stateCount: number;
  readonly start: number;
  /** Log weight of ending in each state; −∞ where the state is not final. */
  readonly finalLogProb: Float64Array;
  readonly arcs: readonly GrammarArc[];
}

/**
 * How large a grammar may grow, so that a short text cannot make one session's grammar take
 * unbounded time or memory (a JSGF rule that doubles another 17 times is 372 bytes and 2¹⁷
 * words). Past either limit the grammar is refused with LIMIT_EXCEEDED naming it.
 */
export interface GrammarLimits {
  /**
   * Arcs (words and empty moves) while the grammar is expanded, and word arcs after. Default
   * 50,000: a list of 5,000 four-digit PINs (20,000 words, 30,000 arcs expanded) fits, and
   * compiles in about 0.3 s (made deterministic and minimal: 102 states, 910 arcs); 8,000 PINs
   * are about the most. Larger: bigger grammars, more time to compile.
   */
  readonly maxArcs: number;
  /** Rules within rules and brackets within brackets. Default 200. */
  readonly maxNesting: number;
}

export const DEFAULT_GRAMMAR_LIMITS: GrammarLimits = { maxArcs: 50_000, maxNesting: 200 };

export function grammarTooLarge(limit: number, what: string): BeamlineError {
  return new BeamlineError(ERROR_CODES.LIMIT_EXCEEDED, `the grammar is too large: more than ${limit} ${what} (grammar limit maxArcs)`);
}

/** Mutable builder: states are numbered as they are added. */
export class GrammarBuilder {
  private readonly wordIds = new Map<string, number>();
  readonly words: string[] = [];
  readonly arcs: GrammarArc[] = [];
  private readonly finals: number[] = [];
  stateCount = 0;

  /** `maxArcs`: refuse (LIMIT_EXCEEDED) to add more arcs than this. */
  constructor(private readonly maxArcs = Infinity) {}

  addState(): number {
    this.finals.push(LOG_ZERO);
    return this.stateCount++;
  }

  wordId(word: string): number {
    let id = this.wordIds.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.wordIds.set(word, id);
    }
    return id;
  }

  addArc(from: number, to: number, word: string | undefined, logProb = 0): void {
    if (this.arcs.length >= this.maxArcs) throw grammarTooLarge(this.maxArcs, 'arcs while it is expanded');
    this.arcs.push({ from, to, word: word === undefined ? EPSILON : this.wordId(word), logProb });
  }

  setFinal(state: number, logProb = 0): void {
    this.finals[state] = logProb;
  }

  build(start: number): WordGrammar {
    return { words: this.words, stateCount: this.stateCount, start, finalLogProb: Float64Array.from(this.finals), arcs: this.arcs };
  }
}

/** Any sequence of the words, each equally likely at every step (the default digit grammar). */
export function wordLoopGrammar(words: readonly string[]): WordGrammar {
  if (words.length === 0) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, 'a word loop needs at least one word');
  const builder = new GrammarBuilder();
  const loop = builder.addState();
  const logProb = -Math.log(words.length);
  for (const word of words) builder.addArc(loop, loop, word, logProb);
  builder.setFinal(loop);
  return builder.build(loop);
}

/** Exactly one of the phrases (each a list of words), each equally likely. */
export function phraseListGrammar(phrases: readonly (readonly string[])[], limits: Partial<GrammarLimits> = {}): WordGrammar {
  const nonEmpty = phrases.filter((phrase) => phrase.length > 0);
  if (nonEmpty.length === 0) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, 'a phrase list needs at least one non-empty phrase');
  const builder = new GrammarBuilder(limits.maxArcs ?? DEFAULT_GRAMMAR_LIMITS.maxArcs);
  const start = builder.addState();
  const end = builder.addState();
  builder.setFinal(end);
  const logProb = -Math.log(nonEmpty.length);
  for (const phrase of nonEmpty) {
    let state = start;
    phrase.forEach((word, index) => {
      const next = index === phrase.length - 1 ? end : builder.addState();
      builder.addArc(state, next, word, index === 0 ? logProb : 0);
      state = next;
    });
  }
  return optimizedGrammar(builder.build(start), limits.maxArcs ?? DEFAULT_GRAMMAR_LIMITS.maxArcs);
}

/**
 * The same language without epsilon arcs, keeping the best (Viterbi) weight of every path:
 * each state takes over the word arcs and final weight of every state it reaches through
 * epsilons. States that cannot be reached from the start or cannot reach a final state are
 * dropped, and the rest renumbered. Fails if no word sequence (not even the empty one) is
 * accepted.
 */
export function withoutEpsilons(grammar: WordGrammar, maxArcs = Infinity): WordGrammar {
  const n = grammar.stateCount;
  const epsilonOut: { to: number; logProb: number }[][] = Array.from({ length: n }, () => []);
  const wordOut: GrammarArc[][] = Array.from({ length: n }, () => []);
  for (const arc of grammar.arcs) (arc.word === EPSILON ? epsilonOut : wordOut)[arc.from].push(arc);

  // Best epsilon-path weight from each state to every state (Bellman-Ford style relaxation:
  // weights are log probabilities ≤ 0 in practice, but positive loops are refused, not looped on).
  const closure = (source: number): Map<number, number> => {
    const best = new Map<number, number>([[source, 0]]);
    let frontier = [source];
    for (let round = 0; frontier.length > 0; round++) {
      if (round > n) throw new BeamlineError(ERROR_CODES.GRAMMAR_INVALID, 'the grammar has a loop of empty expansions with positive weight');
      const next: number[] = [];
      for (const state of frontier) {
        for (const { to, logProb } of epsilonOut[state]) {
          const score = best.get(state)! + logProb;
          if (score > (best.get(to) ?? LOG_ZERO)) {
            best.set(to, score);
            next.push(to);
          }
        }
      }
      frontier = next;
    }
    return best;
  };

  const arcs = new Map<string, GrammarArc>();
  const finals = new Float64Array(n).fill(LOG_ZERO);
  // The closures' total size bounds the work: each state's copies every word arc it reaches.
  let work = 0;
  for (let state = 0; state < n; state++) {
    const reachable = closure(state);
    work += reachable.size;
    if (work > 10 * maxArcs) throw grammarTooLarge(maxArcs, 'arcs once its empty moves are removed');
    for (const [reached, weight] of reachable) {
      finals[state] = Math.max(finals[state], weight + grammar.finalLogProb[reached]);
      for (const arc of wordOut[reached]) {
        const key = `${arc.to} ${arc.word} ${state}`;
        const logProb = weight + arc.logProb;
        const existing = arcs.get(key);
        if (existing === undefined || logProb > existing.logProb) arcs.set(key, { from: state, to: arc.to, word: arc.word, logProb });
      }
      if (arcs.size > maxArcs) throw grammarTooLarge(maxArcs, 'arcs once its empty moves are removed');
    }
  }
  return trim({ words: grammar.words, stateCount: n, start: grammar.start, finalLogProb: finals, arcs: [...arcs.values()] });
}

/** Keeps the states on some path from the start to a final state, renumbered in order. */
function trim(grammar: WordGrammar): WordGrammar {
  const n = grammar.stateCount;
  const forward: number[][] = Array.from({ length: n }, () => []);
  const backward: number[][] = Array.from({ length: n }, () => []);
  for (const arc of grammar.arcs) {
    forward[arc.from].push(arc.to);
    backward[arc.to].push(arc.from);
  }
  const reach = (seeds: number[], edges: number[][]): Uint8Array => {
    const seen = new Uint8Array(n);
    const stack = [...seeds];
    for (const seed of seeds) seen[seed] = 1;
    while (stack.length > 0) {
      for (const next of edges[stack.pop()!]) {
        if (!seen[next]) {
          seen[next] = 1;
          stack.push(next);
        }
      }
    }
    return seen;
  };
  const accessible = reach([grammar.start], forward);
  const finalStates = [...grammar.finalLogProb.keys()].filter((s) => grammar.finalLogProb[s] > LOG_ZERO);
  const coaccessible = reach(finalStates, backward);
  if (!coaccessible[grammar.start]) throw new BeamlineError(ERROR_CODES.GRAMMAR_INVALID, 'the grammar accepts no word sequence');
  const renumber = new Int32Array(n).fill(-1);
  let count = 0;
  for (let s = 0; s < n; s++) if (accessible[s] && coaccessible[s]) renumber[s] = count++;
  const finalLogProb = new Float64Array(count);
  for (let s = 0; s < n; s++) if (renumber[s] >= 0) finalLogProb[renumber[s]] = grammar.finalLogProb[s];
  const arcs = grammar.arcs
    .filter((arc) => renumber[arc.from] >= 0 && renumber[arc.to] >= 0)
    .map((arc) => ({ ...arc, from: renumber[arc.from], to: renumber[arc.to] }));
  // Words no longer on any arc are dropped too, so the vocabulary is what can be said.
  const used = [...new Set(arcs.map((arc) => arc.word))].sort((a, b) => a - b);
  const wordIndex = new Map(used.map((word, index) => [word, index]));
  return {
    words: used.map((word) => grammar.words[word]),
    stateCount: count,
    start: renumber[grammar.start],
    finalLogProb,
    arcs: arcs.map((arc) => ({ ...arc, word: wordIndex.get(arc.word)! })),
  };
}

/** Every word sequence of at most `maxWords` words the grammar accepts, with its log weight (for tests and docs). */
export function enumerateSentences(grammar: WordGrammar, maxWords: number): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (state: number, words: string[], score: number, depth: number): void => {
    if (depth > maxWords * 4 + 8) return;
    const final = grammar.finalLogProb[state];
    if (final > LOG_ZERO) {
      const key = words.join(' ');
      out.set(key, Math.max(out.get(key) ?? LOG_ZERO, score + final));
    }
    for (const arc of grammar.arcs) {
      if (arc.from !== state) continue;
      const isWord = arc.word !== EPSILON;
      if (isWord && words.length >= maxWords) continue;
      walk(arc.to, isWord ? [...words, grammar.words[arc.word]] : words, score + arc.logProb, depth + 1);
    }
  };
  walk(grammar.start, [], 0, 0);
  return out;
}

/** Residual weights closer than this are the same (determinization's subsets, minimization's classes). */
const WEIGHT_QUANTUM = 1e-9;

const weightKey = (weight: number): string => (weight <= LOG_ZERO ? '-inf' : String(Math.round(weight / WEIGHT_QUANTUM)));

/**
 * An epsilon-free grammar made deterministic (one arc per word out of each state) in the
 * tropical semiring, so each sentence keeps its best weight (Mohri 1997, "Finite-state
 * transducers in language and speech processing", §3): a state of the result is a set of the
 * input's states, each with the weight it lags the best of them by; an arc carries the best
 * weight among the input's arcs of that word, its target the states they reach with their lags.
 *
 * Why: a list of 5,000 four-digit PINs is 5,000 parallel paths, 500 of them starting with the
 * same digit, whose identical tokens crowd each other out of the search's max-active; made
 * deterministic the first word has 10 arcs, the second 100. Returns undefined when the result
 * would pass `maxArcs` (a weighted cycle can make the subsets endless): use the grammar as it was.
 */
export function determinized(grammar: WordGrammar, maxArcs: number): WordGrammar | undefined {
  const out: GrammarArc[][] = Array.from({ length: grammar.stateCount }, () => []);
  for (const arc of grammar.arcs) out[arc.from].push(arc);
  type Subset = Map<number, number>;
  const subsets: Subset[] = [];
  const index = new Map<string, number>();
  const keyOf = (subset: Subset): string =>
    [...subset.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([state, lag]) => `${state}:${weightKey(lag)}`)
      .join(' ');
  const idOf = (subset: Subset): number => {
    const key = keyOf(subset);
    let id = index.get(key);
    if (id === undefined) {
      id = subsets.length;
      subsets.push(subset);
      index.set(key, id);
    }
    return id;
  };
  const arcs: GrammarArc[] = [];
  const finals: number[] = [];
  idOf(new Map([[grammar.start, 0]]));
  for (let id = 0; id < subsets.length; id++) {
    const subset = subsets[id];
    let final = LOG_ZERO;
    const byWord = new Map<number, Map<number, number>>();
    for (const [state, lag] of subset) {
      final = Math.max(final, lag + grammar.finalLogProb[state]);
      for (const arc of out[state]) {
        let targets = byWord.get(arc.word);
        if (targets === undefined) byWord.set(arc.word, (targets = new Map()));
        targets.set(arc.to, Math.max(targets.get(arc.to) ?? LOG_ZERO, lag + arc.logProb));
      }
    }
    finals[id] = final;
    for (const [word, targets] of byWord) {
      let best = LOG_ZERO;
      for (const weight of targets.values()) best = Math.max(best, weight);
      const next = new Map<number, number>();
      for (const [state, weight] of targets) next.set(state, weight - best);
      arcs.push({ from: id, to: idOf(next), word, logProb: best });
      if (arcs.length > maxArcs) return undefined;
    }
  }
  return { words: grammar.words, stateCount: subsets.length, start: 0, finalLogProb: Float64Array.from(finals), arcs };
}

/**
 * A deterministic grammar with equivalent states merged (Moore's partition refinement): two
 * states are one when their final weights match and each word takes them, with the same weight,
 * to states of one class. Merging the PIN list's shared endings leaves a few hundred states.
 */
export function minimized(grammar: WordGrammar): WordGrammar {
  const n = grammar.stateCount;
  const out: GrammarArc[][] = Array.from({ length: n }, () => []);
  for (const arc of grammar.arcs) out[arc.from].push(arc);
  for (const arcs of out) arcs.sort((a, b) => a.word - b.word);
  let classOf = new Int32Array(n);
  let classes = 0;
  const relabel = (signature: (state: number) => string): void => {
    const ids = new Map<string, number>();
    const next = new Int32Array(n);
    for (let state = 0; state < n; state++) {
      const key = signature(state);
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      next[state] = id;
    }
    classOf = next;
    classes = ids.size;
  };
  relabel((state) => weightKey(grammar.finalLogProb[state]));
  for (;;) {
    const before = classes;
    const current = classOf;
    relabel((state) => `${current[state]}|${out[state].map((arc) => `${arc.word},${weightKey(arc.logProb)},${current[arc.to]}`).join(';')}`);
    if (classes === before) break;
  }
  const finalLogProb = new Float64Array(classes);
  const arcs = new Map<string, GrammarArc>();
  for (let state = 0; state < n; state++) {
    finalLogProb[classOf[state]] = grammar.finalLogProb[state];
    for (const arc of out[state]) {
      const from = classOf[state];
      arcs.set(`${from} ${arc.word}`, { from, to: classOf[arc.to], word: arc.word, logProb: arc.logProb });
    }
  }
  return { words: grammar.words, stateCount: classes, start: classOf[grammar.start], finalLogProb, arcs: [...arcs.values()] };
}

/** Deterministic and minimal when that stays within `maxArcs`; otherwise the grammar as it is. */
export function optimizedGrammar(grammar: WordGrammar, maxArcs: number = DEFAULT_GRAMMAR_LIMITS.maxArcs): WordGrammar {
  const deterministic = determinized(grammar, maxArcs);
  return deterministic === undefined ? grammar : minimized(deterministic);
}
