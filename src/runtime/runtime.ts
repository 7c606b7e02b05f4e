/**
 * The userspace target: one address space, the maps and programs of a
 * runtime, the helper table, and a test-run like BPF_PROG_TEST_RUN.
 */
import { HelperTable, TracePipe, basicHelpers, callbackHelpers, mapHelpers, packetHelpers, syncHelpers, type RuntimeHelperEnv, type CallbackHelperEnv, type HelperDefinition, type MapHelperEnv, type PacketHelperEnv } from '../helpers/index.js';
import { CallSrc, PseudoSrc, make, type Instruction } from '../isa/index.js';
import { AddressSpace, type Region } from '../memory/index.js';
import { ArrayMap, HashMap, createMap, type BpfMap, type MapSpec } from '../maps/index.js';
import { RingBuffer, SlotMap, type SlotResolver } from '../maps/index.js';
import { applyCoreRelocations, type ObjectSpec, type ProgramSpec, type ProgramTypeName } from '../object/index.js';
import { KERNEL_HELPERS, functionOptions, isModelledType, verify, type MapInfo, type MapReference, type VerifyOptions } from '../verifier/index.js';
import { Interpreter, JitProgram, JitUnsupportedError, type Executable, type RunOptions } from '../vm/index.js';
import { buildContext } from './context.js';
import { MapRegistry } from './registry.js';

/** What helpers see while a runtime's program runs. */
export interface RuntimeEnv extends MapHelperEnv, PacketHelperEnv, CallbackHelperEnv, RuntimeHelperEnv {
  readonly runtime: Runtime;
  ringOfSample(address: number): BpfMap | undefined;
}

export interface RuntimeOptions {
  /** Number of "CPUs" (workers): per-CPU maps hold this many values. Default 1. */
  readonly cpus?: number;
  /** Back the address space by a SharedArrayBuffer, for worker threads. */
  readonly shared?: boolean;
  /**
   * The engine programs run on. The JIT (falling back to the interpreter for
   * what it cannot compile) checks no region bounds, so it is for verified
   * programs and the default when they are; unverified programs default to
   * the interpreter, which checks every access.
   */
  readonly engine?: EngineName;
  /**
   * Verify every program at load with tsbpf's verifier (the kernel's rules):
   * a refusal throws its VerifierError, and accepted programs run on the JIT
   * unless `engine` says otherwise. Default true, as in the kernel; `false` is
   * the explicit opt-out for programs the verifier refuses or does not model.
   */
  readonly verify?: boolean;
  /** Makes maps before the built-in types are tried (a host's own map types); undefined falls through. */
  readonly mapFactory?: (spec: MapSpec, space: AddressSpace, cpus: number) => BpfMap | undefined;
}

/** How `Runtime.load` takes a program. */
export interface LoadOptions {
  readonly name?: string;
  readonly type?: ProgramTypeName;
  /** Map, global-data and kfunc references by instruction (an ObjectSpec program's). */
  readonly references?: ProgramSpec['references'];
  readonly engine?: EngineName;
  readonly license?: string;
  /** What the object's BTF says of the program's functions (func_info, global functions), for the verifier. */
  readonly functions?: Pick<VerifyOptions, 'funcInfo' | 'globalFunctions'>;
}

export interface TestRunOptions {
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
  /** Runs the program this many times (default 1); the result is the last run's. */
  readonly repeat?: number;
  /** The worker the program runs as (default 0). */
  readonly cpu?: number;
  /** Instruction budget per run (default 1,000,000, like the kernel's complexity limit). */
  readonly budget?: number;
}

export interface TestRunResult {
  readonly retval: bigint;
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
  /** Mean nanoseconds per run. */
  readonly durationNs: number;
  /** Instructions executed in the last run by the program that returned (a tail call's caller is not counted). */
  readonly executed: number;
}

/** What one run (and its tail calls and callbacks) keeps. */
interface RunSession {
  program: RuntimeProgram;
  executed: number;
  tailCalls: number;
  regions: readonly Region[];
  frames: bigint[] | undefined;
  readonly budget: number;
  env: RuntimeEnv;
}

