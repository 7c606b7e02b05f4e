/**
 * maps — the kernel's map types in the runtime's address space, with the
 * kernel's flags and errors; the user-side API and its conveniences.
 */
export * from './map.js';
export * from './create.js';
export * from './convenience.js';
export { ArrayMap } from './array-map.js';
export { HashMap } from './hash-map.js';
export { LpmTrie } from './lpm-trie-map.js';
export { QueueMap } from './queue-map.js';
export { BloomFilter } from './bloom-filter.js';
export * from './ringbuf.js';
export * from './perf-event-array.js';
export * from './slot-maps.js';
