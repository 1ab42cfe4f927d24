/**
 * Emission scores for one frame at a time, pulled by the search: the search asks for the states
 * it reaches, and each GMM is scored on first request and cached until the next frame. States
 * the search has pruned away cost nothing.
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { ExactGmmScorer, type GmmScorer, type GmmScoringKind } from './gmm-scorer.ts';
import { SimdGmmScorer, simdScoringAvailable, simdScoringFits } from './simd-gmm-bank.ts';

/** A scorer of the kind asked for; 'simd' falls back to 'exact' where it cannot run. */
export function gmmScorer(gmms: readonly DiagonalGmm[], kind: GmmScoringKind = 'simd'): GmmScorer {
  return kind === 'simd' && simdScoringFits(gmms) && simdScoringAvailable() ? new SimdGmmScorer(gmms) : new ExactGmmScorer(gmms);
}

export class FrameScorer {
  /** GMM evaluations since construction (for statistics). */
  evaluations = 0;
  readonly kind: GmmScoringKind;
  private readonly scorer: GmmScorer;
  private readonly cache: Float64Array;
  /** Frame serial number for which cache[i] is valid. */
  private readonly cachedFor: Float64Array;
  private serial = 0;

  constructor(gmms: readonly DiagonalGmm[], kind: GmmScoringKind = 'simd') {
    this.scorer = gmmScorer(gmms, kind);
    this.kind = this.scorer.kind;
    this.cache = new Float64Array(gmms.length);
    this.cachedFor = new Float64Array(gmms.length).fill(-1);
  }

  /** Points the scorer at the next frame: `data[offset ..]` holds its features (not copied: keep it unchanged until the next call). */
  setFrame(data: Float32Array, offset: number): void {
    this.scorer.setFrame(data, offset);
    this.serial++;
  }

  /** log p(frame | GMM `index`). */
  score(index: number): number {
    if (this.cachedFor[index] !== this.serial) {
      this.cache[index] = this.scorer.score(index);
      this.cachedFor[index] = this.serial;
      this.evaluations++;
    }
    return this.cache[index];
  }
}
