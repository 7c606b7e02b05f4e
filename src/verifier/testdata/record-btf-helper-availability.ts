/**
 * Asks Linux which helpers of KERNEL_HELPERS BTF-typed programs may call:
 * tp_btf (the tracing programs), iter/task, and tcp_congestion_ops struct_ops;
 * into src/verifier/btf-helper-availability.ts (run as root:
 * `node dist/verifier/testdata/record-btf-helper-availability.js`). As
 * record-helper-availability does, `call N` with zeroed arguments is enough:
 * the kernel looks the prototype up before checking any argument.
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { make } from '../../isa/index.js';
import { KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import { AttachType } from '../../object/index.js';
import { KERNEL_HELPERS } from '../helpers.js';
import { kernelBtf } from '../object.js';
import { PLAIN_KFUNCS } from '../kfunc.js';

const btf = kernelBtf();
if (!btf) throw new Error('no /sys/kernel/btf/vmlinux');
const ca = btf.named('tcp_congestion_ops', 'struct')!;
const TARGETS = {
  tracing: { type: 'tracing', expectedAttachType: AttachType.trace_raw_tp, attachBtfId: btf.named('btf_trace_task_newtask', 'typedef')!.id },
  iter: { type: 'tracing', expectedAttachType: AttachType.trace_iter, attachBtfId: btf.all('bpf_iter_task', 'func')[0]!.id },
  tcp_ca: { type: 'struct_ops', expectedAttachType: ca.members.findIndex((m) => m.name === 'cong_avoid'), attachBtfId: ca.id },
} as const;

function available(target: keyof typeof TARGETS, id: number): boolean {
  const insns = [1, 2, 3, 4, 5].map((r) => make(0xb7, r, 0, 0, 0)).concat([make(0x85, 0, 0, 0, id), make(0xb7, 0, 0, 0, 0), make(0x95, 0, 0, 0, 0)]);
  try {
    KernelProgram.load({ ...TARGETS[target], instructions: insns, license: 'GPL', logLevel: 1 }).close();
    return true;
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    return !/cannot use helper|unknown func/.test(e.log);
  }
}

/** Whether `call` of kfunc `name` passes the kernel's availability check (check_kfunc_call's first refusal). */
function kfuncAvailable(target: keyof typeof TARGETS, name: string): boolean {
  const fn = btf!.all(name, 'func')[0];
  if (!fn) return false;
  const insns = [1, 2, 3, 4, 5].map((r) => make(0xb7, r, 0, 0, 0)).concat([make(0x85, 0, 2, 0, fn.id), make(0xb7, 0, 0, 0, 0), make(0x95, 0, 0, 0, 0)]);
  try {
    KernelProgram.load({ ...TARGETS[target], instructions: insns, license: 'GPL', logLevel: 1 }).close();
    return true;
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    return !/is not allowed|not found in kernel|kernel btf_id/.test(e.log);
  }
}

const kfuncs = Object.fromEntries(Object.keys(TARGETS).map((t) => [t, PLAIN_KFUNCS.filter((n) => kfuncAvailable(t as keyof typeof TARGETS, n))]));
console.log(kfuncs);
const lists = Object.fromEntries(Object.keys(TARGETS).map((t) => [t, KERNEL_HELPERS.ids().filter((id) => available(t as keyof typeof TARGETS, id))]));
console.log(lists);
writeFileSync(new URL('../../../src/verifier/btf-helper-availability.ts', import.meta.url), `/**
 * Helpers Linux ${release()} lets BTF-typed programs call, by id: tracing
 * (asked as tp_btf), iterators (iter/task) and tcp_congestion_ops struct_ops.
 * Recorded by testdata/record-btf-helper-availability.ts; a helper not listed
 * is refused, which is sound.
 */
export const BTF_HELPER_AVAILABILITY: {
  readonly kernel: string; readonly tracing: readonly number[]; readonly iter: readonly number[]; readonly tcp_ca: readonly number[];
  /** Kfuncs of kfunc.ts's PLAIN_KFUNCS each may call. */
  readonly kfuncs: { readonly tracing: readonly string[]; readonly iter: readonly string[]; readonly tcp_ca: readonly string[] };
} = {
  kernel: ${JSON.stringify(release())},
  tracing: ${JSON.stringify(lists.tracing)},
  iter: ${JSON.stringify(lists.iter)},
  tcp_ca: ${JSON.stringify(lists.tcp_ca)},
  kfuncs: ${JSON.stringify(kfuncs)},
};
`);
