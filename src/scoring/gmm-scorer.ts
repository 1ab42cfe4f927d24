/**
 * How the emission scores of one frame are computed: either in double precision by each
 * DiagonalGmm itself ('exact', the reference), or by the WebAssembly SIMD kernel over all the
 * model's mixtures at once ('simd', the default: about five times faster, single-precision
 * sums, within 1e-3 of the exact scores). 'simd' falls back to 'exact' where the runtime has no
 * WebAssembly SIMD or the mixtures are too large for the kernel's buffers.
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';

export type GmmScoringKind = 'simd' | 'exact';

export const GMM_SCORING_KINDS: readonly GmmScoringKind[] = ['simd', 'exact'];

/** Scores one frame at a time against a fixed list of mixtures. */
export interface GmmScorer {
  readonly kind: GmmScoringKind;
  /** Points the scorer at the frame `data[offset ..]` (not copied: keep it unchanged until the next call). */
  setFrame(data: Float32Array, offset: number): void;
  /** log p(frame | mixture `index`). */
  score(index: number): number;
}

export class ExactGmmScorer implements GmmScorer {
  readonly kind = 'exact';
  private data: Float32Array = new Float32Array(0);
  private offset = 0;

  constructor(private readonly gmms: readonly DiagonalGmm[]) {}

  setFrame(data: Float32Array, offset: number): void {
    this.data = data;
    this.offset = offset;
  }

  score(index: number): number {
    return this.gmms[index].logLikelihood(this.data, this.offset);
  }
}
