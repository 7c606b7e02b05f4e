/**
 * Loads one small assembly case (socket-programs.ts, iterator-programs.ts)
 * into the running kernel: its verdict, the verifier's last line and the
 * processed count. Shared by the recorders and by the tests, which ask again
 * live when bpf(2) is permitted.
 */
import assert from 'node:assert/strict';
import { type AssembleOptions, assemble } from '../../asm/index.js';
import { VerifierError, type VerifyResult } from '../index.js';
import { KernelMap, KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import type { MapTypeName } from '../../maps/map.js';
import { type ProgramType, defaultAttachType } from '../context.js';
import type { MapInfo } from '../state.js';
import { SOCKET_MAPS } from './socket-programs.js';
import { ITERATOR_MAPS } from './iterator-programs.js';
import { kernelBtf } from '../object.js';
import { kfuncIds } from '../kfunc.js';

export interface ProgramCase {
  readonly name: string;
  readonly type: ProgramType;
  readonly source: string;
}

export interface CaseVerdict { ok: boolean; processed: number | null; message: string | null }

const fds = new Map<string, number>();
/** The kernel map standing for a case's map description, created once per name. */
export const kernelMapFds = (maps: readonly (MapInfo & { readonly name: string })[]): Record<string, number> =>
  Object.fromEntries(maps.map((m) => {
    let fd = fds.get(m.name);
    if (fd === undefined) fds.set(m.name, fd = KernelMap.create({ name: m.name, type: m.type as MapTypeName, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags }).fd.value);
    return [m.name, fd];
  }));

export const kernelSocketVerdict = (c: ProgramCase): CaseVerdict =>
  kernelVerdict(c, { maps: c.source.includes('map_fd(') ? kernelMapFds(SOCKET_MAPS) : {} });

export function kernelVerdict(c: ProgramCase, options: AssembleOptions): CaseVerdict {
  const instructions = assemble(c.source, options);
  let log: string, ok: boolean;
  try {
    const p = KernelProgram.load({ type: c.type, instructions, license: 'GPL', logLevel: 1, logSize: 1 << 20, expectedAttachType: defaultAttachType(c.type) });
    log = p.log;
    ok = true;
    p.close();
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    log = e.log;
    ok = false;
  }
  // A message printed without its newline runs into the summary line.
  const lines = log.trimEnd().replace(/(.)processed (\d+) insns/, '$1\nprocessed $2 insns').split('\n');
  const at = lines.findIndex((l) => l.startsWith('processed '));
  const processed = at >= 0 ? Number(/processed (\d+) insns/.exec(lines[at]!)![1]) : null;
  // The infinite-loop verdict is followed by the two states it compared.
  let last = at > 0 ? at - 1 : lines.length - 1;
  while (last > 0 && /^(?:cur|old) state:/.test(lines[last]!)) last--;
  const message = ok ? null : lines[last] ?? '';
  return { ok, processed, message };
}

export function kernelIteratorVerdict(c: ProgramCase): CaseVerdict {
  const btf = kernelBtf();
  if (!btf) throw new Error('iterator cases need the kernel\'s BTF at /sys/kernel/btf/vmlinux');
  return kernelVerdict(c, { maps: c.source.includes('map_fd(') ? kernelMapFds(ITERATOR_MAPS) : {}, kfuncs: kfuncIds(btf) });
}

/**
 * Asserts tsbpf's verdict is the recorded one: the same processed count for
 * an accepted program; for a refused one, a modelled refusal whose last line
 * is the kernel's (the recorder keeps the kernel's last line).
 */
export function assertKernelVerdict(r: VerifyResult, expected: CaseVerdict): void {
  assert.equal(r.ok, expected.ok, r.error?.message ?? 'accepted');
  if (expected.ok) {
    assert.equal(r.processed, expected.processed, 'processed instruction count');
    return;
  }
  assert.ok(r.error instanceof VerifierError);
  assert.notEqual(r.error.code, 'UNSUPPORTED', r.error.message);
  assert.equal(r.error.kernelMessage.split('\n').at(-1), expected.message);
}
