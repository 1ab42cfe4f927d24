/**
 * Mixture scoring by the WebAssembly SIMD kernel (wasm/gmm-kernel.ts): every mixture of a model
 * is copied once into the kernel's memory in single precision, laid out for four-lane loads; per
 * frame the features are copied in (39 numbers) and each mixture the search asks for costs one
 * call that returns its components' scores. The log-sum-exp over components is done here in
 * double precision, by the same function as DiagonalGmm's.
 *
 * One bank (module instance and memory) serves every scorer of the same mixture list, so a
 * server's many sessions share one copy of the parameters; each scorer reloads its own frame
 * when another scorer has used the bank since.
 */
import type { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { LOG_ZERO, logSumExpBelowMax } from '../math/log-space.ts';
import type { GmmScorer } from './gmm-scorer.ts';
import { GMM_KERNEL_WASM } from './gmm-kernel-wasm.ts';

const WASM_PAGE_BYTES = 65536;
/** Sizes of the kernel's static buffers (wasm/gmm-kernel.ts): 1024 bytes of f32 features, 2048 of f64 component scores. */
const MAX_DIM = 256;
const MAX_COMPONENTS = 256;

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  frameBuffer(): number;
  componentScores(): number;
  parameterBase(): number;
  scoreComponents(gmm: number, components: number, blocks: number): number;
}

let kernelModule: WebAssembly.Module | null | undefined;

function compiledKernel(): WebAssembly.Module | null {
  if (kernelModule === undefined) {
    try {
      kernelModule = typeof WebAssembly === 'object' && WebAssembly.validate(GMM_KERNEL_WASM) ? new WebAssembly.Module(GMM_KERNEL_WASM) : null;
    } catch {
      kernelModule = null;
    }
  }
  return kernelModule;
}

/** True when this runtime can run the SIMD kernel (WebAssembly with 128-bit SIMD). */
export function simdScoringAvailable(): boolean {
  return compiledKernel() !== null;
}

/** True when the kernel's buffers can hold these mixtures (all of one width, at most 256 wide and 256 components). */
export function simdScoringFits(gmms: readonly DiagonalGmm[]): boolean {
  const dim = gmms[0]?.dim ?? 0;
  return gmms.length > 0 && dim <= MAX_DIM && gmms.every((gmm) => gmm.dim === dim && gmm.components <= MAX_COMPONENTS);
}

class SimdGmmBank {
  readonly dim: number;
  /** Four-lane blocks per vector: ceil(dim / 4). */
  readonly blocks: number;
  /** Byte offset of each mixture's parameters in the kernel's memory. */
  readonly offsets: Int32Array;
  readonly components: Int32Array;
  /** The kernel's frame buffer and component scores, as views. */
  readonly frame: Float32Array;
  readonly componentScores: Float64Array;
  readonly scoreComponents: (gmm: number, components: number, blocks: number) => number;
  /** The scorer whose frame the kernel's buffer holds, and which of its frames. */
  loadedBy: SimdGmmScorer | null = null;
  loadedSerial = -1;

  constructor(gmms: readonly DiagonalGmm[], module: WebAssembly.Module) {
    const kernel = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
    const dim = gmms[0].dim;
    const blocks = Math.ceil(dim / 4);
    const componentBytes = 16 + 2 * blocks * 16;
    this.dim = dim;
    this.blocks = blocks;
    this.offsets = new Int32Array(gmms.length);
    this.components = new Int32Array(gmms.length);
    const base = kernel.parameterBase();
    let end = base;
    gmms.forEach((gmm, index) => {
      this.offsets[index] = end;
      this.components[index] = gmm.components;
      end += gmm.components * componentBytes;
    });
    const needed = Math.ceil(end / WASM_PAGE_BYTES) - kernel.memory.buffer.byteLength / WASM_PAGE_BYTES;
    if (needed > 0) kernel.memory.grow(needed);
    const buffer = kernel.memory.buffer;
    gmms.forEach((gmm, index) => {
      for (let k = 0; k < gmm.components; k++) {
        const row = this.offsets[index] + k * componentBytes;
        new Float64Array(buffer, row, 1)[0] = gmm.logConstants[k];
        const means = new Float32Array(buffer, row + 16, 4 * blocks);
        const precisions = new Float32Array(buffer, row + 16 + 16 * blocks, 4 * blocks);
        for (let d = 0; d < dim; d++) {
          means[d] = gmm.means[k * dim + d];
          precisions[d] = gmm.inverseVariances[k * dim + d];
        }
        // Padding lanes: mean 0 and precision 0 add nothing.
      }
    });
    this.frame = new Float32Array(buffer, kernel.frameBuffer(), 4 * blocks);
    this.componentScores = new Float64Array(buffer, kernel.componentScores(), MAX_COMPONENTS);
    this.scoreComponents = kernel.scoreComponents;
  }
}

const banks = new WeakMap<readonly DiagonalGmm[], SimdGmmBank>();

export class SimdGmmScorer implements GmmScorer {
  readonly kind = 'simd';
  private readonly bank: SimdGmmBank;
  private data: Float32Array = new Float32Array(0);
  private offset = 0;
  private serial = 0;

  /** Throws when the runtime has no WebAssembly SIMD or the mixtures do not fit (check simdScoringAvailable and simdScoringFits). */
  constructor(gmms: readonly DiagonalGmm[]) {
    const module = compiledKernel();
    if (!module) throw new Error('SimdGmmScorer: this runtime has no WebAssembly SIMD');
    if (!simdScoringFits(gmms)) throw new Error('SimdGmmScorer: the mixtures must share one width ≤ 256 and have ≤ 256 components');
    let bank = banks.get(gmms);
    if (!bank) {
      bank = new SimdGmmBank(gmms, module);
      banks.set(gmms, bank);
    }
    this.bank = bank;
  }

  setFrame(data: Float32Array, offset: number): void {
    this.data = data;
    this.offset = offset;
    this.serial++;
  }

  score(index: number): number {
    const bank = this.bank;
    if (bank.loadedBy !== this || bank.loadedSerial !== this.serial) {
      const { frame, dim } = bank;
      for (let d = 0; d < dim; d++) frame[d] = this.data[this.offset + d];
      bank.loadedBy = this;
      bank.loadedSerial = this.serial;
    }
    const components = bank.components[index];
    const best = bank.scoreComponents(bank.offsets[index], components, bank.blocks);
    if (components === 1 || best === LOG_ZERO) return best;
    return logSumExpBelowMax(bank.componentScores, components, best);
  }
}
