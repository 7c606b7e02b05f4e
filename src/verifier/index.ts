/**
 * Static verification in the kernel's style. So far: the scalar domain
 * (tnums, bounds, ALU and branch transfer functions, log format).
 */
export * from './scalar/index.js';
