/**
 * vm — execution of BPF programs: the interpreter (the reference) and, beside
 * it, the WebAssembly JIT; both offer the same {@link Executable} run contract.
 */
export * from './interpreter/index.js';
export * from './jit/index.js';
