/**
 * vm/jit — BPF compiled to WebAssembly over the runtime's memory; the same
 * run contract as the interpreter.
 */
export { JitProgram, type JitOptions } from './jit.js';
export { compileProgram, functionEntries, JitUnsupportedError, TrapCode, type CompiledProgram, type CompileOptions, type InlineArray, type InlineArrayMap, type InlineHashMap } from './compile.js';
export { encodeModule, printModule } from './wasm.js';
