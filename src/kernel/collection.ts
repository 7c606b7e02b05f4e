/**
 * An ObjectSpec loaded into Linux, as libbpf's bpf_object__load does it:
 * BTF first, then the maps (global data written and .rodata frozen, map-in-map
 * slots filled), then each program with CO-RE applied against the kernel's
 * BTF, map fds and kernel symbols filled in, func and line info attached;
 * prog-array slots last, once their programs exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBtf, type Btf } from '../btf/index.js';
import { makeLddw, make, type Instruction } from '../isa/index.js';
import {
  AttachType, CORE_POISON_HELPER, ObjectError, applyCoreRelocations, type CoreResult, type ObjectMapSpec, type ObjectSpec, type ProgramSpec,
} from '../object/index.js';
import { KernelBtf } from './btf.js';
import { readKernelConfig, kernelVersionCode, kallsymsAddress } from './kconfig.js';
import { KernelMap, possibleCpus } from './map.js';
import { BPFFS, ensureBpffs } from './pin.js';
import { KernelProgram, VerifierError } from './program.js';

const BPF_F_SLEEPABLE = 1 << 4;

export interface LoadCollectionOptions {
  /** The kernel's BTF for CO-RE and attach targets (default: /sys/kernel/btf/vmlinux, read once). */
  readonly vmlinux?: Btf;
  /** Directory of maps pinned `LIBBPF_PIN_BY_NAME` (default /sys/fs/bpf). */
  readonly pinPath?: string;
  /** Only these programs (by name); maps are all created. */
  readonly programs?: readonly string[];
  readonly logLevel?: 0 | 1 | 2;
  /** Values for `.kconfig` externs, over the running kernel's config. */
  readonly kconfig?: Readonly<Record<string, bigint | number | boolean | string>>;
}

/** Maps and programs of one object, in the kernel. */
export class KernelCollection {
  constructor(
    readonly maps: ReadonlyMap<string, KernelMap>,
    readonly programs: ReadonlyMap<string, KernelProgram>,
    readonly btf: KernelBtf | undefined,
    /** What each program's CO-RE relocations came to. */
    readonly core: ReadonlyMap<string, readonly CoreResult[]>,
    /** Why BTF could not be used, when it could not (programs then load without func/line info). */
    readonly btfWarning?: string,
  ) {}

  close(): void {
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    this.btf?.close();
  }
}

let vmlinuxCache: Btf | undefined;
/** The running kernel's BTF, parsed once. */
export function kernelBtf(): Btf {
  vmlinuxCache ??= parseBtf(readFileSync('/sys/kernel/btf/vmlinux'));
  return vmlinuxCache;
}

/**
 * Loads every map and program of an object into the kernel. On any failure,
 * what was created is closed again and the error is thrown: a VerifierError
 * or NotPermittedError for a program, a MapError for a map, an ObjectError
 * for what the object itself gets wrong (an unresolvable extern, a CO-RE
 * ambiguity).
 */
