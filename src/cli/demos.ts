/**
 * The two classic examples, each from one C source in examples/, on either
 * target:
 *   tsbpf trace-open [--target user|kernel] [--duration S] [SCRIPT [ARGS…]]
 *   tsbpf hello      [--target user|kernel] [--duration S] [SCRIPT [ARGS…]]
 * The userspace target (the default, no root) attaches to this process's
 * own file opens and runs SCRIPT (or a small built-in workload) in it; the
 * kernel target attaches to the sys_enter_openat tracepoint of the whole
 * machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { attachBySection as attachInProcess } from '../hooks/index.js';
import {
  KernelRingBuffer, attachBySection as attachInKernel, bpfPermission, loadCollection, tracePipeLines,
} from '../kernel/index.js';
import type { RingBuffer } from '../maps/index.js';
import { loadObject, type ObjectSpec } from '../object/index.js';
import { Runtime } from '../runtime/index.js';
import { build } from '../toolchain/index.js';
import { type Command, type Io, UsageError, parseOptions } from './command.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** `struct open_event` of examples/trace-open.bpf.c. */
const EVENT = { timestamp: 0, pid: 8, comm: 12, commLength: 16, filename: 28, filenameLength: 256 } as const;

interface DemoOptions {
  readonly target: 'user' | 'kernel';
  /** Seconds to trace; undefined: until the script ends (user) or Ctrl-C (kernel). */
  readonly duration?: number;
  readonly script?: readonly string[];
}

function usage(name: string): string {
  return `usage: tsbpf ${name} [--target user|kernel] [--duration SECONDS] [SCRIPT [ARGS...]]\n` +
    '  user (default): this process\'s file opens, while SCRIPT (or a built-in workload) runs in it\n' +
    '  kernel: every openat(2) of the machine (root), for --duration seconds or until Ctrl-C\n';
}

function parse(name: string, args: string[], io: Io): DemoOptions | undefined {
  const { values, positionals } = parseOptions(() => parseArgs({
    args, allowPositionals: true, strict: true,
    options: { target: { type: 'string', default: 'user' }, duration: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }), usage(name));
  if (values.help) {
    io.stdout.write(usage(name));
    return undefined;
  }
  if (values.target !== 'user' && values.target !== 'kernel') throw new UsageError(`--target must be user or kernel, not '${values.target}'`);
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) throw new UsageError(`--duration must be a positive number of seconds, not '${values.duration}'`);
  return { target: values.target, ...(duration !== undefined ? { duration } : {}), ...(positionals.length ? { script: positionals } : {}) };
}

