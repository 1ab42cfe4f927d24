/**
 * The HMM of one utterance for training and forced alignment: the units of its words joined in
 * order, with optional silence before, between and after the words. Only emitting states appear;
 * the non-emitting entries and exits of the units are folded into the arcs, so the graph is a
 * list of states (in topological order, self-loops aside) and arcs between them.
 *
 * Every arc remembers which unit-state transition it uses (`arcTransition`), so occupancy counts
 * gathered on the graph flow back to the shared unit parameters.
 */
import { LOG_ZERO } from '../math/log-space.ts';
import type { UnitHmm } from './unit-hmm.ts';

/** Index of a unit-state transition: 2 × global state + 0 (self-loop) or 1 (forward). */
export type TransitionRef = number;

export interface UtteranceGraph {
  readonly stateCount: number;
  /** Emission (GMM) index per state. */
  readonly emissions: Int32Array;
  /** Word index (position in the transcript) per state; −1 for silence. */
  readonly wordOf: Int32Array;
  /** Unit-state id per state (for state boundaries and transition counts). */
  readonly unitStateOf: Int32Array;
  /** Log score of starting in each state. */
  readonly initial: Float64Array;
  /** Log score of ending after each state. */
  readonly final: Float64Array;
  /** Transition used by the exit from each state (−1 where final is −∞). */
  readonly finalTransition: Int32Array;
  readonly arcFrom: Int32Array;
  readonly arcTo: Int32Array;
  readonly arcLogProb: Float64Array;
  readonly arcTransition: Int32Array;
}

export interface UtteranceGraphOptions {
  /** Probability of taking each optional silence. Default 0.5. 0 leaves silence out entirely. */
  readonly silenceProbability?: number;
}

interface Segment {
  readonly unit: UnitHmm;
  readonly word: number;
  readonly optional: boolean;
}

/**
 * `units[i]` are the units of word i; `silence` is the silence unit (or undefined for none).
 * `unitStateBase` maps each unit to the global id of its first state (for transition counts).
 */
export function buildUtteranceGraph(
  words: readonly (readonly UnitHmm[])[],
  silence: UnitHmm | undefined,
  unitStateBase: ReadonlyMap<UnitHmm, number>,
  options: UtteranceGraphOptions = {},
): UtteranceGraph {
  const silenceProbability = silence === undefined ? 0 : (options.silenceProbability ?? 0.5);
  const segments: Segment[] = [];
  const addSilence = (): void => {
    if (silence !== undefined && silenceProbability > 0) segments.push({ unit: silence, word: -1, optional: true });
  };
  addSilence();
  words.forEach((units, word) => {
    for (const unit of units) segments.push({ unit, word, optional: false });
    addSilence();
  });

  const firstState: number[] = [];
  let stateCount = 0;
  for (const segment of segments) {
    firstState.push(stateCount);
    stateCount += segment.unit.emissions.length;
  }
  const emissions = new Int32Array(stateCount);
  const wordOf = new Int32Array(stateCount);
  const unitStateOf = new Int32Array(stateCount);
  const initial = new Float64Array(stateCount).fill(LOG_ZERO);
  const final = new Float64Array(stateCount).fill(LOG_ZERO);
  const finalTransition = new Int32Array(stateCount).fill(-1);
  const from: number[] = [];
  const to: number[] = [];
  const logProb: number[] = [];
  const transition: number[] = [];
  const arc = (a: number, b: number, score: number, ref: number): void => {
    if (score === LOG_ZERO) return;
    from.push(a);
    to.push(b);
    logProb.push(score);
    transition.push(ref);
  };
  const logTake = Math.log(silenceProbability);
  const logSkip = Math.log(1 - silenceProbability);

  /**
   * Where the path may go on leaving segment `index`: each reachable next segment's first state
   * with the log score of the choices made on the way (taking or skipping optional silences),
   * and the exit (state −1) if every later segment is optional.
   */
  const successors = (index: number): { state: number; score: number }[] => {
    const out: { state: number; score: number }[] = [];
    let carried = 0;
    for (let next = index + 1; next <= segments.length; next++) {
      if (next === segments.length) {
        out.push({ state: -1, score: carried });
        break;
      }
      const segment = segments[next];
      if (segment.optional) {
        out.push({ state: firstState[next], score: carried + logTake });
        carried += logSkip;
        continue;
      }
      out.push({ state: firstState[next], score: carried });
      break;
    }
    return out;
  };

  for (const { state, score } of successors(-1)) if (state >= 0) initial[state] = score;
  segments.forEach((segment, index) => {
    const base = unitStateBase.get(segment.unit);
    if (base === undefined) throw new RangeError(`unit ${segment.unit.name} has no state numbering`);
    const n = segment.unit.emissions.length;
    for (let j = 0; j < n; j++) {
      const state = firstState[index] + j;
      emissions[state] = segment.unit.emissions[j];
      wordOf[state] = segment.word;
      unitStateOf[state] = base + j;
      arc(state, state, segment.unit.logSelfLoop[j], 2 * (base + j));
      const forward = segment.unit.logForward[j];
      const forwardRef = 2 * (base + j) + 1;
      if (j + 1 < n) {
        arc(state, state + 1, forward, forwardRef);
        continue;
      }
      for (const next of successors(index)) {
        if (next.state < 0) {
          final[state] = forward + next.score;
          finalTransition[state] = forwardRef;
        } else {
          arc(state, next.state, forward + next.score, forwardRef);
        }
      }
    }
  });
  return {
    stateCount,
    emissions,
    wordOf,
    unitStateOf,
    initial,
    final,
    finalTransition,
    arcFrom: Int32Array.from(from),
    arcTo: Int32Array.from(to),
    arcLogProb: Float64Array.from(logProb),
    arcTransition: Int32Array.from(transition),
  };
}