export function loadCollection(spec: ObjectSpec, options: LoadCollectionOptions = {}): KernelCollection {
  const maps = new Map<string, KernelMap>();
  const programs = new Map<string, KernelProgram>();
  let btf: KernelBtf | undefined;
  let btfWarning: string | undefined;
  try {
    if (spec.btfBytes) {
      try {
        btf = KernelBtf.load(spec.btfBytes);
      } catch (e) {
        btfWarning = (e as Error).message;
      }
    }
    for (const m of spec.maps) maps.set(m.name, createMap(spec, m, options, maps, btf));
    const core = new Map<string, CoreResult[]>();
    const wanted = spec.programs.filter((p) => !options.programs || options.programs.includes(p.name));
    for (const program of wanted) {
      const { instructions, results } = prepare(spec, program, maps, options);
      core.set(program.name, results);
      programs.set(program.name, explainPoison(program.name, results, () => KernelProgram.load({
        type: program.type === 'unspec' ? 'socket_filter' : program.type,
        instructions,
        license: spec.license || 'GPL',
        name: program.name,
        ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
        ...(program.kind?.attachTypeAtLoad && program.attachType ? { expectedAttachType: AttachType[program.attachType] } : {}),
        ...(attachBtfId(program, options) ?? {}),
        ...(program.sleepable ? { flags: BPF_F_SLEEPABLE } : {}),
        ...(spec.kernelVersion !== undefined ? { kernelVersion: spec.kernelVersion } : {}),
        ...(btf ? {
          btf,
          funcInfo: program.funcInfo.map((f) => ({ insn: f.index, typeId: f.typeId })),
          lineInfo: program.lineInfo.map((l) => ({ insn: l.index, fileName: l.fileNameOffset, lineText: l.lineOffset, line: l.lineNumber, column: l.column })),
        } : {}),
      })));
    }
    for (const m of spec.maps) {
      if (m.type !== 'prog_array' || !m.initialSlots) continue;
      for (const [slot, name] of m.initialSlots) {
        const p = programs.get(name);
        if (p) maps.get(m.name)!.update(u32(slot), u32(p.fd.value));
      }
    }
    return new KernelCollection(maps, programs, btf, core, btfWarning);
  } catch (e) {
    for (const p of programs.values()) p.close();
    for (const m of maps.values()) m.close();
    btf?.close();
    throw e;
  }
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** The kernel allows [A-Za-z0-9_.] in names, 15 characters. */
function kernelName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
}

function createMap(spec: ObjectSpec, m: ObjectMapSpec, options: LoadCollectionOptions, created: Map<string, KernelMap>, btf: KernelBtf | undefined): KernelMap {
  if (m.pinning === 'other') {
    throw new ObjectError('BAD_MAP_DEFINITION', `pinning ${m.pinningValue} is neither LIBBPF_PIN_NONE (0) nor LIBBPF_PIN_BY_NAME (1); another loader's convention`, { map: m.name });
  }
  if (m.pinning === 'by-name') {
    const path = join(options.pinPath ?? BPFFS, m.name);
    if (existsSync(path)) return KernelMap.openPinned(path);
  }
  let inner: KernelMap | undefined;
  if (m.innerMap) inner = KernelMap.create(mapSpecFor(m.innerMap));
  try {
    const base = { ...mapSpecFor(m), ...(inner ? { innerMapFd: inner.fd.value } : {}) };
    // Key and value types let the kernel check spin locks, timers and storage maps; like libbpf,
    // retry without them when the kernel refuses the description (older kernels, odd types).
    let map: KernelMap;
    if (btf && m.valueType !== undefined) {
      try {
        map = KernelMap.create({ ...base, btf: { fd: btf.fd.value, keyType: m.keyType ?? 0, valueType: m.valueType } });
      } catch {
        map = KernelMap.create(base);
      }
    } else {
      map = KernelMap.create(base);
    }
    if (m.data) map.update(u32(0), m.data);
    if (m.origin === 'kconfig') map.update(u32(0), kconfigValue(spec, m, options));
    if (m.readOnly) map.freeze();
    for (const [slot, name] of m.type === 'prog_array' ? [] : m.initialSlots ?? []) {
      const target = created.get(name);
      if (!target) throw new ObjectError('BAD_RELOCATION', `slot ${slot} holds map ${name}, which is defined after it`, { map: m.name });
      map.update(u32(slot), u32(target.fd.value));
    }
    if (m.pinning === 'by-name') {
      ensureBpffs();
      map.pin(join(options.pinPath ?? BPFFS, m.name));
    }
    return map;
  } finally {
    inner?.close();
  }
}

function mapSpecFor(m: ObjectMapSpec) {
  // libbpf sizes a perf event array with max_entries 0 to the CPUs that may exist.
  const maxEntries = m.type === 'perf_event_array' && m.maxEntries === 0 ? possibleCpus() : m.maxEntries;
  return {
    type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries, flags: m.flags, name: kernelName(m.name),
    ...(m.numaNode !== undefined ? { numaNode: m.numaNode } : {}),
    ...(m.mapExtra !== undefined ? { mapExtra: m.mapExtra } : {}),
  };
}