/** Marks a BPF_PSEUDO_FUNC value: the function's first instruction in the low bits. */
const FUNCTION_TAG = 0xbf00_0000_0000_0000n;

/** Regions a program reaches through helper-given pointers; callbacks also get the caller's stack. */
const PROGRAM_REGION_KINDS = ['map-value', 'map-storage', 'ringbuf', 'global'] as const;
const CALLBACK_REGION_KINDS = [...PROGRAM_REGION_KINDS, 'map-key', 'stack'] as const;

/** The kernel's MAX_TAIL_CALL_CNT: a chain may make 33 tail calls. */
export const MAX_TAIL_CALLS = 33;

/** A tail call that succeeded: unwinds the running program so the runtime can start the next. */
class TailCallSignal {
  constructor(readonly program: RuntimeProgram) {}
}

/** Ids of host kfuncs in the helper table: far above the kernel's helper ids. */
const KFUNC_BASE = 0x10000;

export class UnknownKfuncError extends Error {
  override readonly name = 'UnknownKfuncError';
  readonly code = 'UNKNOWN_KFUNC';
  constructor(readonly program: string, readonly instruction: number, readonly kfunc: string, known: readonly string[]) {
    super(`program ${program}, instruction ${instruction}: calls kfunc ${kfunc}, which this runtime does not provide (${known.length ? `registered: ${known.join(', ')}` : 'register it with runtime.registerKfunc'})`);
  }
}

/** Which engine runs a program: the WebAssembly JIT or the reference interpreter. */
export type EngineName = 'jit' | 'interpreter';

/** A program loaded into a runtime. */
export class RuntimeProgram {
  readonly executable: Executable<RuntimeEnv>;
  /** The engine in use: a program the JIT cannot compile (legacy packet loads, kfuncs by id) runs interpreted. */
  readonly engine: EngineName;
  constructor(
    readonly runtime: Runtime,
    readonly id: number,
    readonly name: string,
    readonly type: ProgramTypeName,
    readonly instructions: readonly Instruction[],
    resolve: (insn: Instruction, index: number) => bigint,
    engine: EngineName,
    /** Passed the verifier: compiled without loop budgets. */
    readonly verified = false,
  ) {
    const options = {
      verified,
      helpers: runtime.helpers, space: runtime.space, resolveLddw: resolve,
      // Plain arrays (not per-CPU: the CPU is chosen per run) get their lookups inlined by the JIT.
      describeMap: (pointer: bigint) => {
        const map = pointer <= 0xffffffffn ? runtime.maps.at(Number(pointer)) : undefined;
        if (map instanceof ArrayMap && map.spec.type === 'array') return { kind: 'array' as const, values: map.valueAddress(0), stride: map.stride, maxEntries: map.spec.maxEntries };
        const layout = map instanceof HashMap ? map.layout : undefined;
        return layout ? { kind: 'hash' as const, ...layout } : undefined;
      },
    };
    let executable: Executable<RuntimeEnv> | undefined;
    if (engine === 'jit') {
      try {
        executable = new JitProgram<RuntimeEnv>(instructions, options);
      } catch (e) {
        if (!(e instanceof JitUnsupportedError)) throw e;
      }
    }
    this.executable = executable ?? new Interpreter<RuntimeEnv>(instructions, options);
    this.engine = executable ? 'jit' : 'interpreter';
  }

  testRun(options: TestRunOptions = {}): TestRunResult {
    return this.runtime.testRun(this, options);
  }
}


export class Runtime {
  readonly space: AddressSpace;
  readonly cpus: number;
  readonly maps: MapRegistry;
  readonly helpers: HelperTable<RuntimeEnv>;
  /** Where bpf_trace_printk writes, in the kernel's trace_pipe format; read it or listen to it. */
  readonly tracePipe = new TracePipe();
  /** Frame addresses handed to bpf_get_stack, and the JavaScript frames they stand for. */
  readonly #frames = new Map<bigint, string>();
  readonly #frameIds = new Map<string, bigint>();
  readonly #programs = new Map<number, RuntimeProgram>();
  readonly #factory?: RuntimeOptions['mapFactory'];
  readonly #kfuncs = new Map<string, number>();
  #eventSession: RunSession | undefined;
  #eventDepth = 0;
  readonly #engine: EngineName;
  readonly #verify: boolean;
  #nextProgramId = 1;

