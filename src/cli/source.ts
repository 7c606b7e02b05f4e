/**
 * Reading a program file the CLI was given: a conformance `.data` file,
 * assembly text or raw bytecode (ELF objects are recognised and sent to the
 * object commands).
 */
import { readFile } from 'node:fs/promises';
import { assemble } from '../asm/index.js';
import { type Instruction, decodeProgram } from '../isa/index.js';
import { UsageError } from './command.js';

/** What kind of program a file holds, judged by its name and bytes. */
export type ProgramFileKind = 'elf' | 'data' | 'asm' | 'raw';

/** ELF by magic; `.data` by extension or a `-- asm`/`-- raw` header; printable text is assembly; anything else raw slots. */
export function detectProgramFile(name: string, bytes: Uint8Array): ProgramFileKind {
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return 'elf';
  if (name.endsWith('.data')) return 'data';
  const printable = bytes.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f) || b >= 0x80);
  if (!printable || bytes.length === 0) return 'raw';
  const text = new TextDecoder().decode(bytes);
  return /^\s*--\s*(asm|raw)\b/m.test(text) ? 'data' : 'asm';
}

/** Reads raw bytecode or assembly from `path` into slot-indexed instructions. */
export async function readProgram(path: string): Promise<Instruction[]> {
  const bytes = new Uint8Array(await readFile(path));
  switch (detectProgramFile(path, bytes)) {
    case 'elf': throw new UsageError(`${path} is an ELF object: use 'tsbpf inspect' to list its programs`);
    case 'data': throw new UsageError(`${path} is a conformance .data file: use 'tsbpf run' or 'tsbpf conformance'`);
    case 'asm': return assemble(Buffer.from(bytes).toString('utf8'));
    default: return decodeProgram(bytes);
  }
}
