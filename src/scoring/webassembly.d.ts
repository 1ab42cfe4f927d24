/**
 * The few WebAssembly JS-API types the engine uses. src/ compiles against the ES library alone
 * (no DOM, no Node types), which does not declare them, though every runtime beamline targets
 * (Node ≥ 20, current browsers and their workers) provides them.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  function validate(bytes: Uint8Array): boolean;
}
