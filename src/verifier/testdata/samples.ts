/**
 * Runs the verifier over the real objects of ../shared/ebpf-samples and
 * compares each verdict with the one Linux gave (kernel-results.json there).
 * Programs using what this verifier does not model yet are counted apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Instruction } from '../../isa/index.js';
import { AttachType, ProgramType as ProgramTypeIds, applyCoreRelocations, sectionKind, loadObject, type ObjectSpec, type ProgramSpec } from '../../object/index.js';
import { PROGRAM_TYPES, type ProgramType } from '../context.js';
import { verify } from '../engine.js';
import { KERNEL_HELPERS } from '../helpers.js';
import { attachBtfOf, fillKsyms, functionOptions, kernelBtf, kernelBtfOption, objectKfuncs, objectMaps } from '../object.js';
import { isBtfProgramType } from '../context.js';

export interface KernelProgramRecord {
  readonly section: string;
  readonly function: string;
  readonly verdict: 'accepted' | 'rejected' | 'not-loaded';
  readonly loader?: 'libbpf' | 'raw';
  readonly prog_type?: string;
  readonly prog_type_id?: number;
  /** The raw loader's expected_attach_type (libbpf records leave it to the section name). */
  readonly expected_attach_type?: number;
  readonly verifier_last_line?: string | null;
  /** The license the raw loader passed. */
  readonly license?: string;
}

export interface KernelResults {
  readonly objects: Record<string, { readonly programs: readonly KernelProgramRecord[] }>;
}

export type Ours = 'accepted' | 'rejected' | 'unmodelled';

export interface SampleOutcome {
  readonly object: string;
  readonly section: string;
  readonly function: string;
  readonly kernel: 'accepted' | 'rejected';
  readonly kernelMessage?: string | null;
  readonly ours: Ours;
  /** Why the program was not verified, or what refused it. */
  readonly reason?: string;
  readonly processed?: number;
  readonly ms: number;
}

const TYPE_BY_ID = new Map<number, string>(Object.entries(ProgramTypeIds).map(([name, id]) => [id, name]));

/** Whether a feature outside the model decides this program; the reason, or undefined. */
function unmodelled(spec: ObjectSpec, program: ProgramSpec, record: KernelProgramRecord): string | undefined {
  // kfunc calls are verified (kfunc.ts); those not modelled are refused as UNSUPPORTED.
  if (record.loader !== 'raw' && program.coreRelocations.length && !kernelBtf()) return 'CO-RE without kernel BTF';
  return undefined;
}

function instructionsOf(spec: ObjectSpec, program: ProgramSpec, record: KernelProgramRecord): readonly Instruction[] {
  // The raw loader does not relocate CO-RE accesses; libbpf does, against the running kernel.
  if (record.loader === 'raw' || !program.coreRelocations.length) return program.instructions;
  return applyCoreRelocations(program, spec.btf!, kernelBtf()!).instructions;
}

/** The attach type the program was loaded with: the raw loader records it, libbpf derives it from the section name. */
function expectedAttachType(record: KernelProgramRecord): number | undefined {
  if (record.expected_attach_type !== undefined || record.loader === 'raw') return record.expected_attach_type;
  const kind = sectionKind(record.section);
  return kind?.attachTypeAtLoad && kind.attachType ? AttachType[kind.attachType] : undefined;
}

/** Verifies one program as the kernel saw it. */
export function verifySample(spec: ObjectSpec, program: ProgramSpec, record: KernelProgramRecord, complexityLimit?: number): { ours: Ours; reason?: string; processed?: number } {
  const type = record.prog_type ?? TYPE_BY_ID.get(record.prog_type_id ?? -1) ?? program.type;
  if (!PROGRAM_TYPES.includes(type as ProgramType) && !isBtfProgramType(type)) return { ours: 'unmodelled', reason: `program type ${type}` };
  const attachBtf = attachBtfOf(spec, program, type);
  if (typeof attachBtf === 'string') return { ours: 'unmodelled', reason: attachBtf };
  const why = unmodelled(spec, program, record);
  if (why) return { ours: 'unmodelled', reason: why };
  // The harness's raw loader does not say it creates .rodata BPF_F_RDONLY_PROG; a constant Linux did not know would be unsound.
  const resolveMap = objectMaps(spec, program, record.loader !== 'raw');
  let insns: readonly Instruction[];
  try {
    insns = instructionsOf(spec, program, record);
  } catch (e) {
    return { ours: 'unmodelled', reason: `CO-RE: ${(e as Error).message}` };
  }
  // libbpf fills __ksym addresses in; the raw loader leaves the lddw as it is.
  const filled = record.loader === 'raw' ? insns : fillKsyms(spec, program, insns);
  if (typeof filled === 'string') return { ours: 'unmodelled', reason: filled };
  insns = filled;
  const r = verify(insns, {
    programType: type as ProgramType, expectedAttachType: expectedAttachType(record), helpers: KERNEL_HELPERS, license: record.license ?? (program.license || spec.license),
    resolveMap, complexityLimit, ...(attachBtf ? { attachBtf } : {}), ...kernelBtfOption(), resolveKfunc: objectKfuncs(program),
    // libbpf passes BTF, and the kernel then verifies global functions on their own; the raw loader passes none, so all are static.
    ...(record.loader !== 'raw' ? functionOptions(spec, program, type) : {}),
  });
  if (r.ok) return { ours: 'accepted', processed: r.processed };
  const e = r.error!;
  // Refusals for what is not modelled (unknown helpers, BTF pointers, callbacks…) say nothing about the program.
  if (e.code === 'UNSUPPORTED' || e.kernelMessage.startsWith('invalid func unknown#')) {
    return { ours: 'unmodelled', reason: e.kernelMessage, processed: r.processed };
  }
  return { ours: 'rejected', reason: e.kernelMessage, processed: r.processed };
}

