/**
 * maps — the kernel's map types in the runtime's address space, with the
 * kernel's flags and errors; the user-side API and its conveniences.
 */
export * from './map.js';
export * from './create.js';
export * from './convenience.js';
export * from './array-map.js';
export * from './hash-map.js';
export * from './lpm-trie-map.js';
export * from './queue-map.js';
export * from './bloom-filter.js';
export * from './ringbuf.js';
export * from './perf-event-array.js';
export * from './slot-maps.js';
