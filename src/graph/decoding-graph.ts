/**
 * The decoding graph: a word grammar, the lexicon and the unit HMMs compiled into one flat state
 * graph in typed arrays, which the search (src/search) walks frame by frame.
 *
 * Every grammar state becomes a non-emitting node. Every grammar arc q —w→ r becomes a chain of
 * the emitting states of w's units, entered from node q and left into node r; the arc that
 * leaves the chain into r carries the word (the word-end marker). With a silence model, each
 * grammar state also gets an optional silence loop (q → silence states → q) whose exit carries
 * SILENCE_WORD, so silence before, between and after words is decoded like a word and has exact
 * boundaries. Since word grammars have no epsilon arcs, non-emitting nodes connect only to
 * emitting states: the search never chains two non-emitting nodes.
 *
 * Arcs are stored in CSR form: the arcs leaving node n are arcStart[n] .. arcStart[n + 1] − 1.
 * Scores are natural logs: grammar weight × log P(word | grammar state) + word insertion
 * penalty on entering a word, log P(silence) on entering silence, HMM transitions inside.
 */
import { checkKnownFields, checkNumber, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import type { SpeechModel } from '../io/speech-model.ts';
import { unitsByName } from '../io/speech-model.ts';
import { LOG_ZERO } from '../math/log-space.ts';
import type { UnitHmm } from './unit-hmm.ts';
import type { WordGrammar } from './word-grammar.ts';

/** Word label of arcs that end no word. */
export const NO_WORD = -1;
/** Word label of arcs that leave the silence model (and wordOfNode of silence states). */
export const SILENCE_WORD = -2;

export interface DecodingGraph {
  /** Output words: word labels index into this. */
  readonly words: readonly string[];
  readonly nodeCount: number;
  /** Emission (GMM) index per node; −1 for a non-emitting node. */
  readonly emission: Int32Array;
  /** Word an emitting node belongs to (SILENCE_WORD in silence); NO_WORD for non-emitting nodes. */
  readonly wordOfNode: Int32Array;
  /** CSR offsets, nodeCount + 1 entries. */
  readonly arcStart: Int32Array;
  readonly arcTo: Int32Array;
  readonly arcLogProb: Float64Array;
  /** Word ended by taking the arc, SILENCE_WORD, or NO_WORD. */
  readonly arcWord: Int32Array;
  /** Non-emitting node where every path starts. */
  readonly start: number;
  /** Log score of ending in each node (−∞ except at final grammar states). */
  readonly finalLogProb: Float64Array;
}

export interface DecodingGraphConfig {
  /** Multiplies the grammar's log probabilities. Range 0–100. Default 1. Larger: the grammar's preferences weigh more against the acoustics. */
  readonly grammarWeight: number;
  /**
   * Log score added on entering every word. Range −1000–1000. Default −55 (chosen on held-out
   * speakers' FSDD training-split recordings, isolated and joined into connected strings, four
   * folds: mean connected WER 15.3% at −20, 12.7% at −55, 13.6% at −70; isolated WER fell too). Negative: fewer, longer words (fewer insertions, more deletions);
   * positive: the reverse.
   */
  readonly wordInsertionPenalty: number;
  /**
   * Probability of entering the optional silence at a grammar state (its log is the cost of
   * each silence). Range 0–1; 0 leaves silence out of the graph. Default 0.5.
   */
  readonly silenceProbability: number;
}

export const DEFAULT_DECODING_GRAPH_CONFIG: DecodingGraphConfig = { grammarWeight: 1, wordInsertionPenalty: -55, silenceProbability: 0.5 };

export function validateDecodingGraphConfig(value: unknown, owner = 'graph'): DecodingGraphConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['grammarWeight', 'wordInsertionPenalty', 'silenceProbability']);
  checkNumber(owner, 'grammarWeight', config.grammarWeight, 0, 100);
  checkNumber(owner, 'wordInsertionPenalty', config.wordInsertionPenalty, -1000, 1000);
  checkNumber(owner, 'silenceProbability', config.silenceProbability, 0, 1);
  return config as unknown as DecodingGraphConfig;
}

interface PendingArc {
  readonly from: number;
  readonly to: number;
  readonly logProb: number;
  readonly word: number;
}

