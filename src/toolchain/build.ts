/** `build`: one BPF C source to one BPF ELF object, with the flags and headers a BPF program needs. */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findClang, run, type ClangLocation } from './clang.js';
import { ToolchainError } from './errors.js';
import { vmlinuxHeader, type VmlinuxProducer } from './vmlinux.js';

/** CPU versions clang's BPF backend accepts; v3 adds 32-bit jumps and ALU32, v4 sign-extending loads, bswap, gotol, sdiv/smod. */
export const BPF_CPUS = ['v1', 'v2', 'v3', 'v4'] as const;
export type BpfCpu = (typeof BPF_CPUS)[number];

/** tsbpf's own headers (`#include <tsbpf/bpf_helpers.h>`): `include/` at the package root, from src/ or dist/ alike. */
export const INCLUDE_DIR = fileURLToPath(new URL('../../include/', import.meta.url));

/** Options of {@link build}. */
export interface BuildOptions {
  /** The C source. */
  readonly source: string;
  /** The object to write. */
  readonly output: string;
  /** BPF CPU version; default v3. */
  readonly cpu?: BpfCpu;
  /** Extra `-I` directories, searched before tsbpf's and vmlinux.h's. */
  readonly includeDirs?: readonly string[];
  /** Extra `-D` definitions: `NAME` or `NAME=value`. */
  readonly defines?: readonly string[];
  /** A file named vmlinux.h to use instead of the cached dump of the running kernel's BTF. */
  readonly vmlinuxHeader?: string;
  /** Producer of the cached vmlinux.h when none is given. */
  readonly vmlinuxProducer?: VmlinuxProducer;
  /** Environment (TSBPF_CLANG, PATH, cache variables); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** What a build did. */
export interface BuildResult {
  readonly output: string;
  readonly clang: ClangLocation;
  /** The full clang command line. */
  readonly argv: readonly string[];
  /** The vmlinux.h used and who produced it (`given` when passed in). */
  readonly vmlinux: { readonly path: string; readonly producer: VmlinuxProducer | 'given'; readonly cached: boolean };
  /** clang's warnings, empty when clean. */
  readonly diagnostics: string;
}

/** clang's `__TARGET_ARCH_*` name for a Node architecture: the tracing header's pt_regs layout depends on it. */
export function targetArch(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'x86', arm64: 'arm64', arm: 'arm', s390x: 's390', ppc64: 'powerpc', riscv64: 'riscv', loong64: 'loongarch', mips: 'mips' };
  const name = names[arch];
  if (!name) throw new ToolchainError('BAD_OPTION', `no BPF target architecture for ${arch}`);
  return name;
}

/**
 * Compiles a BPF C source with clang: `-O2 -g -target bpf -mcpu=<cpu>`, the
 * target architecture, tsbpf's headers and a vmlinux.h of the running kernel.
 *
 * @throws ToolchainError CLANG_NOT_FOUND, VMLINUX_UNAVAILABLE, BAD_OPTION, or COMPILE_FAILED with clang's diagnostics.
 * @example
 * await build({ source: 'hello.bpf.c', output: 'hello.bpf.o' });
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const env = options.env ?? process.env;
  const cpu = options.cpu ?? 'v3';
  if (!BPF_CPUS.includes(cpu)) throw new ToolchainError('BAD_OPTION', `unknown BPF cpu ${String(cpu)}; expected one of ${BPF_CPUS.join(', ')}`);
  const source = resolve(options.source);
  if (!existsSync(source)) throw new ToolchainError('BAD_OPTION', `source ${options.source} does not exist`, { file: options.source });
  const clang = findClang(env);

  let vmlinux: BuildResult['vmlinux'];
  let vmlinuxDir: string;
  if (options.vmlinuxHeader !== undefined) {
    if (!existsSync(options.vmlinuxHeader)) throw new ToolchainError('BAD_OPTION', `vmlinux header ${options.vmlinuxHeader} does not exist`, { file: options.vmlinuxHeader });
    // Sources say `#include "vmlinux.h"`, so the header is found through its directory and must carry that name.
    if (basename(options.vmlinuxHeader) !== 'vmlinux.h') throw new ToolchainError('BAD_OPTION', `vmlinux header ${options.vmlinuxHeader} must be named vmlinux.h`, { file: options.vmlinuxHeader });
    vmlinux = { path: resolve(options.vmlinuxHeader), producer: 'given', cached: false };
    vmlinuxDir = dirname(vmlinux.path);
  } else {
    const header = await vmlinuxHeader(options.vmlinuxProducer ? { producer: options.vmlinuxProducer } : {}, env);
    vmlinux = { path: header.path, producer: header.producer, cached: header.cached };
    vmlinuxDir = header.dir;
  }

  const argv = [
    '-O2',
    '-g',
    '-target',
    'bpf',
    `-mcpu=${cpu}`,
    `-D__TARGET_ARCH_${targetArch()}`,
    '-Wall',
    ...(options.defines ?? []).map((d) => `-D${d}`),
    ...(options.includeDirs ?? []).map((d) => `-I${d}`),
    `-I${INCLUDE_DIR}`,
    `-I${vmlinuxDir}`,
    '-c',
    source,
    '-o',
    resolve(options.output),
  ];
  const result = run(clang.path, argv);
  if (result.status !== 0) {
    throw new ToolchainError('COMPILE_FAILED', `clang failed on ${options.source} (exit ${result.status})`, {
      file: options.source,
      diagnostics: result.stderr,
      exitCode: result.status,
    });
  }
  return { output: options.output, clang, argv: [clang.path, ...argv], vmlinux, diagnostics: result.stderr };
}