/** The `.kconfig` map's bytes: each extern at its offset, from the options or the running kernel. */
function kconfigValue(spec: ObjectSpec, m: ObjectMapSpec, options: LoadCollectionOptions): Uint8Array {
  const bytes = new Uint8Array(m.valueSize);
  const view = new DataView(bytes.buffer);
  const config = readKernelConfig();
  for (const ext of spec.externs) {
    if (ext.kind !== 'kconfig') continue;
    let value: bigint | number | boolean | string | undefined = options.kconfig?.[ext.name];
    if (value === undefined) value = libbpfKconfig(ext.name);
    if (value === undefined) {
      const raw = config.get(ext.name);
      if (raw !== undefined) value = raw === 'y' ? 1 : raw === 'm' ? 2 : raw === 'n' ? 0 : /^-?(0x[0-9a-f]+|\d+)$/i.test(raw) ? BigInt(raw) : raw.replace(/^"|"$/g, '');
    }
    if (value === undefined) {
      if (ext.weak) continue;
      throw new ObjectError('UNRESOLVED_EXTERN', `extern ${ext.name} __kconfig is not set in this kernel's config (declare it __weak to read 0)`, { map: '.kconfig' });
    }
    const at = ext.offset!;
    if (typeof value === 'string') {
      bytes.set(new TextEncoder().encode(value).subarray(0, ext.size! - 1), at);
      continue;
    }
    const n = BigInt(typeof value === 'boolean' ? Number(value) : value);
    switch (ext.size) {
      case 1: view.setUint8(at, Number(BigInt.asUintN(8, n))); break;
      case 2: view.setUint16(at, Number(BigInt.asUintN(16, n)), true); break;
      case 4: view.setUint32(at, Number(BigInt.asUintN(32, n)), true); break;
      case 8: view.setBigUint64(at, BigInt.asUintN(64, n), true); break;
      default: throw new ObjectError('UNRESOLVED_EXTERN', `extern ${ext.name} __kconfig is ${ext.size} bytes; only 1, 2, 4 and 8-byte integers or char arrays are supported`, {});
    }
  }
  return bytes;
}

/** The externs libbpf itself defines, beyond CONFIG_* (its `LINUX_*` names). */
function libbpfKconfig(name: string): number | undefined {
  switch (name) {
    case 'LINUX_KERNEL_VERSION': return kernelVersionCode();
    // Syscalls go through pt_regs wrappers (__x64_sys_*) on x86-64 and arm64 since 4.17.
    case 'LINUX_HAS_SYSCALL_WRAPPER': return kallsymsAddress(`${process.arch === 'arm64' ? '__arm64' : '__x64'}_sys_bpf`) !== undefined ? 1 : 0;
    // bpf_get_attach_cookie arrived in 5.15.
    case 'LINUX_HAS_BPF_COOKIE': return kernelVersionCode() >= (5 << 16) + (15 << 8) ? 1 : 0;
    default: return undefined;
  }
}

/** libbpf's helper id for a call to a weak kfunc the kernel lacks: refused by the verifier only if reached. */
const POISON_KFUNC_BASE = 2002000000;

