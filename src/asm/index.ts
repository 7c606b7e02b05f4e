/**
 * asm — text ⇄ instructions: an assembler for the conformance suite's syntax
 * and LLVM's, a disassembler to both, and a builder for TypeScript.
 */
export { assemble } from './assemble.js';
export type { AssembleOptions } from './assemble.js';
export { disassemble, formatInstruction } from './format.js';
export type { DisassembleOptions, FormatOptions, Syntax } from './format.js';
export { AsmError } from './errors.js';
export type { AsmErrorCode } from './errors.js';
export * from './builder.js';
