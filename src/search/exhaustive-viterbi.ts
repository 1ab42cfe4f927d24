/**
 * The test oracle for the beam decoder: Viterbi over the whole decoding graph with no pruning,
 * the full trellis kept in memory and traced back at the end. Written for plainness, not speed;
 * it shares nothing with the online decoder but the graph and the scoring convention:
 *
 *   emitting state d at frame t: max over predecessors (score + arc log prob) + scale × log p(x_t | d)
 *   non-emitting node r after frame t: max over emitting states s at t (score + arc log prob)
 *
 * The result at the end is the best path into a final node (plus its final weight): a sentence
 * of the grammar; failing that, the best path inside a word whose end is a final node (cut off
 * in its last word), that word counted. If neither exists, there is no result (no words, −∞).
 */
import { type DecodingGraph, NO_WORD, SILENCE_WORD } from '../graph/decoding-graph.ts';
import { LOG_ZERO } from '../math/log-space.ts';

export interface ReferenceWord {
  readonly word: string;
  readonly startFrame: number;
  readonly endFrame: number;
}

export interface ReferenceResult {
  readonly words: ReferenceWord[];
  readonly score: number;
  /** The result was cut off inside its last word: no path ended a word at the last frame into a final node. */
  readonly endedInsideWord: boolean;
  /** Words of the best path ending at frame t in an emitting state, the word it is inside included. */
  partialAt(frame: number): string[];
}

interface Cell {
  /** Node of the step before; for emitting cells, −1 when coming from the start. */
  readonly node: number;
  readonly emitting: boolean;
  readonly arc: number;
}

