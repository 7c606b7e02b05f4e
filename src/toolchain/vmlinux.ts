/**
 * vmlinux.h: every type of the running kernel as C, dumped from its BTF and
 * cached by kernel release and BTF digest, so a rebuilt kernel gets a fresh header.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, release } from 'node:os';
import { join } from 'node:path';
import { run, which } from './clang.js';
import { ToolchainError } from './errors.js';

/** Who turns BTF into C: tsbpf's own dumper (src/btf) or `bpftool btf dump ... format c`. */
export type VmlinuxProducer = 'tsbpf' | 'bpftool';

/** The producers, in the order `auto` tries them. */
export const VMLINUX_PRODUCERS: readonly VmlinuxProducer[] = ['tsbpf', 'bpftool'];

/** The running kernel's BTF. */
export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** Options of {@link vmlinuxHeader}. */
export interface VmlinuxOptions {
  /** Producer to use; default `TSBPF_VMLINUX_PRODUCER` or `tsbpf`. */
  readonly producer?: VmlinuxProducer;
  /** Raw BTF to dump; default {@link KERNEL_BTF_PATH}. */
  readonly btfPath?: string;
  /** Cache directory; default `TSBPF_CACHE_DIR`, else `$XDG_CACHE_HOME/tsbpf`, else `~/.cache/tsbpf`. */
  readonly cacheDir?: string;
}

/** A vmlinux.h on disk and how it was made. */
export interface VmlinuxHeader {
  /** The header file. */
  readonly path: string;
  /** Its directory, for `-I`. */
  readonly dir: string;
  readonly producer: VmlinuxProducer;
  /** True when it came from the cache rather than a fresh dump. */
  readonly cached: boolean;
}

function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.TSBPF_CACHE_DIR) return env.TSBPF_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tsbpf');
}

/** The producer named by `TSBPF_VMLINUX_PRODUCER`, or tsbpf's own. */
export function defaultProducer(env: NodeJS.ProcessEnv = process.env): VmlinuxProducer {
  const named = env.TSBPF_VMLINUX_PRODUCER;
  if (named === undefined || named === '') return 'tsbpf';
  if (!(VMLINUX_PRODUCERS as readonly string[]).includes(named)) {
    throw new ToolchainError('BAD_OPTION', `TSBPF_VMLINUX_PRODUCER=${named}: expected one of ${VMLINUX_PRODUCERS.join(', ')}`);
  }
  return named as VmlinuxProducer;
}

async function dumpWithTsbpf(btf: Uint8Array, btfPath: string): Promise<string> {
  // Loaded on demand: the BTF parser is only needed on a cache miss.
  const { parseBtf, dumpC } = await import('../btf/index.js');
  try {
    return dumpC(parseBtf(btf));
  } catch (e) {
    throw new ToolchainError('VMLINUX_UNAVAILABLE', `tsbpf could not dump ${btfPath} as C: ${(e as Error).message}`, { file: btfPath, cause: e });
  }
}

function dumpWithBpftool(btfPath: string): string {
  const bpftool = which('bpftool', `${process.env.PATH ?? ''}:/usr/sbin:/sbin`);
  if (!bpftool) throw new ToolchainError('VMLINUX_UNAVAILABLE', "bpftool not found (Debian package bpftool: 'apt-get install bpftool')", { file: btfPath });
  const result = run(bpftool, ['btf', 'dump', 'file', btfPath, 'format', 'c']);
  if (result.status !== 0) {
    throw new ToolchainError('VMLINUX_UNAVAILABLE', `bpftool btf dump failed (exit ${result.status}): ${result.stderr.trim()}`, { file: btfPath, exitCode: result.status });
  }
  return result.stdout.toString('utf8');
}

/**
 * Returns a vmlinux.h for the kernel BTF at `btfPath`, dumping it on a cache miss.
 * @throws ToolchainError VMLINUX_UNAVAILABLE when the BTF cannot be read or dumped.
 * @example
 * const { dir } = await vmlinuxHeader(); // then clang -I dir
 */
export async function vmlinuxHeader(options: VmlinuxOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<VmlinuxHeader> {
  const btfPath = options.btfPath ?? KERNEL_BTF_PATH;
  const producer = options.producer ?? defaultProducer(env);
  if (!VMLINUX_PRODUCERS.includes(producer)) throw new ToolchainError('BAD_OPTION', `unknown vmlinux.h producer ${String(producer)}`);
  let btf: Uint8Array;
  try {
    btf = readFileSync(btfPath);
  } catch (e) {
    throw new ToolchainError('VMLINUX_UNAVAILABLE', `cannot read kernel BTF ${btfPath}: ${(e as Error).message} (is the kernel built with CONFIG_DEBUG_INFO_BTF?)`, { file: btfPath, cause: e });
  }
  const digest = createHash('sha256').update(btf).digest('hex').slice(0, 16);
  const tag = btfPath === KERNEL_BTF_PATH ? release() : 'file';
  const dir = join(options.cacheDir ?? defaultCacheDir(env), `vmlinux-${tag}-${digest}-${producer}`);
  const path = join(dir, 'vmlinux.h');
  try {
    if (statSync(path).size > 0) return { path, dir, producer, cached: true };
  } catch {
    // not cached yet
  }
  const text = producer === 'tsbpf' ? await dumpWithTsbpf(btf, btfPath) : dumpWithBpftool(btfPath);
  try {
    mkdirSync(dir, { recursive: true });
    // Write then rename so a concurrent build never includes a half-written header.
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (e) {
    throw new ToolchainError('VMLINUX_UNAVAILABLE', `cannot write ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  return { path, dir, producer, cached: false };
}
