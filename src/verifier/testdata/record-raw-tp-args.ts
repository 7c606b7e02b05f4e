/**
 * Asks Linux which tp_btf arguments it marks PTR_MAYBE_NULL or scalar (its
 * raw_tp_null_args table, which no header exports), for every tracepoint of
 * the running kernel's BTF, into src/verifier/raw-tp-args.ts (run as root:
 * `node dist/verifier/testdata/record-raw-tp-args.js`). For each argument that
 * points to a struct, a program loads it and the log's state line says what
 * the register became (`trusted_ptr_or_null_…`, `scalar`, `trusted_ptr_…`).
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { make } from '../../isa/index.js';
import { KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import { AttachType } from '../../object/index.js';
import { isStruct, skipModifiers } from '../btf-access.js';
import { kernelBtf } from '../object.js';

const btf = kernelBtf();
if (!btf) throw new Error('no /sys/kernel/btf/vmlinux');

/** Loads ctx[off] into R2; what the log says R2 became, or the refusal. */
function load(attachBtfId: number, off: number): string {
  const logBuffer: string[] = [];
  try {
    // The log is kept only on failure: end with a call to a helper that does not exist, after the load's state line.
    const failing = [make(0x79, 2, 1, off, 0), make(0x85, 0, 0, 0, 0x7fff), make(0x95, 0, 0, 0, 0)];
    KernelProgram.load({ type: 'tracing', expectedAttachType: AttachType.trace_raw_tp, attachBtfId, instructions: failing, license: 'GPL', logLevel: 2 }).close();
    return 'accepted';
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    logBuffer.push(e.log);
  }
  const m = /R2=([a-z_]+)/.exec(logBuffer[0]!);
  if (m) return m[1]!;
  const lines = logBuffer[0]!.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('processed '));
  return at > 0 ? lines[at - 1]! : lines[lines.length - 1]!;
}

const masks: Record<string, number> = {};
const plain: string[] = [];
const unknown: string[] = [];
for (const td of btf.types) {
  if (td.kind !== 'typedef' || !td.name.startsWith('btf_trace_')) continue;
  const ptr = btf.type(skipModifiers(btf, td.type));
  const proto = ptr.kind === 'ptr' ? btf.type(skipModifiers(btf, ptr.type)) : undefined;
  if (proto?.kind !== 'func_proto') continue;
  const name = td.name.slice('btf_trace_'.length);
  let mask = 0;
  let ok = true;
  let off = 8; // the slot of the hidden `void *__data` comes first
  for (let arg = 0; arg < proto.params.length - 1 && ok; arg++) {
    const t = btf.type(skipModifiers(btf, proto.params[arg + 1]!.type));
    const slot = t.kind === 'ptr' ? 8 : Math.ceil(('size' in t && typeof t.size === 'number' ? t.size : 8) / 8) * 8;
    if (t.kind === 'ptr' && isStruct(btf.type(skipModifiers(btf, t.type)))) {
      const reg = load(td.id, off - 8);
      if (reg.startsWith('trusted_ptr_or_null_')) mask += 16 ** arg;
      else if (reg === 'scalar') mask += 2 * 16 ** arg;
      else if (!reg.startsWith('trusted_ptr_')) { ok = false; unknown.push(`${name}: ${reg}`); }
    }
    off += slot;
  }
  if (!ok) continue;
  if (mask) masks[name] = mask;
  else plain.push(name);
}
console.log(`${Object.keys(masks).length} tracepoints with maybe-NULL or error arguments, ${plain.length} without, ${unknown.length} not recorded`);
for (const u of unknown.slice(0, 20)) console.log('  ', u);
const text = `/**
 * Which tp_btf arguments Linux ${release()} marks maybe-NULL (bit 4·i) or
 * turns into a number (bit 4·i+1) — its raw_tp_null_args — by tracepoint; \`plain\`
 * lists those with neither. Recorded by testdata/record-raw-tp-args.ts; a
 * tracepoint in neither list is not modelled.
 */
export const RAW_TP_ARGS: { readonly kernel: string; readonly masks: Readonly<Record<string, number>>; readonly plain: string } = {
  kernel: ${JSON.stringify(release())},
  masks: ${JSON.stringify(masks)},
  plain: ${JSON.stringify(plain.sort().join(' '))},
};
`;
writeFileSync(new URL('../../../src/verifier/raw-tp-args.ts', import.meta.url), text);