  constructor(options: RuntimeOptions = {}) {
    this.space = new AddressSpace({ shared: options.shared ?? false });
    this.cpus = options.cpus ?? 1;
    this.maps = new MapRegistry(this.space);
    this.helpers = new HelperTable<RuntimeEnv>([
      ...basicHelpers<RuntimeEnv>(), ...mapHelpers<RuntimeEnv>(), ...packetHelpers<RuntimeEnv>(), ...callbackHelpers<RuntimeEnv>(), ...syncHelpers<RuntimeEnv>(),
    ]);
    this.#factory = options.mapFactory;
    this.#verify = options.verify ?? true;
    this.#engine = options.engine ?? (this.#verify ? 'jit' : 'interpreter');
  }

  /** Creates a map (and, for maps of maps, checks inner maps against `innerMap`). */
  createMap(spec: MapSpec & { readonly name: string }, innerMap?: MapSpec): BpfMap {
    const resolver: SlotResolver = {
      programExists: (id) => this.#programs.has(id),
      mapAddress: (id) => {
        const m = this.maps.byId(id);
        return m ? this.maps.addressOf(m) : 0;
      },
      checkInnerMap: (id, template) => {
        const m = this.maps.byId(id);
        if (!m) return `no map with id ${id}`;
        if (!template) return undefined;
        const s = m.spec;
        if (s.type !== template.type || s.keySize !== template.keySize || s.valueSize !== template.valueSize || s.maxEntries !== template.maxEntries) {
          return `map ${m.name} (${s.type} ${s.keySize}/${s.valueSize}/${s.maxEntries}) does not match the inner map definition (${template.type} ${template.keySize}/${template.valueSize}/${template.maxEntries})`;
        }
        return undefined;
      },
    };
    const built = this.#factory?.(spec, this.space, this.cpus)
      ?? createMap(spec, { space: this.space, cpus: this.cpus, resolver, ...(innerMap ? { innerMap } : {}) });
    this.maps.add(built);
    return built;
  }

  /**
   * Registers a host function that programs call as a kfunc (`extern … __ksym`
   * in C). It lives in the helper table under an id above the kernel's helper
   * ids; loading rewrites the program's kfunc calls to it by name.
   */
  registerKfunc(name: string, proto: HelperDefinition<RuntimeEnv>['proto'], impl: HelperDefinition<RuntimeEnv>['impl']): number {
    const existing = this.#kfuncs.get(name);
    const id = existing ?? KFUNC_BASE + this.#kfuncs.size;
    this.#kfuncs.set(name, id);
    this.helpers.register({ id, name, proto, impl });
    return id;
  }

  /** The JavaScript frame (`function (file:line:column)`) behind an address bpf_get_stack gave a program. */
  symbolize(address: bigint): string | undefined {
    return this.#frames.get(address);
  }

