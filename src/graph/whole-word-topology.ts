/**
 * Whole-word model topologies: one left-to-right unit per word (the lexicon spells each word as
 * itself) plus a silence unit. The digits' state counts follow their length in phones, three
 * states per phone, as whole-word digit recognisers (TIDIGITS systems) commonly do.
 */
import { leftToRightHmm, type Lexicon, type UnitHmm } from './unit-hmm.ts';

export interface WholeWordTopology {
  readonly units: UnitHmm[];
  readonly silenceUnit: string;
  readonly lexicon: Lexicon;
}

/** Phones in each digit word (z-iy-r-ow, w-ah-n, …). */
export const DIGIT_PHONE_COUNTS: Readonly<Record<string, number>> = {
  zero: 4,
  one: 3,
  two: 2,
  three: 3,
  four: 3,
  five: 3,
  six: 4,
  seven: 5,
  eight: 2,
  nine: 3,
};

export const DIGIT_WORDS = Object.keys(DIGIT_PHONE_COUNTS);

export const SILENCE_UNIT = 'sil';

export interface WholeWordOptions {
  /** States per phone. Default 3. */
  readonly statesPerPhone?: number;
  /** States of the silence unit. Default 3. */
  readonly silenceStates?: number;
}

/** Units for `words` (name → phone count), then silence. Emissions are numbered in that order. */
export function wholeWordTopology(phoneCounts: Readonly<Record<string, number>>, options: WholeWordOptions = {}): WholeWordTopology {
  const statesPerPhone = options.statesPerPhone ?? 3;
  const units: UnitHmm[] = [];
  let nextEmission = 0;
  for (const [word, phones] of Object.entries(phoneCounts)) {
    const states = phones * statesPerPhone;
    units.push(leftToRightHmm(word, nextEmission, states));
    nextEmission += states;
  }
  units.push(leftToRightHmm(SILENCE_UNIT, nextEmission, options.silenceStates ?? 3));
  const lexicon = new Map(Object.keys(phoneCounts).map((word) => [word, [word]]));
  return { units, silenceUnit: SILENCE_UNIT, lexicon };
}
