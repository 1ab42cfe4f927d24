/**
 * Static cepstra → cepstra + Δ + ΔΔ (13 → 39 by default), the last front-end stage. Uses the HTK
 * regression formula d_t = Σ_{n=1..N} n (c_{t+n} − c_{t−n}) / (2 Σ n²), with frames before the
 * first and after the last replaced by the first and last (edge replication); ΔΔ is the same
 * regression over Δ, with its own half-window M (default N).
 *
 * Contract: `push(block)` returns frame t once frame t + latencyFrames has arrived (the Δ window
 * N, plus the ΔΔ window M with order 2); `finish()` returns the held-back frames, replicating the
 * last frame; `reset()` starts a new stream. Output frames are computed by one formula whatever
 * the chunking, so any split of the input gives bit-identical output. Only a ring of
 * 2 · latencyFrames + 1 frames is kept.
 */
import { checkInteger, checkKnownFields, checkObject } from '../config.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import { emptyBlock, type FrameBlock } from '../frames/frame-block.ts';

export interface DeltaConfig {
  /** Regression half-window N of Δ, frames. Range 1–5. Default 2. Larger: smoother, more latency. */
  readonly window: number;
  /** Half-window of ΔΔ (the regression over Δ), frames, 1–5; absent: `window` (HTK's ACCWINDOW). */
  readonly accelerationWindow?: number;
  /** 0: statics only; 1: + Δ; 2: + Δ + ΔΔ. Default 2. */
  readonly order: number;
}

export const DEFAULT_DELTA_CONFIG: DeltaConfig = { window: 2, order: 2 };

export function validateDeltaConfig(value: unknown, owner = 'deltas'): DeltaConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['window', 'accelerationWindow', 'order']);
  checkInteger(owner, 'window', config.window, 1, 5);
  if (config.accelerationWindow !== undefined) checkInteger(owner, 'accelerationWindow', config.accelerationWindow, 1, 5);
  checkInteger(owner, 'order', config.order, 0, 2);
  return config as unknown as DeltaConfig;
}

export class DeltaStage {
  readonly config: DeltaConfig;
  readonly inputWidth: number;
  readonly width: number;
  readonly latencyFrames: number;
  private readonly ring: Float32Array;
  private readonly ringFrames: number;
  /** Δ's window and ΔΔ's. */
  private readonly window: number;
  private readonly accelerationWindow: number;
  private readonly denominator: number;
  private readonly accelerationDenominator: number;
  /** Δ at τ = t − M .. t + M for one dimension, M the ΔΔ window (scratch for ΔΔ). */
  private readonly localDeltas: Float64Array;
  /** Ring rows of frames τ + n and τ − n for each Δ of the frame being written (scratch). */
  private readonly plusRows: Int32Array;
  private readonly minusRows: Int32Array;
  private framesIn = 0;
  private framesOut = 0;
  private finished = false;

  constructor(inputWidth: number, config: Partial<DeltaConfig> = {}) {
    this.config = validateDeltaConfig({ ...DEFAULT_DELTA_CONFIG, ...config });
    const { window, order } = this.config;
    const accelerationWindow = this.config.accelerationWindow ?? window;
    this.window = window;
    this.accelerationWindow = accelerationWindow;
    this.inputWidth = inputWidth;
    this.width = inputWidth * (order + 1);
    this.latencyFrames = order === 0 ? 0 : order === 1 ? window : window + accelerationWindow;
    this.ringFrames = 2 * this.latencyFrames + 1;
    this.ring = new Float32Array(this.ringFrames * inputWidth);
    const regressionDenominator = (n: number): number => (n * (n + 1) * (2 * n + 1)) / 3; // 2 Σ_{k=1..n} k²
    this.denominator = regressionDenominator(window);
    this.accelerationDenominator = regressionDenominator(accelerationWindow);
    this.localDeltas = new Float64Array(2 * accelerationWindow + 1);
    this.plusRows = new Int32Array((2 * accelerationWindow + 1) * window);
    this.minusRows = new Int32Array((2 * accelerationWindow + 1) * window);
  }

