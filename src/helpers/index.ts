/**
 * helpers — the table of helper functions: id, name, prototype (for the
 * verifier) and implementation (for the VM).
 */
export * from './table.js';
export * from './map-helpers.js';
export * from './packet-helpers.js';
export * from './trace-pipe.js';
export * from './printk.js';
export * from './callback-helpers.js';
export * from './sync-helpers.js';
export * from './definitions.js';
