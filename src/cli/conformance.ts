/**
 * `tsbpf conformance DIR`: runs every `.data` file of a directory in the
 * interpreter, one PASS/FAIL line per file, then `N passed, N failed`.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { assemble } from '../asm/index.js';
import { formatOutcome, listDataFiles, runConformanceFile } from '../conformance/index.js';
import { type Command, UsageError, parseOptions } from './command.js';

const USAGE = 'usage: tsbpf conformance DIR [--budget N]';

export const conformanceCommand: Command = async (args, io) => {
  const { values, positionals } = parseOptions(() => parseArgs({
    args,
    allowPositionals: true,
    options: {
      budget: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }), USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one DIR\n${USAGE}`);
  const dir = positionals[0]!;
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`'${dir}' is not a directory`);
  let budget: number | undefined;
  if (values.budget !== undefined) {
    budget = Number(values.budget);
    if (!Number.isSafeInteger(budget) || budget < 1) throw new UsageError(`--budget must be a positive integer, not '${values.budget}'`);
  }
  let passed = 0;
  let failed = 0;
  for (const file of await listDataFiles(dir)) {
    const outcome = await runConformanceFile(file, { assemble, ...(budget !== undefined ? { budget } : {}) });
    if (outcome.status === 'pass') passed++;
    else failed++;
    io.stdout.write(`${formatOutcome(outcome)}\n`);
  }
  io.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
};
