/**
 * `tsbpf btf dump FILE [--format c|raw|json]`: the BTF of raw BTF (such as
 * /sys/kernel/btf/vmlinux) or of an ELF object's `.BTF` section.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BtfError, dumpC, formatRaw, loadBtf, parseBtf } from '../btf/index.js';
import { ElfError } from '../elf/index.js';
import { type Command, UsageError } from './command.js';

const USAGE = 'usage: tsbpf btf dump FILE [--format c|raw|json] [--base FILE]';
const FORMATS = ['c', 'raw', 'json'] as const;
type Format = (typeof FORMATS)[number];

export const btfCommand: Command = async (args, io) => {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (sub !== 'dump') throw new UsageError(USAGE);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { format: { type: 'string', short: 'f', default: 'raw' }, base: { type: 'string', short: 'B' } },
  });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown format ${values.format}; ${USAGE}`);
  const path = positionals[0]!;
  try {
    const base = values.base ? parseBtf(readFile(values.base)) : undefined;
    const { btf, ext } = loadBtf(readFile(path), base ? { base } : {});
    if (format === 'c') io.stdout.write(dumpC(btf));
    else if (format === 'raw') io.stdout.write(formatRaw(btf));
    else {
      const json = {
        types: btf.types.slice(base ? base.count : 1),
        ext: ext && {
          funcInfo: Object.fromEntries(ext.funcInfo),
          lineInfo: Object.fromEntries(ext.lineInfo),
          coreRelocations: Object.fromEntries(ext.coreRelocations),
        },
      };
      io.stdout.write(`${JSON.stringify(json, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof BtfError || e instanceof ElfError) {
      io.stderr.write(`tsbpf btf: ${path}: ${e.name} ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
};

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}
