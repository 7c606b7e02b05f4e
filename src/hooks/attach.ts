/** Attaching by section name, as libbpf's auto-attach does, for the hooks a process has. */
import type { RuntimeProgram } from '../runtime/index.js';
import { attachOpenat, type HookLink } from './fs-open.js';
import type { Tracepoint } from './probes.js';

export class AttachError extends Error {
  override readonly name = 'AttachError';
  readonly code = 'NO_SUCH_HOOK';
}

/**
 * `tracepoint/syscalls/sys_enter_openat` (and `tp/…`) attaches to this
 * process's file opens; `tracepoint/CATEGORY/NAME` to an application
 * tracepoint given in `tracepoints`.
 */
export function attachBySection(program: RuntimeProgram, section: string, tracepoints: readonly Tracepoint[] = []): HookLink {
  const m = /^(?:tracepoint|tp)\/(.+)$/.exec(section);
  if (m?.[1] === 'syscalls/sys_enter_openat') return attachOpenat(program);
  const tp = m ? tracepoints.find((t) => t.name === m[1]) : undefined;
  if (tp) return tp.attach(program);
  throw new AttachError(`program ${program.name}: nothing in this process to attach section ${section} to (userspace hooks: tracepoint/syscalls/sys_enter_openat${tracepoints.length ? `, ${tracepoints.map((t) => `tracepoint/${t.name}`).join(', ')}` : ''}; function probes and channels are attached explicitly)`);
}
