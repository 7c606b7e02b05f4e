/**
 * runtime — the userspace target: maps and programs in one address space,
 * helpers, contexts of the program types, and test-run.
 */
export * from './runtime.js';
export * from './registry.js';
export * from './context.js';
