/**
 * memory — the one address space (a WebAssembly.Memory) that programs, maps,
 * helpers and the user share; a BPF pointer is an address in it.
 */
export * from './address-space.js';
