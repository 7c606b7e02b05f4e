/**
 * `tsbpf kernel run|verify FILE` — load a program into the Linux kernel, then
 * test-run it or print the verifier's verdict and log.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { KernelProgram, VerifierError, bpfPermission, loadCollection, type ProgType } from '../kernel/index.js';
import { loadObject } from '../object/index.js';
import { type Command, UsageError, parseOptions } from './command.js';
import { readProgram } from './source.js';

const USAGE = `usage: tsbpf kernel run FILE [--type xdp|socket|tc] [--data F] [--repeat N] [--json]
       tsbpf kernel verify FILE [--type xdp|socket|tc] [--log 1|2]
       tsbpf kernel load OBJECT.o [--program NAME]... [--pin-path DIR] [--json]`;

const TYPES: Record<string, keyof typeof ProgType> = { xdp: 'xdp', socket: 'socket_filter', tc: 'sched_cls' };

export const kernelCommand: Command = async (args, io) => {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'load') return loadObjectCommand(rest, io);
  if (sub !== 'run' && sub !== 'verify') throw new UsageError(`unknown subcommand '${sub}'\n${USAGE}`);
  const { values, positionals } = parseOptions(() => parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      type: { type: 'string', default: 'socket' },
      data: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      log: { type: 'string', default: '1' },
    },
  }), USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  const type = TYPES[values.type!];
  if (!type) throw new UsageError(`--type must be xdp, socket or tc, not '${values.type}'`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError(`--repeat must be a positive integer, not '${values.repeat}'`);
  const logLevel = values.log === '2' ? 2 : values.log === '1' ? 1 : undefined;
  if (logLevel === undefined) throw new UsageError(`--log must be 1 or 2, not '${values.log}'`);

  const permission = bpfPermission();
  if (!permission.permitted) {
    io.stderr.write(`tsbpf kernel: ${permission.reason}\n`);
    return 1;
  }
  const instructions = await readProgram(positionals[0]!);
  let program: KernelProgram;
  try {
    program = KernelProgram.load({ type, instructions, logLevel: sub === 'verify' ? logLevel : 0 });
  } catch (error) {
    if (!(error instanceof VerifierError) || sub !== 'verify') throw error;
    io.stdout.write(`refused (${error.code})\n${error.log}`);
    return 1;
  }
  try {
    if (sub === 'verify') {
      io.stdout.write(`accepted\n${program.log}`);
      return 0;
    }
    // XDP and tc need at least an Ethernet header of data.
    const data = values.data !== undefined ? new Uint8Array(await readFile(values.data)) : new Uint8Array(64);
    const run = program.testRun({ data, repeat });
    const result = `0x${run.retval.toString(16)}`;
    io.stdout.write(values.json ? `${JSON.stringify({ result, duration_ns: run.durationNs })}\n` : `${result}\n`);
    return 0;
  } finally {
    program.close();
  }
};

/** `tsbpf kernel load X.o`: every map and program of an object into Linux, as libbpf would; prints what loaded, then releases it. */
async function loadObjectCommand(args: string[], io: Parameters<Command>[1]): Promise<number> {
  const { values, positionals } = parseOptions(() => parseArgs({
    args,
    allowPositionals: true,
    options: {
      program: { type: 'string', multiple: true },
      'pin-path': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  }), USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one OBJECT\n${USAGE}`);
  const permission = bpfPermission();
  if (!permission.permitted) {
    io.stderr.write(`tsbpf kernel: ${permission.reason}\n`);
    return 1;
  }
  const spec = loadObject(new Uint8Array(await readFile(positionals[0]!)));
  const collection = loadCollection(spec, {
    ...(values.program ? { programs: values.program } : {}),
    ...(values['pin-path'] ? { pinPath: values['pin-path'] } : {}),
  });
  try {
    const programs = [...collection.programs].map(([name, p]) => ({ name, type: p.type, id: p.info().id, coreRelocations: collection.core.get(name)?.length ?? 0 }));
    const maps = [...collection.maps].map(([name, m]) => ({ name, type: m.spec.type, id: m.info().id }));
    if (values.json) io.stdout.write(`${JSON.stringify({ programs, maps, ...(collection.btfWarning ? { btfWarning: collection.btfWarning } : {}) }, null, 2)}\n`);
    else {
      for (const p of programs) io.stdout.write(`program ${p.name}: ${p.type}, id ${p.id}${p.coreRelocations ? `, ${p.coreRelocations} CO-RE relocations applied` : ''}\n`);
      for (const m of maps) io.stdout.write(`map ${m.name}: ${m.type}, id ${m.id}\n`);
      if (collection.btfWarning) io.stdout.write(`warning: loaded without BTF: ${collection.btfWarning}\n`);
    }
    return 0;
  } finally {
    collection.close();
  }
}
