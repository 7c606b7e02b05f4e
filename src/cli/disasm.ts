/** `tsbpf disasm FILE [--syntax llvm|conformance]` — print a program as assembly. */
import { parseArgs } from 'node:util';
import { disassemble, type Syntax } from '../asm/index.js';
import { type Command, UsageError } from './command.js';
import { readFile } from 'node:fs/promises';
import { disassembleObject, loadObject } from '../object/index.js';
import { detectProgramFile, readProgram } from './source.js';

const USAGE = 'usage: tsbpf disasm FILE [--syntax llvm|conformance] [--numbered] [--no-source]\n' +
  '  FILE is assembly, raw bytecode or an ELF object (every program, with symbols and source lines)\n';

export const disasmCommand: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      syntax: { type: 'string', default: 'llvm' }, numbered: { type: 'boolean', short: 'n' }, 'no-source': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  if (values.syntax !== 'llvm' && values.syntax !== 'conformance') throw new UsageError(`--syntax must be llvm or conformance, not '${values.syntax}'`);
  const bytes = new Uint8Array(await readFile(positionals[0]!));
  if (detectProgramFile(positionals[0]!, bytes) === 'elf') {
    io.stdout.write(disassembleObject(loadObject(bytes), { syntax: values.syntax as Syntax, source: !values['no-source'] }));
    return 0;
  }
  const program = await readProgram(positionals[0]!);
  io.stdout.write(disassemble(program, { syntax: values.syntax as Syntax, numbered: values.numbered ?? false }));
  return 0;
};
