/**
 * isa — the BPF instruction set (RFC 9669) as data: opcode constants,
 * instruction records with a normalised operation, and the byte codec.
 */
export * from './opcodes.js';
export * from './instruction.js';
export * from './errors.js';
export * from './codec.js';
export * from './helper-ids.js';
