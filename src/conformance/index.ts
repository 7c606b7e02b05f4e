/**
 * conformance — the bpf_conformance suite's `.data` files: parsing, the
 * helpers the suite expects, and a runner over the interpreter (or any engine).
 */
export * from './parse.js';
export * from './helpers.js';
export * from './runner.js';