/** Compiles an example with `tsbpf build` (clang, tsbpf's headers, this kernel's vmlinux.h). */
async function compileExample(name: string): Promise<ObjectSpec> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-demo-'));
  try {
    const output = join(dir, `${name}.bpf.o`);
    await build({ source: join(EXAMPLES, `${name}.bpf.c`), output });
    return loadObject(readFileSync(output));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the user's script in this process, or opens a few files as a stand-in workload. */
async function workload(script: readonly string[] | undefined, duration: number | undefined): Promise<void> {
  if (script) {
    const saved = process.argv;
    process.argv = [process.argv[0]!, resolve(script[0]!), ...script.slice(1)];
    try {
      await import(pathToFileURL(resolve(script[0]!)).href);
    } finally {
      process.argv = saved;
    }
    if (duration) await sleep(duration * 1000);
    return;
  }
  const fs = await import('node:fs');
  const files = [join(EXAMPLES, 'trace-open.bpf.c'), join(EXAMPLES, 'hello.bpf.c'), '/etc/hostname'];
  const end = Date.now() + (duration ?? 1) * 1000;
  do {
    for (const f of files) {
      try {
        fs.readFileSync(f);
      } catch {
        // a missing file is opened all the same: the probe fires before the error
      }
    }
    await sleep(200);
  } while (Date.now() < end);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves on Ctrl-C / SIGTERM or after the duration; signal handlers removed after. */
function stopSignal(duration: number | undefined): { promise: Promise<void>; dispose(): void } {
  let done!: () => void;
  const promise = new Promise<void>((r) => (done = r));
  const timer = duration ? setTimeout(done, duration * 1000) : undefined;
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  return {
    promise,
    dispose: () => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
    },
  };
}

function needsRoot(io: Io): boolean {
  const p = bpfPermission();
  if (!p.permitted) io.stderr.write(`tsbpf: the kernel target needs bpf(2): ${p.reason}\n`);
  return p.permitted;
}

const decoder = new TextDecoder();
const cString = (bytes: Uint8Array) => {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
};

/** One output line per event, as the seed prints them: TIME(s) COMM PID FILE. */
function eventPrinter(io: Io): (record: Uint8Array) => void {
  let first: bigint | undefined;
  io.stdout.write(`${'TIME(s)'.padEnd(9)} ${'COMM'.padEnd(16)} ${'PID'.padEnd(7)} FILE\n`);
  return (record) => {
    const v = new DataView(record.buffer, record.byteOffset, record.byteLength);
    const ts = v.getBigUint64(EVENT.timestamp, true);
    first ??= ts;
    const time = (Number(ts - first) / 1e9).toFixed(6);
    const comm = cString(record.subarray(EVENT.comm, EVENT.comm + EVENT.commLength));
    const file = cString(record.subarray(EVENT.filename, EVENT.filename + EVENT.filenameLength));
    io.stdout.write(`${time.padEnd(9)} ${comm.padEnd(16)} ${String(v.getUint32(EVENT.pid, true)).padEnd(7)} ${file}\n`);
  };
}

export const traceOpenCommand: Command = async (args, io) => {
  const options = parse('trace-open', args, io);
  if (!options) return 0;
  const spec = await compileExample('trace-open');
  const program = spec.programs[0]!;
  const print = eventPrinter(io);
  if (options.target === 'user') {
    const runtime = new Runtime({ engine: 'jit' });
    const { programs, maps } = runtime.loadObject(spec);
    const events = maps.get('events') as RingBuffer;
    const link = attachInProcess(programs.get(program.name)!, program.section);
    try {
      await workload(options.script, options.duration);
    } finally {
      link.close();
    }
    events.consume(print);
    return 0;
  }
  if (!needsRoot(io)) return 1;
  const collection = loadCollection(spec);
  const ring = new KernelRingBuffer(collection.maps.get('events')!);
  const link = attachInKernel(collection.programs.get(program.name)!, program.section);
  const stop = stopSignal(options.duration);
  const abort = new AbortController();
  void stop.promise.then(() => abort.abort());
  try {
    for await (const record of ring.records({ signal: abort.signal })) print(record);
  } finally {
    stop.dispose();
    link.close();
    ring.close();
    collection.close();
  }
  return 0;
};

export const helloCommand: Command = async (args, io) => {
  const options = parse('hello', args, io);
  if (!options) return 0;
  const spec = await compileExample('hello');
  const program = spec.programs[0]!;
  if (options.target === 'user') {
    const runtime = new Runtime({ engine: 'jit' });
    const { programs } = runtime.loadObject(spec);
    const stopPrinting = runtime.tracePipe.on((line) => io.stdout.write(`${line}\n`));
    const link = attachInProcess(programs.get(program.name)!, program.section);
    try {
      await workload(options.script, options.duration);
    } finally {
      link.close();
      stopPrinting();
    }
    return 0;
  }
  if (!needsRoot(io)) return 1;
  const collection = loadCollection(spec);
  const link = attachInKernel(collection.programs.get(program.name)!, program.section);
  const stop = stopSignal(options.duration);
  const abort = new AbortController();
  void stop.promise.then(() => abort.abort());
  // The trace buffer keeps what nobody read: show only lines stamped after we attached (seconds since boot).
  const since = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) - 0.5;
  try {
    for await (const line of tracePipeLines({ signal: abort.signal })) {
      const stamp = /\s(\d+\.\d+): bpf_trace_printk: /.exec(line);
      if (stamp && Number(stamp[1]) >= since) io.stdout.write(`${line}\n`);
    }
  } finally {
    stop.dispose();
    link.close();
    collection.close();
  }
  return 0;
};
