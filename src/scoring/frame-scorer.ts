/**
 * Emission scores for one frame at a time, pulled by the search: the search asks for the states
 * it reaches, and each GMM is scored on first request and cached until the next frame. States
 * the search has pruned away cost nothing.
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';

export class FrameScorer {
  /** GMM evaluations since construction (for statistics). */
  evaluations = 0;
  private readonly gmms: readonly DiagonalGmm[];
  private readonly cache: Float64Array;
  /** Frame serial number for which cache[i] is valid. */
  private readonly cachedFor: Float64Array;
  private serial = 0;
  private data: Float32Array = new Float32Array(0);
  private offset = 0;

  constructor(gmms: readonly DiagonalGmm[]) {
    this.gmms = gmms;
    this.cache = new Float64Array(gmms.length);
    this.cachedFor = new Float64Array(gmms.length).fill(-1);
  }

  /** Points the scorer at the next frame: `data[offset ..]` holds its features (not copied: keep it unchanged until the next call). */
  setFrame(data: Float32Array, offset: number): void {
    this.data = data;
    this.offset = offset;
    this.serial++;
  }

  /** log p(frame | GMM `index`). */
  score(index: number): number {
    if (this.cachedFor[index] !== this.serial) {
      this.cache[index] = this.gmms[index].logLikelihood(this.data, this.offset);
      this.cachedFor[index] = this.serial;
      this.evaluations++;
    }
    return this.cache[index];
  }
}
