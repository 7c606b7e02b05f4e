/**
 * Reading a program file the CLI was given: raw bytecode or assembly text
 * (ELF objects are recognised and sent to the object loader's commands).
 */
import { readFile } from 'node:fs/promises';
import { assemble } from '../asm/index.js';
import { type Instruction, decodeProgram } from '../isa/index.js';
import { UsageError } from './command.js';

export type SourceKind = 'elf' | 'bytecode' | 'assembly';

/** Raw bytecode is binary; assembly and .data files are printable text. */
export function sourceKind(bytes: Uint8Array): SourceKind {
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return 'elf';
  const printable = bytes.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return printable && bytes.length > 0 ? 'assembly' : 'bytecode';
}

/** Reads raw bytecode or assembly from `path` into slot-indexed instructions. */
export async function readProgram(path: string): Promise<Instruction[]> {
  const bytes = new Uint8Array(await readFile(path));
  switch (sourceKind(bytes)) {
    case 'elf': throw new UsageError(`${path} is an ELF object: use 'tsbpf inspect' to list its programs`);
    case 'assembly': return assemble(Buffer.from(bytes).toString('utf8'));
    default: return decodeProgram(bytes);
  }
}