/**
 * Every program with a kernel verdict, verified here.
 * @param root the ebpf-samples folder (with kernel-results.json)
 */
export function runSamples(root: string, options: { filter?: (object: string) => boolean; complexityLimit?: number } = {}): SampleOutcome[] {
  const results = JSON.parse(readFileSync(join(root, 'kernel-results.json'), 'utf8')) as KernelResults;
  const out: SampleOutcome[] = [];
  for (const [object, entry] of Object.entries(results.objects)) {
    if (options.filter && !options.filter(object)) continue;
    // A load refused before verification (EPERM for fentry/lsm here, struct_ops registration) is no verifier verdict.
    const known = entry.programs.filter((p) => p.verdict === 'accepted' || (p.verdict === 'rejected' && p.verifier_last_line));
    if (!known.length) continue;
    let spec: ObjectSpec | undefined;
    let loadError = '';
    try {
      // As the harness's raw loader read objects: every .text function may be an entry, each program linked on its own.
      spec = loadObject(readFileSync(join(root, object)), { textFunctionsAsPrograms: true, skipUnlinkable: true });
    } catch (e) {
      loadError = (e as Error).message;
    }
    for (const record of known) {
      const base = { object, section: record.section, function: record.function, kernel: record.verdict as 'accepted' | 'rejected', kernelMessage: record.verifier_last_line };
      const program = spec && findProgram(spec, record);
      if (!spec || !program) {
        out.push({ ...base, ours: 'unmodelled', reason: spec ? 'not an entry program of the object here' : `object: ${loadError}`, ms: 0 });
        continue;
      }
      const start = performance.now();
      const r = verifySample(spec, program, record, options.complexityLimit);
      out.push({ ...base, ...r, ms: performance.now() - start });
    }
  }
  return out;
}

/** The program a record names; the raw loader names a program after its section when no function symbol starts it. */
function findProgram(spec: ObjectSpec, record: KernelProgramRecord): ProgramSpec | undefined {
  const inSection = spec.programs.filter((p) => p.section === record.section);
  return inSection.find((p) => p.name === record.function)
    ?? (record.function === record.section ? inSection[0] : undefined);
}

export interface SampleSummary {
  readonly total: number;
  readonly unmodelled: number;
  readonly kernelAccepted: number;
  readonly kernelRejected: number;
  /** Modelled kernel-accepted programs we accept. */
  readonly agreeAccepted: number;
  /** Modelled kernel-rejected programs we reject. */
  readonly agreeRejected: number;
  /** Kernel-rejected programs we accept: must be zero. */
  readonly unsound: readonly SampleOutcome[];
  /** Kernel-accepted programs we reject. */
  readonly stricter: readonly SampleOutcome[];
  /** Share of modelled kernel-accepted programs we accept. */
  readonly precision: number;
  /** Share of kernel-accepted programs (modelled or not) we accept. */
  readonly precisionOverall: number;
}

export function summarize(outcomes: readonly SampleOutcome[]): SampleSummary {
  const modelled = outcomes.filter((o) => o.ours !== 'unmodelled');
  const acc = modelled.filter((o) => o.kernel === 'accepted');
  const rej = modelled.filter((o) => o.kernel === 'rejected');
  const allAccepted = outcomes.filter((o) => o.kernel === 'accepted');
  const agreeAccepted = acc.filter((o) => o.ours === 'accepted').length;
  return {
    total: outcomes.length,
    unmodelled: outcomes.length - modelled.length,
    kernelAccepted: acc.length,
    kernelRejected: rej.length,
    agreeAccepted,
    agreeRejected: rej.filter((o) => o.ours === 'rejected').length,
    unsound: outcomes.filter((o) => o.kernel === 'rejected' && o.ours === 'accepted'),
    stricter: acc.filter((o) => o.ours === 'rejected'),
    precision: acc.length ? agreeAccepted / acc.length : 1,
    precisionOverall: allAccepted.length ? agreeAccepted / allAccepted.length : 1,
  };
}
