/**
 * The `syscalls/sys_enter_openat` tracepoint, inside a Node.js process: every
 * file this process opens through node:fs fires the programs attached, with
 * the kernel tracepoint's context layout, so the same C source runs here and
 * in Linux. The file name is a NUL-terminated string in the runtime's memory,
 * read by the program with bpf_probe_read_user_str as in the kernel.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import type { Region } from '../memory/index.js';
import type { RuntimeProgram } from '../runtime/index.js';
import { Firing } from './fire.js';

/** `struct trace_event_raw_sys_enter`: 8 bytes of common fields, the syscall number, six arguments. */
export const SYS_ENTER = { size: 64, id: 8, args: 16 } as const;
const NR_OPENAT = 257;
const AT_FDCWD = -100n;
const PATH_MAX = 4096;

type Listener = (path: string, flags: number, mode: number) => void;

const listeners = new Set<Listener>();
let restore: (() => void) | undefined;

/** Flags as open(2) takes them, from what node:fs accepts. */
function flagsOf(flags: unknown): number {
  if (typeof flags === 'number') return flags;
  const table: Record<string, number> = {
    r: 0, 'r+': 2, rs: 0x101000, 'rs+': 0x101002, w: 0x241, wx: 0x2c1, 'w+': 0x242, 'wx+': 0x2c2, a: 0x441, ax: 0x4c1, 'a+': 0x442, 'ax+': 0x4c2,
  };
  return typeof flags === 'string' ? table[flags] ?? 0 : 0;
}

function notify(path: unknown, flags: unknown, mode: unknown): void {
  if (listeners.size === 0) return;
  let name: string;
  if (typeof path === 'string') name = path;
  else if (path instanceof URL) name = path.pathname;
  else if (Buffer.isBuffer(path)) name = path.toString();
  else return; // an fd: nothing is opened
  for (const l of listeners) l(name, flagsOf(flags), typeof mode === 'number' ? mode : 0o666);
}

/** Wraps the node:fs entry points that open files (the others route through these). */
function install(): () => void {
  const patched: [object, string, unknown][] = [];
  const wrap = (target: Record<string, unknown>, name: string, flagsAt: number, defaultFlags: string) => {
    const original = target[name] as (...args: unknown[]) => unknown;
    patched.push([target, name, original]);
    target[name] = function wrapped(this: unknown, ...args: unknown[]) {
      const flags = typeof args[flagsAt] === 'object' && args[flagsAt] !== null ? (args[flagsAt] as { flag?: unknown }).flag ?? defaultFlags : args[flagsAt] ?? defaultFlags;
      notify(args[0], typeof flags === 'function' ? defaultFlags : flags, args[flagsAt + 1]);
      return original.apply(this, args);
    };
  };
  const f = fs as unknown as Record<string, unknown>;
  const p = fs.promises as unknown as Record<string, unknown>;
  wrap(f, 'open', 1, 'r');
  wrap(f, 'openSync', 1, 'r');
  wrap(f, 'readFile', 1, 'r');
  wrap(p, 'open', 1, 'r');
  wrap(p, 'readFile', 1, 'r');
  wrap(p, 'writeFile', 2, 'w');
  wrap(p, 'appendFile', 2, 'a');
  // ESM imports of node:fs see the wrappers too.
  syncBuiltinESMExports();
  return () => {
    for (const [target, name, original] of patched) (target as Record<string, unknown>)[name] = original;
    syncBuiltinESMExports();
  };
}

/** Calls `listener` for every file this process opens through node:fs, until the returned function is called. */
export function onFileOpen(listener: Listener): () => void {
  listeners.add(listener);
  restore ??= install();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && restore) {
      restore();
      restore = undefined;
    }
  };
}

/** What `attach` returns: detach with close(). */
export interface HookLink {
  readonly program: RuntimeProgram;
  readonly target: string;
  readonly stats: Firing['stats'];
  close(): void;
}

/** Runs `program` on each file open, with a sys_enter_openat context. */
export function attachOpenat(program: RuntimeProgram): HookLink {
  const firing = new Firing(program, SYS_ENTER.size);
  const space = program.runtime.space;
  const name: Region = space.allocate(PATH_MAX, { kind: 'input', name: 'openat filename', writable: false });
  const encoder = new TextEncoder();
  const stop = onFileOpen((path, flags, mode) => {
    firing.fire((view, at) => {
      const bytes = space.bytes;
      const written = encoder.encodeInto(path, bytes.subarray(name.start, name.start + PATH_MAX - 1)).written;
      bytes[name.start + written] = 0;
      view.setUint16(at, 0, true);
      view.setInt32(at + 4, process.pid, true);
      view.setBigInt64(at + SYS_ENTER.id, BigInt(NR_OPENAT), true);
      const args = [AT_FDCWD, BigInt(name.start), BigInt(flags), BigInt(mode), 0n, 0n];
      args.forEach((v, i) => view.setBigUint64(at + SYS_ENTER.args + 8 * i, BigInt.asUintN(64, v), true));
    });
  });
  let closed = false;
  return {
    program, target: 'tracepoint/syscalls/sys_enter_openat', stats: firing.stats,
    close: () => {
      if (closed) return;
      closed = true;
      stop();
      firing.release();
      space.release(name);
    },
  };
}
