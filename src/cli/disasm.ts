/** `tsbpf disasm FILE [--syntax llvm|conformance]` — print a program as assembly. */
import { parseArgs } from 'node:util';
import { disassemble, type Syntax } from '../asm/index.js';
import { type Command, UsageError } from './command.js';
import { readProgram } from './source.js';

const USAGE = 'usage: tsbpf disasm FILE [--syntax llvm|conformance] [--numbered]\n';

export const disasmCommand: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { syntax: { type: 'string', default: 'llvm' }, numbered: { type: 'boolean', short: 'n' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  if (values.syntax !== 'llvm' && values.syntax !== 'conformance') throw new UsageError(`--syntax must be llvm or conformance, not '${values.syntax}'`);
  const program = await readProgram(positionals[0]!);
  io.stdout.write(disassemble(program, { syntax: values.syntax as Syntax, numbered: values.numbered ?? false }));
  return 0;
};