  push(block: FrameBlock): FrameBlock {
    if (this.finished) {
      throw new BeamlineError(ERROR_CODES.LIFECYCLE, 'DeltaStage.push() after finish(); call reset() to start a new stream');
    }
    const ready = Math.max(0, this.framesIn + block.count - this.latencyFrames - this.framesOut);
    const out = ready === 0 ? emptyBlock(this.width, this.framesOut) : this.allocate(ready);
    let written = 0;
    for (let f = 0; f < block.count; f++) {
      const slot = (this.framesIn % this.ringFrames) * this.inputWidth;
      for (let d = 0; d < this.inputWidth; d++) this.ring[slot + d] = block.data[f * this.inputWidth + d];
      this.framesIn++;
      // Frame t is complete once t + latency has arrived; emitting it now, before the ring slot
      // of t − latency is overwritten by later input, keeps the ring at 2·latency + 1 frames.
      if (this.framesIn - 1 - this.latencyFrames >= this.framesOut) {
        this.emit(out.data, written++);
      }
    }
    return out;
  }

  finish(): FrameBlock {
    this.finished = true;
    const remaining = this.framesIn - this.framesOut;
    if (remaining === 0) return emptyBlock(this.width, this.framesOut);
    const out = this.allocate(remaining);
    for (let i = 0; i < remaining; i++) this.emit(out.data, i);
    return out;
  }

  reset(): void {
    this.framesIn = 0;
    this.framesOut = 0;
    this.finished = false;
  }

  private allocate(count: number): FrameBlock {
    return { data: new Float32Array(count * this.width), count, width: this.width, firstFrame: this.framesOut };
  }

  /** Ring offset of static frame τ, with edge replication. */
  private rowOf(tau: number): number {
    const last = this.framesIn - 1;
    const t = tau < 0 ? 0 : tau > last ? last : tau;
    return (t % this.ringFrames) * this.inputWidth;
  }

  /**
   * Writes output frame `framesOut` at row `row` of `out`. The ring rows each regression reads
   * are found once per frame (`plusRows`, `minusRows`: for Δ at t + k, k = −N..N, the rows of
   * frames t + k ± n), so the per-dimension loops only add.
   */
  private emit(out: Float32Array, row: number): void {
    const t = this.framesOut++;
    const { order } = this.config;
    const width = this.inputWidth;
    const base = row * this.width;
    const { ring, plusRows, minusRows, localDeltas, denominator, accelerationDenominator, window, accelerationWindow } = this;
    const centre = this.rowOf(t);
    const last = this.framesIn - 1;
    const deltaFrames = order === 2 ? accelerationWindow : 0;
    for (let k = -deltaFrames; k <= deltaFrames; k++) {
      // Δ at a frame beyond the edges is Δ at the edge frame, as HTK replicates.
      const tau = Math.min(Math.max(t + k, 0), last);
      for (let n = 1; n <= window; n++) {
        plusRows[(k + deltaFrames) * window + n - 1] = this.rowOf(tau + n);
        minusRows[(k + deltaFrames) * window + n - 1] = this.rowOf(tau - n);
      }
    }
    for (let dim = 0; dim < width; dim++) {
      out[base + dim] = ring[centre + dim];
      if (order === 0) continue;
      for (let k = 0; k <= 2 * deltaFrames; k++) {
        let sum = 0;
        for (let n = 1; n <= window; n++) sum += n * (ring[plusRows[k * window + n - 1] + dim] - ring[minusRows[k * window + n - 1] + dim]);
        localDeltas[k] = sum / denominator;
      }
      out[base + width + dim] = localDeltas[deltaFrames];
      if (order === 1) continue;
      let sum = 0;
      for (let n = 1; n <= accelerationWindow; n++) sum += n * (localDeltas[accelerationWindow + n] - localDeltas[accelerationWindow - n]);
      out[base + 2 * width + dim] = sum / accelerationDenominator;
    }
  }
}
