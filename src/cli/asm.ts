/** `tsbpf asm FILE [-o OUT]` — assemble to raw bytecode (8-byte little-endian slots). */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { assemble } from '../asm/index.js';
import { encode } from '../isa/index.js';
import { type Command, UsageError } from './command.js';

const USAGE = 'usage: tsbpf asm FILE [-o OUT]   (without -o, writes FILE with its extension replaced by .bin)\n';

export const asmCommand: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  const input = positionals[0]!;
  const output = values.output ?? `${input.replace(/\.[^./]*$/, '')}.bin`;
  const program = assemble(await readFile(input, 'utf8'));
  await writeFile(output, encode(program));
  io.stderr.write(`${output}: ${program.length} slots\n`);
  return 0;
};
