/**
 * The in-memory speech model: everything decoding and training need besides the audio. The
 * front-end configuration travels with the model so features always match; the units' HMMs and
 * their emission GMMs, the lexicon, the live-CMN prior and the provenance complete it.
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import type { FrontEndConfig } from '../features/front-end.ts';
import type { Lexicon, UnitHmm } from '../graph/unit-hmm.ts';

export interface ModelProvenance {
  /** What the model was trained on, in words. */
  readonly data: string;
  /** The command that trained it. */
  readonly command: string;
  /** ISO date of training. */
  readonly date: string;
  /** Measured accuracy figures, free-form key → value. */
  readonly accuracy: Readonly<Record<string, string | number>>;
  /** Anything else worth knowing (augmentation, duration of training). */
  readonly notes?: string;
}

export interface SpeechModel {
  readonly name: string;
  readonly frontEnd: FrontEndConfig;
  /** Every unit, silence included, in emission order. */
  readonly units: readonly UnitHmm[];
  /** Name of the silence unit. */
  readonly silenceUnit: string;
  /** One GMM per emitting state of every unit: units[u].emissions index into this. */
  readonly gmms: readonly DiagonalGmm[];
  readonly lexicon: Lexicon;
  /** Starting mean of live CMN, one value per static cepstrum. */
  readonly cmnPriorMean: Float64Array;
  readonly provenance: ModelProvenance;
}

/** Units by name. */
export function unitsByName(model: Pick<SpeechModel, 'units'>): Map<string, UnitHmm> {
  return new Map(model.units.map((unit) => [unit.name, unit]));
}

/** Global id of each unit's first state (states numbered unit by unit, in order). */
export function unitStateBases(units: readonly UnitHmm[]): Map<UnitHmm, number> {
  const bases = new Map<UnitHmm, number>();
  let next = 0;
  for (const unit of units) {
    bases.set(unit, next);
    next += unit.emissions.length;
  }
  return bases;
}