/** A program's instructions for this kernel: CO-RE applied, map fds and kernel symbols in place. */
function prepare(spec: ObjectSpec, program: ProgramSpec, maps: ReadonlyMap<string, KernelMap>, options: LoadCollectionOptions): { instructions: Instruction[]; results: CoreResult[] } {
  let instructions = [...program.instructions];
  let results: CoreResult[] = [];
  if (program.coreRelocations.length > 0) {
    if (!spec.btf) throw new ObjectError('CORE_RELOCATION', 'CO-RE relocations without BTF in the object', { program: program.name });
    ({ instructions, results } = applyCoreRelocations(program, spec.btf, options.vmlinux ?? kernelBtf()));
  }
  for (const ref of program.references) {
    const at = ref.index;
    const insn = instructions[at]!;
    const where = { program: program.name, instruction: at };
    switch (ref.kind) {
      case 'map':
      case 'map-value': {
        const map = maps.get(ref.map);
        if (!map) throw new ObjectError('UNKNOWN_SYMBOL', `refers to map ${ref.map}, which was not created`, where);
        const fd = BigInt(map.fd.value);
        const [first, tail] = makeLddw(insn.dst, ref.kind === 'map' ? fd : (BigInt(ref.offset) << 32n) | fd, insn.src);
        instructions[at] = first;
        instructions[at + 1] = tail;
        break;
      }
      case 'kfunc': {
        const id = (options.vmlinux ?? kernelBtf()).all(ref.name, 'func')[0]?.id;
        if (id === undefined && isWeak(spec, ref.name)) {
          instructions[at] = make(insn.opcode, 0, 0, 0, POISON_KFUNC_BASE + spec.externs.findIndex((e) => e.name === ref.name));
          break;
        }
        if (id === undefined) throw new ObjectError('UNRESOLVED_EXTERN', `kfunc ${ref.name} is not in the kernel's BTF`, where);
        instructions[at] = make(insn.opcode, insn.dst, insn.src, 0, id);
        break;
      }
      case 'ksym': {
        let value: bigint;
        const weak = isWeak(spec, ref.name);
        if (ref.typed) {
          const id = (options.vmlinux ?? kernelBtf()).all(ref.name, 'var')[0]?.id;
          if (id === undefined && weak) {
            // A missing weak ksym reads as NULL (a plain 0 constant), as libbpf makes it.
            [instructions[at], instructions[at + 1]] = makeLddw(insn.dst, 0n);
            break;
          }
          if (id === undefined) throw new ObjectError('UNRESOLVED_EXTERN', `ksym ${ref.name} is not a variable in the kernel's BTF`, where);
          value = BigInt(id);
        } else {
          const address = kallsymsAddress(ref.name) ?? (weak ? 0n : undefined);
          if (address === undefined) throw new ObjectError('UNRESOLVED_EXTERN', `ksym ${ref.name} is not in /proc/kallsyms`, where);
          value = address;
        }
        const [first, tail] = makeLddw(insn.dst, value, insn.src);
        instructions[at] = first;
        instructions[at + 1] = tail;
        break;
      }
    }
  }
  return { instructions, results };
}

/**
 * The verifier reports a reachable poisoned instruction as a call to an unknown
 * function; say instead which CO-RE relocation failed and why.
 */
function explainPoison(program: string, results: readonly CoreResult[], load: () => KernelProgram): KernelProgram {
  try {
    return load();
  } catch (e) {
    if (!(e instanceof VerifierError)) throw e;
    const m = new RegExp(`^(\\d+): \\(85\\) call unknown#${CORE_POISON_HELPER}`, 'm').exec(e.log);
    const failed = m ? results.find((r) => r.relocation.index === Number(m[1]) && r.value === undefined) : undefined;
    if (!failed) throw e;
    throw new ObjectError('CORE_RELOCATION',
      `the verifier reached an instruction whose CO-RE relocation failed: ${failed.relocation.kind} of ${failed.access}: ${failed.reason}. ` +
      'Guard the access with bpf_core_field_exists() (or a flavored type) so the kernel can prune it.',
      { program, instruction: failed.relocation.index });
  }
}

function isWeak(spec: ObjectSpec, name: string): boolean {
  return spec.externs.some((e) => e.name === name && e.weak);
}

/** BTF id of what a tracing, LSM or iterator program attaches to, as the kernel wants it at load. */
function attachBtfId(program: ProgramSpec, options: LoadCollectionOptions): { attachBtfId: number } | undefined {
  if (program.type !== 'tracing' && program.type !== 'lsm') return undefined;
  const vmlinux = options.vmlinux ?? kernelBtf();
  const target = program.attachTo;
  const [name, kind] = program.attachType === 'trace_raw_tp' ? [`btf_trace_${target}`, 'typedef' as const]
    : program.attachType === 'trace_iter' ? [`bpf_iter_${target}`, 'func' as const]
    : program.type === 'lsm' ? [`bpf_lsm_${target}`, 'func' as const]
    : [target, 'func' as const];
  const id = vmlinux.all(name, kind)[0]?.id;
  if (id === undefined) {
    throw new ObjectError('UNRESOLVED_EXTERN', `attach target ${name} (${kind}) is not in the kernel's BTF`, { program: program.name, section: program.section });
  }
  return { attachBtfId: id };
}
