/** `tsbpf inspect X.o [--json]` — programs, maps, globals, externs and CO-RE relocations of an object. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatSummary, loadObject, summarizeObject } from '../object/index.js';
import { type Command, UsageError, parseOptions } from './command.js';

const USAGE = 'usage: tsbpf inspect OBJECT.o [--json]\n';

export const inspectCommand: Command = async (args, io) => {
  const { values, positionals } = parseOptions(() => parseArgs({
    args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  }), USAGE);
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one OBJECT\n${USAGE}`);
  const summary = summarizeObject(loadObject(new Uint8Array(await readFile(positionals[0]!))));
  io.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return 0;
};
