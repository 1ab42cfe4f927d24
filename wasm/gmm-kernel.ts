/**
 * The GMM scoring kernel, in AssemblyScript, compiled to WebAssembly with 128-bit SIMD
 * (`npm run build:wasm` writes src/scoring/gmm-kernel-wasm.ts; a test checks the two agree).
 * It computes, four dimensions at a time in single precision, every component's
 *
 *   g_k − ½ Σ_d (x_d − μ_kd)² λ_kd
 *
 * of one diagonal-covariance mixture for the frame in FRAME. The log-sum-exp over components
 * stays in JavaScript (src/scoring/simd-gmm-bank.ts): it needs exp and log, whose WebAssembly
 * versions would bring kilobytes of tables and make the module too large to compile
 * synchronously on a browser's main thread.
 *
 * Layout of one mixture at `gmm` (bytes, 16-aligned), for each component k in turn:
 *   f64 g_k, 8 bytes of padding, `blocks` × 4 f32 means, `blocks` × 4 f32 precisions (1/σ²),
 * where blocks = ceil(dim / 4), with the padding lanes' precisions zero.
 */

/** The frame being scored: blocks × 4 f32, written by JavaScript. 39 values need 160 bytes. */
const FRAME = memory.data(1024, 16);
/** Output: each component's log(w_k N(x; μ_k, Σ_k)) as f64, written by scoreComponents. */
const COMPONENT_SCORES = memory.data(2048, 16);

export function frameBuffer(): usize {
  return FRAME;
}

export function componentScores(): usize {
  return COMPONENT_SCORES;
}

/** First free byte for the mixtures' parameters (after the static buffers), 16-aligned. */
export function parameterBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** Writes every component's score to COMPONENT_SCORES and returns the largest. */
export function scoreComponents(gmm: usize, components: i32, blocks: i32): f64 {
  let best: f64 = -Infinity;
  const half = (<usize>blocks) << 4;
  let row = gmm;
  for (let k = 0; k < components; k++) {
    let mean = row + 16;
    let precision = mean + half;
    let x = FRAME;
    // Two accumulators so consecutive multiply-adds do not wait on each other.
    let sum0 = f32x4.splat(0);
    let sum1 = f32x4.splat(0);
    let b = 0;
    for (; b + 1 < blocks; b += 2) {
      const d0 = f32x4.sub(v128.load(x), v128.load(mean));
      const d1 = f32x4.sub(v128.load(x, 16), v128.load(mean, 16));
      sum0 = f32x4.add(sum0, f32x4.mul(f32x4.mul(d0, d0), v128.load(precision)));
      sum1 = f32x4.add(sum1, f32x4.mul(f32x4.mul(d1, d1), v128.load(precision, 16)));
      mean += 32;
      precision += 32;
      x += 32;
    }
    if (b < blocks) {
      const d0 = f32x4.sub(v128.load(x), v128.load(mean));
      sum0 = f32x4.add(sum0, f32x4.mul(f32x4.mul(d0, d0), v128.load(precision)));
    }
    const sum = f32x4.add(sum0, sum1);
    const quadratic =
      <f64>f32x4.extract_lane(sum, 0) + <f64>f32x4.extract_lane(sum, 1) + <f64>f32x4.extract_lane(sum, 2) + <f64>f32x4.extract_lane(sum, 3);
    const score = load<f64>(row) - 0.5 * quadratic;
    store<f64>(COMPONENT_SCORES + ((<usize>k) << 3), score);
    if (score > best) best = score;
    row += 16 + (half << 1);
  }
  return best;
}
