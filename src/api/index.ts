/** api — the library's front door: a BCC-style facade over both targets. */
export { BPF, Table, formatLog2Histogram, type LoadOptions, type Target } from './bpf.js';
