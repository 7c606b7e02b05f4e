/**
 * Loads every case of btf-corpus.ts into Linux and records its verdict and
 * last log line into btf-verdicts.json (run as root:
 * `node dist/verifier/testdata/record-btf-verdicts.js`).
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { assemble } from '../../asm/index.js';
import { KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import { AttachType } from '../../object/index.js';
import { kernelBtf } from '../object.js';
import { BTF_CASES, resolveOffsets, type BtfTarget } from './btf-corpus.js';

const btf = kernelBtf();
if (!btf) throw new Error('no /sys/kernel/btf/vmlinux');

/** The attach ids libbpf would pass: the tracepoint's typedef, the iterator's function, the ops struct and member index. */
function loadAttrs(t: BtfTarget): { type: 'tracing' | 'struct_ops'; expectedAttachType: number; attachBtfId: number } {
  if (t.type === 'struct_ops') {
    const st = btf!.named(t.structOps!.typeName, 'struct')!;
    return { type: 'struct_ops', expectedAttachType: st.members.findIndex((m) => m.name === t.structOps!.member), attachBtfId: st.id };
  }
  const name = t.attachType === 'trace_raw_tp' ? `btf_trace_${t.attachTo}` : `bpf_iter_${t.attachTo}`;
  const id = btf!.all(name, t.attachType === 'trace_raw_tp' ? 'typedef' : 'func')[0]!.id;
  return { type: 'tracing', expectedAttachType: AttachType[t.attachType!], attachBtfId: id };
}

const cases: Record<string, { ok: boolean; message: string | null }> = {};
for (const c of BTF_CASES) {
  const instructions = assemble(resolveOffsets(c.source, btf));
  try {
    KernelProgram.load({ ...loadAttrs(c.target), instructions, license: 'GPL', logLevel: 1 }).close();
    cases[c.name] = { ok: true, message: null };
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    const lines = e.log.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('processed '));
    cases[c.name] = { ok: false, message: at > 0 ? lines[at - 1]! : lines[lines.length - 1] ?? null };
  }
  console.log(c.name, cases[c.name]);
}
writeFileSync(new URL('../../../src/verifier/testdata/btf-verdicts.json', import.meta.url), `${JSON.stringify({ kernel: release(), cases }, null, 1)}\n`);
