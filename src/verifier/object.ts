/**
 * Verifying the programs of an ELF object: its maps become what lddw
 * instructions refer to, its license and section decide the rest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseBtf, type Btf } from '../btf/index.js';
import { makeLddw, type Instruction } from '../isa/index.js';
import { AttachType, applyCoreRelocations, type ObjectMapSpec, type ObjectSpec, type ProgramSpec } from '../object/index.js';
import { BTF_PROGRAM_TYPES, PROGRAM_TYPES, isBtfProgramType, type ProgramType } from './context.js';
import { verify, type MapReference, type VerifyOptions, type VerifyResult } from './engine.js';
import { KERNEL_HELPERS } from './helpers.js';
import { kallsymsAddress } from '../kernel/kconfig.js';
import { globalFunctions } from './global-funcs.js';
import { RDONLY_PROG } from './maps.js';
import type { MapInfo } from './state.js';
import { type AttachBtf, resolveAttachBtf } from './tracing-context.js';

/**
 * What the verifier knows of an object's map. With `frozen` (libbpf's
 * behaviour: .rodata is created BPF_F_RDONLY_PROG and frozen), .rodata's bytes
 * read as known numbers; .kconfig's are filled in by the loader, so never.
 */
export function mapInfo(m: ObjectMapSpec, frozen = true, btf?: Btf): MapInfo {
  return {
    name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries,
    flags: m.flags | (m.readOnly ? RDONLY_PROG : 0),
    frozenData: frozen && m.readOnly && m.origin === 'data' && m.data ? m.data : undefined,
    innerMap: m.innerMap ? mapInfo(m.innerMap, frozen, btf) : undefined,
    ...(btf && m.valueType ? { btf: spinLockOf(btf, m.valueType) } : {}),
  };
}

/** btf_parse_fields, for what the verifier models: the offset of a `struct bpf_spin_lock` in a map's value type. */
function spinLockOf(btf: Btf, valueType: number): { spinLock?: number } {
  const find = (id: number, base: number, depth: number): number | undefined => {
    if (depth > 8) return undefined;
    const t = btf.resolve(id);
    if ((t.kind === 'struct' || t.kind === 'union') && t.name === 'bpf_spin_lock') return base;
    if (t.kind === 'struct' || t.kind === 'union') {
      for (const m of t.members) {
        const at = find(m.type, base + m.bitOffset / 8, depth + 1);
        if (at !== undefined) return at;
      }
    }
    if (t.kind === 'datasec') {
      for (const v of t.vars) {
        const at = find(v.type, base + v.offset, depth + 1);
        if (at !== undefined) return at;
      }
    }
    if (t.kind === 'var') return find(t.type, base, depth + 1);
    return undefined;
  };
  const at = find(valueType, 0, 0);
  return at === undefined ? {} : { spinLock: at };
}

/** resolveMap for a program of `spec`: its references, by instruction. */
export function objectMaps(spec: ObjectSpec, program: ProgramSpec, frozen = true, withBtf = frozen): (insn: Instruction, index: number) => MapReference | undefined {
  // libbpf creates maps with their BTF; a loader without BTF does not (and then spin locks are refused).
  const maps = new Map(spec.maps.map((m) => [m.name, mapInfo(m, frozen, withBtf ? spec.btf : undefined)]));
  const byInsn = new Map<number, MapReference>();
  for (const r of program.references) {
    if (r.kind !== 'map' && r.kind !== 'map-value') continue;
    const map = maps.get(r.map);
    if (map) byInsn.set(r.index, { map, offset: r.kind === 'map-value' ? r.offset : undefined });
  }
  return (_insn, index) => byInsn.get(index);
}

let vmlinux: Btf | null | undefined;
/** The running kernel's BTF, for CO-RE; undefined when the kernel has none. */
export function kernelBtf(): Btf | undefined {
  if (vmlinux === undefined) vmlinux = existsSync('/sys/kernel/btf/vmlinux') ? parseBtf(readFileSync('/sys/kernel/btf/vmlinux')) : null;
  return vmlinux ?? undefined;
}

/** Program types whose context is fixed (BTF-typed ones also need their attach target, see attachBtfOf). */
export const isModelledType = (type: string): type is ProgramType => PROGRAM_TYPES.includes(type as ProgramType);

/**
 * The attach target of a tracing, struct_ops or LSM program in the running
 * kernel's BTF, as libbpf would name it at load: the section's attach type
 * and target, or for struct_ops the member of the `.struct_ops` map the
 * program fills. undefined for other program types; a string says why it
 * cannot be modelled.
 */
export function attachBtfOf(spec: ObjectSpec, program: ProgramSpec, type: string = program.type): AttachBtf | string | undefined {
  if (!isBtfProgramType(type)) return undefined;
  const btf = kernelBtf();
  if (!btf) return 'no kernel BTF at /sys/kernel/btf/vmlinux';
  let structOps: { typeName: string; member: string } | undefined;
  if (type === 'struct_ops') {
    for (const ops of spec.structOps ?? []) {
      for (const [member, fn] of ops.members) if (fn === program.name) structOps = { typeName: ops.typeName, member };
    }
  }
  return resolveAttachBtf(btf, { type, attachType: program.attachType, attachTo: program.attachTo, sleepable: program.sleepable, ...(structOps ? { structOps } : {}) });
}

