/** Finding clang and running it. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { ToolchainError } from './errors.js';

/** Names tried on PATH, best first: the Debian 12 package installs only the versioned name. */
export const CLANG_CANDIDATES = ['clang-19', 'clang'] as const;

/** Where clang came from, for `--verbose`. */
export interface ClangLocation {
  readonly path: string;
  readonly source: 'TSBPF_CLANG' | 'PATH';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on `pathList`, or undefined. */
export function which(name: string, pathList = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of pathList.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Locates clang: `TSBPF_CLANG` when set (a path or a name on PATH), else the first of {@link CLANG_CANDIDATES} on PATH.
 * @throws ToolchainError CLANG_NOT_FOUND, naming the Debian package to install.
 */
export function findClang(env: NodeJS.ProcessEnv = process.env): ClangLocation {
  const override = env.TSBPF_CLANG;
  if (override) {
    const path = which(override, env.PATH);
    if (!path) throw new ToolchainError('CLANG_NOT_FOUND', `TSBPF_CLANG=${override} is not an executable${isAbsolute(override) ? '' : ' on PATH'}`);
    return { path, source: 'TSBPF_CLANG' };
  }
  for (const name of CLANG_CANDIDATES) {
    const path = which(name, env.PATH);
    if (path) return { path, source: 'PATH' };
  }
  throw new ToolchainError(
    'CLANG_NOT_FOUND',
    `clang not found on PATH (tried ${CLANG_CANDIDATES.join(', ')}); install it with 'apt-get install clang-19' (Debian package clang-19) or set TSBPF_CLANG`,
  );
}

/** Output of one tool run. */
export interface RunResult {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a program to completion; spawn failures (ENOENT, EACCES) come back as status 127 with the reason in stderr. */
export function run(path: string, args: readonly string[], maxBuffer = 1 << 30): RunResult {
  const result = spawnSync(path, args, { maxBuffer, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) return { status: 127, stdout: Buffer.alloc(0), stderr: `${path}: ${result.error.message}` };
  return {
    status: result.status ?? 128,
    stdout: result.stdout,
    stderr: result.stderr.toString('utf8') + (result.signal ? `${path} killed by ${result.signal}\n` : ''),
  };
}
