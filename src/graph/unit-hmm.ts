/**
 * Left-to-right HMMs for the units words are made of (whole words for digits, phones later) and
 * the lexicon that spells words in units. Each unit has N emitting states between a
 * non-emitting entry and exit; state j loops to itself or moves on to j + 1 (the last state
 * moves on to the exit). Transition scores are natural logs.
 */
import { BeamlineError, ERROR_CODES } from '../errors.ts';

export interface UnitHmm {
  /** Unit name, unique in a model ("seven", "sil", or a phone). */
  readonly name: string;
  /** Emission (GMM) index of each emitting state, in order. */
  readonly emissions: readonly number[];
  /** log P(stay in state j). */
  readonly logSelfLoop: Float64Array;
  /** log P(leave state j forward); for the last state, P(exit). */
  readonly logForward: Float64Array;
}

/** Word → units. Digits map each word to its own whole-word unit. */
export type Lexicon = ReadonlyMap<string, readonly string[]>;

/** A unit with `states` states whose self-loop probability is `selfLoop`. */
export function leftToRightHmm(name: string, firstEmission: number, states: number, selfLoop = 0.5): UnitHmm {
  const emissions = Array.from({ length: states }, (_, j) => firstEmission + j);
  return {
    name,
    emissions,
    logSelfLoop: new Float64Array(states).fill(Math.log(selfLoop)),
    logForward: new Float64Array(states).fill(Math.log(1 - selfLoop)),
  };
}

/** Sets a state's self-loop probability (its forward probability is the complement). */
export function setSelfLoop(unit: UnitHmm, state: number, probability: number): void {
  unit.logSelfLoop[state] = Math.log(probability);
  unit.logForward[state] = Math.log(1 - probability);
}

/** The units of a word sequence, by the lexicon; an unknown word is an error naming it. */
export function spell(words: readonly string[], lexicon: Lexicon, units: ReadonlyMap<string, UnitHmm>): UnitHmm[] {
  const out: UnitHmm[] = [];
  for (const word of words) {
    const spelling = lexicon.get(word);
    if (spelling === undefined) {
      throw new BeamlineError(ERROR_CODES.UNKNOWN_WORD, `the word ${JSON.stringify(word)} is not in the model's vocabulary (${[...lexicon.keys()].join(' ')})`);
    }
    for (const name of spelling) {
      const unit = units.get(name);
      if (unit === undefined) throw new BeamlineError(ERROR_CODES.MODEL_INVALID, `the lexicon spells ${JSON.stringify(word)} with unknown unit ${JSON.stringify(name)}`);
      out.push(unit);
    }
  }
  return out;
}