  /** The JS frames calling into the runtime, outside tsbpf's own code, as stable addresses. */
  #captureStack(): bigint[] {
    const here = new URL('../', import.meta.url).pathname;
    // Compiled programs add wasm and glue frames: look deeper than V8's default of 10.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 64;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    const lines = stack.split('\n').slice(1).map((l) => l.trim().replace(/^at /, ''));
    // tsbpf's own frames (compiled programs included) are not the caller's stack.
    const ours = (l: string) => (l.includes(here) && !/\.test\.js:/.test(l)) || l.includes('wasm://');
    const first = lines.findIndex((l) => !ours(l));
    return lines.slice(Math.max(0, first)).filter((l) => !ours(l) && !/(^|\()node:/.test(l)).map((frame) => {
      let id = this.#frameIds.get(frame);
      if (id === undefined) {
        // Addresses in the kernel's text range look like code addresses to tools that print them.
        id = 0xffff_ffff_c000_0000n + BigInt(this.#frameIds.size) * 16n;
        this.#frameIds.set(frame, id);
        this.#frames.set(id, frame);
      }
      return id;
    });
  }

  program(id: number): RuntimeProgram | undefined {
    return this.#programs.get(id);
  }

  /**
   * Loads instructions. Map references are `lddw rX, map_fd(N)` where N is a
   * map id of this runtime, or come from `references` (an ObjectSpec program).
   */
  load(instructions: readonly Instruction[], options: LoadOptions = {}): RuntimeProgram {
    const byIndex = new Map((options.references ?? []).map((r) => [r.index, r]));
    const resolve = (insn: Instruction, index: number): bigint => {
      const ref = byIndex.get(index);
      const map = ref && (ref.kind === 'map' || ref.kind === 'map-value') ? this.maps.get(ref.map) : undefined;
      if (insn.src === PseudoSrc.MAP_FD) return BigInt(this.maps.addressOf(map ?? this.#mapById(insn.imm, index)));
      if (insn.src === PseudoSrc.MAP_VALUE) {
        const target = map ?? this.#mapById(insn.imm, index);
        const offset = ref?.kind === 'map-value' ? ref.offset : Number(BigInt.asUintN(32, (insn.imm64 ?? 0n) >> 32n));
        return BigInt(this.#valueAddress(target) + offset);
      }
      if (insn.src === PseudoSrc.FUNC) return FUNCTION_TAG | BigInt(index + insn.imm + 1);
      throw new Error(`instruction ${index}: lddw with pseudo source ${insn.src} is not supported by the userspace runtime`);
    };
    const linked = [...instructions];
    for (const ref of options.references ?? []) {
      if (ref.kind !== 'kfunc') continue;
      const kfunc = this.#kfuncs.get(ref.name);
      if (kfunc === undefined) {
        throw new UnknownKfuncError(options.name ?? 'program', ref.index, ref.name, [...this.#kfuncs.keys()]);
      }
      linked[ref.index] = make(0x85, 0, CallSrc.HELPER, 0, kfunc);
    }
    const type = options.type ?? 'socket_filter';
    if (this.#verify) this.#verifyProgram(linked, type, options);
    const id = this.#nextProgramId++;
    const program = new RuntimeProgram(this, id, options.name ?? `prog${id}`, type, linked, resolve, options.engine ?? this.#engine, this.#verify);
    this.#programs.set(id, program);
    return program;
  }

  /**
   * Loads an object: its maps (global data initialised), then its programs
   * with CO-RE applied against the object's own BTF (or `targetBtf`).
   */
  loadObject(spec: ObjectSpec, options: { targetBtf?: ObjectSpec['btf']; programs?: readonly string[] } = {}): { maps: Map<string, BpfMap>; programs: Map<string, RuntimeProgram> } {
    const maps = new Map<string, BpfMap>();
    for (const m of spec.maps) {
      // As libbpf does: a perf event array without max_entries gets one entry per CPU.
      const maxEntries = m.type === 'perf_event_array' && m.maxEntries === 0 ? this.cpus : m.maxEntries;
      const map = this.createMap({ ...m, maxEntries, name: m.name }, m.innerMap);
      maps.set(m.name, map);
      if (m.data) map.update(new Uint8Array(4), m.data);
    }
    const programs = new Map<string, RuntimeProgram>();
    for (const p of spec.programs) {
      if (options.programs && !options.programs.includes(p.name)) continue;
      const instructions = p.coreRelocations.length && spec.btf
        ? applyCoreRelocations(p, spec.btf, options.targetBtf ?? spec.btf).instructions
        : p.instructions;
      programs.set(p.name, this.load(instructions, { name: p.name, type: p.type, references: p.references, license: spec.license, functions: functionOptions(spec, p, p.type) }));
    }
    for (const m of spec.maps) {
      for (const [slot, name] of m.initialSlots ?? []) {
        const id = m.type === 'prog_array' ? programs.get(name)?.id : this.maps.idOf(maps.get(name)!);
        if (id !== undefined) maps.get(m.name)!.update(new Uint8Array(Uint32Array.of(slot).buffer), new Uint8Array(Uint32Array.of(id).buffer));
      }
    }
    return { maps, programs };
  }

  /** Runs the verifier over a program about to load, with this runtime's maps and helpers. */
  #verifyProgram(insns: readonly Instruction[], type: ProgramTypeName, options: LoadOptions): void {
    if (!isModelledType(type)) throw new Error(`program ${options.name ?? ''}: the verifier does not model ${type} programs; load it with verify: false`);
    const byIndex = new Map((options.references ?? []).map((r) => [r.index, r]));
    const describe = (spec: MapSpec, name: string | undefined, inner: MapSpec | undefined): MapInfo => ({
      name, type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: spec.flags ?? 0,
      // Maps of maps: a lookup gives the inner map, which the verifier must know.
      ...(inner ? { innerMap: describe(inner, undefined, undefined) } : {}),
    });
    const info = (map: BpfMap, offset?: number): MapReference => ({
      map: describe(map.spec, map.name, (map as { readonly innerMap?: MapSpec }).innerMap),
      ...(offset !== undefined ? { offset } : {}),
    });
    const helpers = {
      // The kernel's prototypes for the kernel's helpers; a host's own helpers and kfuncs bring theirs.
      get: (id: number) => (this.helpers.has(id) ? KERNEL_HELPERS.get(id) ?? this.helpers.get(id) : undefined),
    };
    const result = verify(insns, {
      ...options.functions,
      programType: type,
      helpers,
      license: options.license ?? 'GPL',
      resolveMap: (insn, index) => {
        const ref = byIndex.get(index);
        if (ref?.kind === 'map' || ref?.kind === 'map-value') return info(this.maps.get(ref.map), ref.kind === 'map-value' ? ref.offset : undefined);
        const map = this.maps.byId(insn.imm);
        return map ? info(map, insn.src === PseudoSrc.MAP_VALUE ? Number(BigInt.asUintN(32, (insn.imm64 ?? 0n) >> 32n)) : undefined) : undefined;
      },
    });
    if (!result.ok) throw result.error!;
  }

  #mapById(id: number, index: number): BpfMap {
    const map = this.maps.byId(id);
    if (!map) throw new Error(`instruction ${index}: no map with id ${id} in this runtime`);
    return map;
  }

  /** The address of an array map's single value (global data). */
  #valueAddress(map: BpfMap): number {
    const key = this.space.allocate(4, { kind: 'map-key', name: 'key 0' });
    try {
      const address = map.lookupAddress(key.start, 0);
      if (!address) throw new Error(`map ${map.name} has no value at key 0 to point into`);
      return address;
    } finally {
      this.space.release(key);
    }
  }

  /**
   * A run's state and the env its helpers see. One per test-run, and one kept
   * for events (`runOnce`), so a hook's hit allocates nothing of it.
   */
  #session(first: RuntimeProgram, cpu: number, budget: number, regions: readonly Region[], xdp?: RuntimeEnv['xdp']): RunSession {
    const session: RunSession = {
      program: first, executed: 0, tailCalls: 0, regions, frames: undefined, budget,
      env: undefined as unknown as RuntimeEnv,
    };
    session.env = {
      space: this.space, cpu, runtime: this, programType: first.type, tracePipe: this.tracePipe,
      stack: () => (session.frames ??= this.#captureStack()),
      ...(xdp ? { xdp } : {}),
      mapAt: (address) => this.maps.at(address),
      ringOfSample: (address) => {
        for (const m of this.maps) if (m instanceof RingBuffer && address >= m.dataAddress && address < m.dataAddress + 2 * m.size) return m;
        return undefined;
      },
      tailCall: (array, slot) => {
        const id = (array as SlotMap).idAt?.(slot);
        const next = id === undefined ? undefined : this.#programs.get(id);
        if (!next || session.tailCalls >= MAX_TAIL_CALLS) return false;
        session.tailCalls++;
        throw new TailCallSignal(next);
      },
      callFunction: (target, args) => {
        if ((target & ~0xffff_ffffn) !== FUNCTION_TAG) throw new Error(`0x${target.toString(16)} is not a function of the program`);
        const result = session.program.executable.run({
          entry: Number(target & 0xffff_ffffn), registers: [0n, ...args], regions: session.regions, env: session.env,
          regionKinds: CALLBACK_REGION_KINDS, budget: session.budget,
        });
        session.executed += result.executed;
        return result.r0;
      },
    };
    return session;
  }

  /** One run from `first`, following tail calls; r0 of the program that returned. */
  #runChain(session: RunSession, first: RuntimeProgram, options: RunOptions<RuntimeEnv>): bigint {
    session.program = first;
    session.executed = 0;
    session.tailCalls = 0;
    for (;;) {
      try {
        const result = session.program.executable.run(options);
        session.executed += result.executed;
        return result.r0;
      } catch (e) {
        if (!(e instanceof TailCallSignal)) throw e;
        session.program = e.program;
      }
    }
  }

  /** Runs a program as BPF_PROG_TEST_RUN does: a context from data/ctx, retval and the packet and ctx back. */
  testRun(first: RuntimeProgram, options: TestRunOptions = {}): TestRunResult {
    const repeat = Math.max(1, options.repeat ?? 1);
    const budget = options.budget ?? 1_000_000;
    // One context for all repeats, as the kernel's test-run reuses its skb or frame.
    const context = buildContext(this.space, first.type, options);
    try {
      const session = this.#session(first, options.cpu ?? 0, budget, context.regions, context.xdp);
      const runOptions = { registers: context.registers, regions: context.regions, env: session.env, regionKinds: PROGRAM_REGION_KINDS, budget };
      let retval = 0n;
      const started = process.hrtime.bigint();
      for (let run = 0; run < repeat; run++) retval = this.#runChain(session, first, runOptions);
      const elapsed = Number(process.hrtime.bigint() - started);
      return { retval, ...context.finish(), durationNs: Math.round(elapsed / repeat), executed: session.executed };
    } finally {
      context.release();
    }
  }

  /**
   * A prepared run for a hook that fires often: the options object and the
   * session are made once, so a hit allocates nothing but what the engine does.
   */
  prepareRun(program: RuntimeProgram, registers: readonly bigint[], regions: readonly Region[], cpu = 0): () => void {
    const session = this.#session(program, cpu, 1_000_000, regions);
    const options = { registers, regions, env: session.env, regionKinds: PROGRAM_REGION_KINDS, budget: session.budget };
    const jit = program.executable instanceof JitProgram ? program.executable : undefined;
    const context = Number(registers[1] ?? 0n);
    return () => {
      session.frames = undefined;
      if (!jit) {
        this.#runChain(session, program, options);
        return;
      }
      // Compiled programs take the event entry (nothing returned); a tail call continues on the usual path.
      session.program = program;
      session.tailCalls = 0;
      try {
        jit.runEvent(context, session.env);
      } catch (e) {
        if (!(e instanceof TailCallSignal)) throw e;
        this.#runChain(session, e.program, options);
      }
    };
  }

  /**
   * Runs a program once on a context the caller laid out (a hook firing):
   * r1 = registers[1], the regions it may touch. Returns r0.
   */
  runOnce(program: RuntimeProgram, registers: readonly bigint[], regions: readonly Region[], cpu = 0): bigint {
    let session = this.#eventSession;
    if (!session || this.#eventDepth > 0) session = this.#session(program, cpu, 1_000_000, regions);
    else {
      session.regions = regions;
      session.frames = undefined;
      (session.env as { programType?: string }).programType = program.type;
    }
    if (this.#eventDepth === 0) this.#eventSession = session;
    this.#eventDepth++;
    try {
      return this.#runChain(session, program, { registers, regions, env: session.env, regionKinds: PROGRAM_REGION_KINDS, budget: session.budget });
    } finally {
      this.#eventDepth--;
    }
  }
}
