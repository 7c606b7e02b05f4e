/**
 * interpreter — the reference execution engine: exact RFC 9669 semantics,
 * instruction by instruction, on an AddressSpace.
 */
export { Interpreter, interpret } from './interpreter.js';
export * from './errors.js';
export * from './types.js';