/** Compiles grammar × lexicon × unit HMMs. Words the model cannot spell are an error naming them. */
export function compileDecodingGraph(
  model: Pick<SpeechModel, 'units' | 'lexicon' | 'silenceUnit'>,
  grammar: WordGrammar,
  overrides: Partial<DecodingGraphConfig> = {},
): DecodingGraph {
  const config = validateDecodingGraphConfig({ ...DEFAULT_DECODING_GRAPH_CONFIG, ...overrides });
  const units = unitsByName(model);
  const spellings = grammar.words.map((word) => {
    const spelling = model.lexicon.get(word);
    if (spelling === undefined) {
      throw new BeamlineError(ERROR_CODES.UNKNOWN_WORD, `the grammar's word ${JSON.stringify(word)} is not in the model's vocabulary (${[...model.lexicon.keys()].join(' ')})`);
    }
    return spelling.map((name) => {
      const unit = units.get(name);
      if (unit === undefined) throw new BeamlineError(ERROR_CODES.MODEL_INVALID, `the lexicon spells ${JSON.stringify(word)} with unknown unit ${JSON.stringify(name)}`);
      return unit;
    });
  });
  const silence = config.silenceProbability > 0 ? units.get(model.silenceUnit) : undefined;

  const emission: number[] = [];
  const wordOfNode: number[] = [];
  const arcs: PendingArc[] = [];
  const addNode = (pdf: number, word: number): number => {
    emission.push(pdf);
    wordOfNode.push(word);
    return emission.length - 1;
  };
  const addArc = (from: number, to: number, logProb: number, word = NO_WORD): void => {
    if (logProb > LOG_ZERO) arcs.push({ from, to, logProb, word });
  };

  /** Emitting states of `chain` from `from` to `to`; the exit into `to` carries `word`. */
  const addChain = (chain: readonly UnitHmm[], from: number, to: number, entryLogProb: number, word: number, nodeWord: number): void => {
    let previous = from;
    let pendingLogProb = entryLogProb;
    for (const unit of chain) {
      unit.emissions.forEach((pdf, j) => {
        const node = addNode(pdf, nodeWord);
        addArc(previous, node, pendingLogProb);
        addArc(node, node, unit.logSelfLoop[j]);
        previous = node;
        pendingLogProb = unit.logForward[j];
      });
    }
    addArc(previous, to, pendingLogProb, word);
  };

  const grammarNodes = Array.from({ length: grammar.stateCount }, () => addNode(-1, NO_WORD));
  for (const arc of grammar.arcs) {
    addChain(spellings[arc.word], grammarNodes[arc.from], grammarNodes[arc.to], config.grammarWeight * arc.logProb + config.wordInsertionPenalty, arc.word, arc.word);
  }
  if (silence !== undefined) {
    const enter = Math.log(config.silenceProbability);
    for (const node of grammarNodes) addChain([silence], node, node, enter, SILENCE_WORD, SILENCE_WORD);
  }

  const nodeCount = emission.length;
  const arcStart = new Int32Array(nodeCount + 1);
  for (const arc of arcs) arcStart[arc.from + 1]++;
  for (let n = 0; n < nodeCount; n++) arcStart[n + 1] += arcStart[n];
  const fill = arcStart.slice(0, nodeCount);
  const arcTo = new Int32Array(arcs.length);
  const arcLogProb = new Float64Array(arcs.length);
  const arcWord = new Int32Array(arcs.length);
  for (const arc of arcs) {
    const slot = fill[arc.from]++;
    arcTo[slot] = arc.to;
    arcLogProb[slot] = arc.logProb;
    arcWord[slot] = arc.word;
  }
  const finalLogProb = new Float64Array(nodeCount).fill(LOG_ZERO);
  grammarNodes.forEach((node, state) => (finalLogProb[node] = grammar.finalLogProb[state]));
  return {
    words: grammar.words,
    nodeCount,
    emission: Int32Array.from(emission),
    wordOfNode: Int32Array.from(wordOfNode),
    arcStart,
    arcTo,
    arcLogProb,
    arcWord,
    start: grammarNodes[grammar.start],
    finalLogProb,
  };
}

const endsInFinal = new WeakMap<DecodingGraph, Uint8Array>();

/**
 * For each emitting node, 1 when finishing the word (or silence) it is inside leads straight to
 * a final grammar node: a search cut off there (the longest-utterance endpoint, end of input) has
 * a complete sentence once that word is counted. Computed once per graph.
 */
export function wordEndsInFinal(graph: DecodingGraph): Uint8Array {
  let ends = endsInFinal.get(graph);
  if (ends !== undefined) return ends;
  ends = new Uint8Array(graph.nodeCount);
  // Relaxed until nothing changes: each pass carries "reaches a final node" one state further
  // back along the chains (a word's chain is as long as its states).
  for (let changed = true; changed; ) {
    changed = false;
    for (let node = 0; node < graph.nodeCount; node++) {
      if (graph.emission[node] < 0 || ends[node] === 1) continue;
      for (let a = graph.arcStart[node]; a < graph.arcStart[node + 1]; a++) {
        const to = graph.arcTo[a];
        if (graph.emission[to] < 0 ? graph.finalLogProb[to] > LOG_ZERO : to !== node && ends[to] === 1) {
          ends[node] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  endsInFinal.set(graph, ends);
  return ends;
}