/**
 * Verifies one program of an object as libbpf would load it: CO-RE applied
 * against the running kernel's BTF, maps from the object, .rodata frozen.
 * @throws Error when the program type is not modelled or CO-RE cannot be applied
 */
export function verifyObjectProgram(spec: ObjectSpec, program: ProgramSpec, options: Omit<VerifyOptions, 'maps' | 'resolveMap'> = {}): VerifyResult {
  const type = options.programType ?? program.type;
  if (type === 'unspec') throw new Error(`section '${program.section}' names no program type; give one (${PROGRAM_TYPES.join(', ')})`);
  if (!isModelledType(type) && !isBtfProgramType(type)) throw new Error(`program type ${type} is not modelled by the verifier (it knows ${[...PROGRAM_TYPES, ...BTF_PROGRAM_TYPES].join(', ')})`);
  const attachBtf = attachBtfOf(spec, program, type);
  if (typeof attachBtf === 'string') throw new Error(`${program.name}: ${attachBtf}`);
  let insns = program.instructions;
  if (program.coreRelocations.length) {
    const target = kernelBtf();
    if (!target || !spec.btf) throw new Error(`${program.name} has CO-RE relocations, which need the kernel's BTF at /sys/kernel/btf/vmlinux`);
    insns = applyCoreRelocations(program, spec.btf, target).instructions;
  }
  const filled = fillKsyms(spec, program, insns);
  if (typeof filled === 'string') throw new Error(`${program.name}: ${filled}`);
  const result = verify(filled, {
    helpers: KERNEL_HELPERS, license: program.license || spec.license, ...(attachBtf ? { attachBtf } : {}), ...kernelBtfOption(), resolveKfunc: objectKfuncs(program),
    ...functionOptions(spec, program, type),
    // libbpf passes the section's attach type at load; cgroup hooks' fields and return values depend on it.
    ...(type === program.type && program.kind?.attachTypeAtLoad && program.attachType ? { expectedAttachType: AttachType[program.attachType] } : {}),
    ...options, programType: type, resolveMap: objectMaps(spec, program),
  });
  // BTF line info says which C line the faulting instruction came from.
  const error = result.error;
  if (error && error.insn >= 0) {
    const line = [...program.lineInfo].reverse().find((l) => l.index <= error.insn);
    if (line) error.locate({ file: line.fileName, line: line.lineNumber, column: line.column, text: line.line });
  }
  return result;
}

/**
 * What the object's BTF says of the program's functions, as libbpf loads
 * them: func_info is there (callbacks need it), and which functions Linux
 * verifies on their own (global, not hidden).
 */
export function functionOptions(spec: ObjectSpec, program: ProgramSpec, type: string): Pick<VerifyOptions, 'funcInfo' | 'globalFunctions'> {
  if (!spec.btf || program.funcInfo.length === 0) return {};
  const loadedStatic = new Set(spec.subprograms.filter((f) => !f.global).map((f) => f.name));
  return { funcInfo: true, globalFunctions: globalFunctions(spec.btf, program.funcInfo, type, loadedStatic) };
}

/**
 * Untyped `__ksym` variables as libbpf fills them before loading: the lddw
 * holds the symbol's address from /proc/kallsyms (a missing weak one reads
 * as 0), so the verifier sees the constant Linux sees. A string says why the
 * program cannot be loaded that way (a typed ksym, a symbol not found).
 */
export function fillKsyms(spec: ObjectSpec, program: ProgramSpec, insns: readonly Instruction[]): readonly Instruction[] | string {
  const ksyms = program.references.filter((r) => r.kind === 'ksym');
  if (ksyms.length === 0) return insns;
  const out = [...insns];
  for (const r of ksyms) {
    if (r.kind !== 'ksym') continue;
    const weak = spec.externs.some((e) => e.name === r.name && e.weak);
    if (r.typed) {
      // A weak one the kernel lacks is a plain 0 (bpf_ksym_exists() is false); others are BTF pointers, not modelled.
      const inKernel = kernelBtf()?.all(r.name).some((t) => t.kind === 'var' || t.kind === 'func');
      if (weak && inKernel === false) {
        [out[r.index], out[r.index + 1]] = makeLddw(out[r.index]!.dst, 0n);
        continue;
      }
      return `typed ksym ${r.name} (a BTF pointer to a kernel variable or function) is not modelled`;
    }
    const address = kallsymsAddress(r.name) ?? (weak ? 0n : undefined);
    if (address === undefined) return `ksym ${r.name} is not in /proc/kallsyms`;
    [out[r.index], out[r.index + 1]] = makeLddw(out[r.index]!.dst, address);
  }
  return out;
}

/** The kfunc names of a program's calls, by instruction slot (its `kfunc` references). */
export function objectKfuncs(program: ProgramSpec): (insn: Instruction, index: number) => string | undefined {
  const byInsn = new Map<number, string>();
  for (const r of program.references) if (r.kind === 'kfunc') byInsn.set(r.index, r.name);
  return (_insn, index) => byInsn.get(index);
}

/** The running kernel's BTF as a verify() option, for helpers returning BTF pointers. */
export function kernelBtfOption(): { kernelBtf?: Btf } {
  const btf = kernelBtf();
  return btf ? { kernelBtf: btf } : {};
}
