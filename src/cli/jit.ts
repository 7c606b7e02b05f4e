/** `tsbpf jit FILE [--wat] [-o OUT.wasm]` — compile a program to WebAssembly and show or save the module. */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { JitProgram } from '../vm/index.js';
import { type Command, UsageError, parseOptions } from './command.js';
import { readProgram } from './source.js';

const USAGE = 'usage: tsbpf jit FILE [--wat] [-o OUT.wasm]\n  FILE: assembly or raw bytecode; prints the module as WebAssembly text (--wat, default) or writes its bytes\n';

export const jitCommand: Command = async (args, io) => {
  const { values, positionals } = parseOptions(() => parseArgs({
    args, allowPositionals: true,
    options: { wat: { type: 'boolean' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  }), USAGE);
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  await readFile(positionals[0]!); // a missing file is reported before compiling
  const jit = new JitProgram(await readProgram(positionals[0]!), {
    // Map and function references compile to their pseudo values, so the module is shown as compiled.
    resolveLddw: (insn) => insn.imm64 ?? BigInt(insn.imm >>> 0),
  });
  if (values.output) {
    await writeFile(values.output, jit.bytes);
    io.stdout.write(`${jit.bytes.length} bytes, ${jit.compiled.functions.length} function${jit.compiled.functions.length === 1 ? '' : 's'}, compiled in ${jit.compileMs.toFixed(1)} ms\n`);
  }
  if (values.wat || !values.output) io.stdout.write(jit.toWat());
  return 0;
};