export function exhaustiveViterbi(
  graph: DecodingGraph,
  emissionScore: (frame: number, pdf: number) => number,
  frameCount: number,
  acousticScale = 1,
): ReferenceResult {
  const n = graph.nodeCount;
  const arcFrom = new Int32Array(graph.arcTo.length);
  for (let node = 0; node < n; node++) for (let a = graph.arcStart[node]; a < graph.arcStart[node + 1]; a++) arcFrom[a] = node;
  const emitting: number[][] = [];
  const nonEmitting: number[][] = [];
  const emittingFrom: (Cell | undefined)[][] = [];
  const nonEmittingFrom: (Cell | undefined)[][] = [];

  let before: number[] = new Array<number>(n).fill(LOG_ZERO);
  let beforeEmitting: number[] = new Array<number>(n).fill(LOG_ZERO);
  before[graph.start] = 0;
  for (let t = 0; t < frameCount; t++) {
    const scores = new Array<number>(n).fill(LOG_ZERO);
    const from: (Cell | undefined)[] = new Array<Cell | undefined>(n).fill(undefined);
    for (let source = 0; source < n; source++) {
      const isEmitting = graph.emission[source] >= 0;
      const sourceScore = isEmitting ? beforeEmitting[source] : before[source];
      if (sourceScore === LOG_ZERO) continue;
      for (let a = graph.arcStart[source]; a < graph.arcStart[source + 1]; a++) {
        const target = graph.arcTo[a];
        if (graph.emission[target] < 0) continue;
        const candidate = sourceScore + graph.arcLogProb[a];
        if (candidate > scores[target]) {
          scores[target] = candidate;
          from[target] = { node: source, emitting: isEmitting, arc: a };
        }
      }
    }
    for (let node = 0; node < n; node++) {
      if (scores[node] !== LOG_ZERO) scores[node] += acousticScale * emissionScore(t, graph.emission[node]);
    }
    const after = new Array<number>(n).fill(LOG_ZERO);
    const afterFrom: (Cell | undefined)[] = new Array<Cell | undefined>(n).fill(undefined);
    for (let source = 0; source < n; source++) {
      if (scores[source] === LOG_ZERO) continue;
      for (let a = graph.arcStart[source]; a < graph.arcStart[source + 1]; a++) {
        const target = graph.arcTo[a];
        if (graph.emission[target] >= 0) continue;
        const candidate = scores[source] + graph.arcLogProb[a];
        if (candidate > after[target]) {
          after[target] = candidate;
          afterFrom[target] = { node: source, emitting: true, arc: a };
        }
      }
    }
    emitting.push(scores);
    emittingFrom.push(from);
    nonEmitting.push(after);
    nonEmittingFrom.push(afterFrom);
    beforeEmitting = scores;
    before = after;
  }

  /** Word labels (with end frames) on the best path into (frame, node), oldest first. */
  const traceback = (frame: number, node: number, isEmitting: boolean): { label: number; endFrame: number }[] => {
    const labels: { label: number; endFrame: number }[] = [];
    let t = frame;
    let current = node;
    let inEmitting = isEmitting;
    while (t >= 0) {
      if (inEmitting) {
        const cell = emittingFrom[t][current]!;
        t--;
        current = cell.node;
        inEmitting = cell.emitting;
      } else {
        const cell = nonEmittingFrom[t][current]!;
        if (graph.arcWord[cell.arc] !== NO_WORD) labels.push({ label: graph.arcWord[cell.arc], endFrame: t });
        current = cell.node;
        inEmitting = true;
      }
    }
    return labels.reverse();
  };

  const best = (row: number[], bonus: (node: number) => number): { node: number; score: number } => {
    let node = -1;
    let score = LOG_ZERO;
    for (let i = 0; i < n; i++) {
      const value = row[i] + bonus(i);
      if (row[i] !== LOG_ZERO && value > score) {
        score = value;
        node = i;
      }
    }
    return { node, score };
  };

  /** Whether leaving emitting node `node` through its word's states reaches a final node (plain depth-first search). */
  const endsInFinal = (node: number, seen = new Set<number>()): boolean => {
    seen.add(node);
    for (let a = graph.arcStart[node]; a < graph.arcStart[node + 1]; a++) {
      const to = graph.arcTo[a];
      if (graph.emission[to] < 0) {
        if (graph.finalLogProb[to] > LOG_ZERO) return true;
      } else if (!seen.has(to) && endsInFinal(to, seen)) return true;
    }
    return false;
  };

  let words: ReferenceWord[] = [];
  let score = LOG_ZERO;
  let endedInsideWord = false;
  if (frameCount > 0) {
    const last = frameCount - 1;
    let end = best(nonEmitting[last], (node) => graph.finalLogProb[node]);
    let isEmitting = false;
    if (end.node < 0) {
      end = best(emitting[last], (node) => (endsInFinal(node) ? 0 : LOG_ZERO));
      isEmitting = true;
    }
    if (end.node >= 0) {
      score = end.score;
      endedInsideWord = isEmitting;
      const labels = traceback(last, end.node, isEmitting);
      words = labels
        .map((label, i) => ({ label: label.label, startFrame: i === 0 ? 0 : labels[i - 1].endFrame + 1, endFrame: label.endFrame }))
        .filter((entry) => entry.label !== SILENCE_WORD)
        .map((entry) => ({ word: graph.words[entry.label], startFrame: entry.startFrame, endFrame: entry.endFrame }));
      if (isEmitting && graph.wordOfNode[end.node] >= 0) {
        words.push({ word: graph.words[graph.wordOfNode[end.node]], startFrame: labels.length === 0 ? 0 : labels[labels.length - 1].endFrame + 1, endFrame: last });
      }
    }
  }

  return {
    words,
    score,
    endedInsideWord,
    partialAt(frame: number): string[] {
      const { node } = best(emitting[frame], () => 0);
      if (node < 0) return [];
      const out = traceback(frame, node, true)
        .filter((entry) => entry.label !== SILENCE_WORD)
        .map((entry) => graph.words[entry.label]);
      if (graph.wordOfNode[node] >= 0) out.push(graph.words[graph.wordOfNode[node]]);
      return out;
    },
  };
}
