/**
 * A BCC-style facade over both targets: load a C source (compiled with
 * `tsbpf build`) or an object, attach its programs by section name, read
 * its maps with keys and values decoded by their BTF types, and print log2
 * histograms like BCC's print_log2_hist.
 *
 *   const bpf = await BPF.load({ source: 'opensnoop.bpf.c' });      // userspace target
 *   const bpf = await BPF.load({ source: 'x.bpf.c', target: 'kernel' });
 *   bpf.attachAll();
 *   for (const { key, value } of bpf.table('counts').entries()) …
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { valueToJson, type JsonValue } from '../btf/index.js';
import { attachBySection as attachInProcess, type HookLink } from '../hooks/index.js';
import { KernelPerfBuffer, KernelRingBuffer, attachBySection as attachInKernel, loadCollection, type KernelCollection, type KernelLink } from '../kernel/index.js';
import { PerfEventArray, RingBuffer, keys, type BpfMap, type PerfEvent } from '../maps/index.js';
import { loadObject, type ObjectMapSpec, type ObjectSpec } from '../object/index.js';
import { Runtime, type EngineName } from '../runtime/index.js';
import { build } from '../toolchain/index.js';

export type Target = 'user' | 'kernel';

export interface LoadOptions {
  /** A BPF C source to compile, or… */
  readonly source?: string;
  /** …an object file, or its bytes. */
  readonly object?: string | Uint8Array;
  /** Where programs run: this process (default) or the Linux kernel. */
  readonly target?: Target;
  /** The userspace engine (default: the JIT). */
  readonly engine?: EngineName;
}

/** The map operations both targets offer, on raw bytes. */
interface RawTable {
  lookup(key: Uint8Array): Uint8Array | undefined;
  update(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): boolean | void;
  nextKey(key?: Uint8Array): Uint8Array | undefined;
}

/** A map, with keys and values decoded by their BTF types when the object declares them. */
export class Table {
  constructor(readonly name: string, readonly spec: ObjectMapSpec, private readonly raw: RawTable, private readonly object: ObjectSpec) {}

  #decode(typeId: number | undefined, bytes: Uint8Array): JsonValue | Uint8Array {
    if (!typeId || !this.object.btf) return bytes;
    return valueToJson(this.object.btf, typeId, bytes);
  }

  /** Every entry, decoded: numbers and bigints, strings for char arrays, objects for structs. */
  *entries(): Generator<{ key: JsonValue | Uint8Array; value: JsonValue | Uint8Array; rawKey: Uint8Array; rawValue: Uint8Array }> {
    for (let k = this.raw.nextKey(); k !== undefined; k = this.raw.nextKey(k)) {
      const v = this.raw.lookup(k);
      if (v) yield { key: this.#decode(this.spec.keyType, k), value: this.#decode(this.spec.valueType, v), rawKey: k, rawValue: v };
    }
  }

  lookup(key: Uint8Array): JsonValue | Uint8Array | undefined {
    const v = this.raw.lookup(key);
    return v === undefined ? undefined : this.#decode(this.spec.valueType, v);
  }

  /** BCC's print_log2_hist: the table's values as counts of power-of-two buckets (key = bucket index). */
  log2Histogram(label = 'value'): string {
    const counts: bigint[] = [];
    for (const { rawKey, rawValue } of this.entries()) {
      const slot = new DataView(rawKey.buffer, rawKey.byteOffset, rawKey.byteLength).getUint32(0, true);
      let total = 0n;
      for (let at = 0; at + 8 <= rawValue.length; at += 8) total += new DataView(rawValue.buffer, rawValue.byteOffset + at, 8).getBigUint64(0, true);
      if (rawValue.length < 8) total = BigInt(new DataView(rawValue.buffer, rawValue.byteOffset).getUint32(0, true));
      counts[slot] = (counts[slot] ?? 0n) + total;
    }
    return formatLog2Histogram(counts, label);
  }
}

/** print_log2_hist's table: `low -> high : count | stars |`. */
export function formatLog2Histogram(counts: readonly (bigint | number | undefined)[], label = 'value'): string {
  const last = counts.reduce<number>((l, c, i) => (c ? i : l), -1);
  if (last < 0) return '';
  const max = counts.reduce<bigint>((m, c) => (c !== undefined && BigInt(c) > m ? BigInt(c) : m), 0n);
  const width = 40;
  const lines = [`${label.padStart(24)}${' '.repeat(10)}: count    distribution`];
  for (let i = 0; i <= last; i++) {
    const low = i === 0 ? 0n : 1n << BigInt(i - 1);
    const high = (1n << BigInt(i)) - 1n;
    const count = BigInt(counts[i] ?? 0);
    const stars = max === 0n ? 0 : Number((count * BigInt(width)) / max);
    lines.push(`${String(low).padStart(20)} -> ${String(high).padEnd(12)}: ${String(count).padEnd(8)} |${'*'.repeat(stars).padEnd(width)}|`);
  }
  return `${lines.join('\n')}\n`;
}

/** A loaded object on one target. */
export class BPF {
  readonly #links: { close(): void }[] = [];

  private constructor(
    readonly object: ObjectSpec,
    readonly target: Target,
    /** The userspace runtime holding the object (undefined on the kernel target). */
    readonly runtime: Runtime | undefined,
    private readonly userPrograms: Map<string, import('../runtime/index.js').RuntimeProgram> | undefined,
    private readonly userMaps: Map<string, BpfMap> | undefined,
    private readonly kernel: KernelCollection | undefined,
  ) {}

  /** Compiles (when given a source) and loads an object on a target. */
  static async load(options: LoadOptions): Promise<BPF> {
    let bytes: Uint8Array;
    if (options.source) {
      const dir = mkdtempSync(join(tmpdir(), 'tsbpf-bpf-'));
      try {
        await build({ source: options.source, output: join(dir, 'out.bpf.o') });
        bytes = readFileSync(join(dir, 'out.bpf.o'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else if (options.object) {
      bytes = typeof options.object === 'string' ? readFileSync(options.object) : options.object;
    } else {
      throw new TypeError('BPF.load needs a source or an object');
    }
    const object = loadObject(bytes);
    if ((options.target ?? 'user') === 'kernel') return new BPF(object, 'kernel', undefined, undefined, undefined, loadCollection(object));
    const runtime = new Runtime({ engine: options.engine ?? 'jit' });
    const { programs, maps } = runtime.loadObject(object);
    return new BPF(object, 'user', runtime, programs, maps, undefined);
  }

  /** Attaches one program by its section name (or a section given explicitly). */
  attach(program: string, section?: string): HookLink | KernelLink {
    const spec = this.object.programs.find((p) => p.name === program);
    if (!spec) throw new Error(`no program ${program} (programs: ${this.object.programs.map((p) => p.name).join(', ')})`);
    const link = this.kernel
      ? attachInKernel(this.kernel.programs.get(program)!, section ?? spec.section)
      : attachInProcess(this.userPrograms!.get(program)!, section ?? spec.section);
    this.#links.push(link);
    return link;
  }

  /** Attaches every program whose section says where (as libbpf's skeleton attach does). */
  attachAll(): void {
    for (const p of this.object.programs) this.attach(p.name);
  }

  table(name: string): Table {
    const spec = this.object.maps.find((m) => m.name === name);
    if (!spec) throw new Error(`no map ${name} (maps: ${this.object.maps.map((m) => m.name).join(', ')})`);
    const raw: RawTable = this.kernel ? this.kernel.maps.get(name)! : this.userMaps!.get(name)!;
    return new Table(name, spec, raw, this.object);
  }

  /** Records of a ring buffer map as they come, decoded by `struct` (a BTF type name) when given. */
  async *ringBuffer(name: string, options: { signal?: AbortSignal; struct?: string } = {}): AsyncGenerator<JsonValue | Uint8Array> {
    const typeId = options.struct ? this.object.btf?.all(options.struct).find((t) => t.kind === 'struct')?.id : undefined;
    const decode = (r: Uint8Array) => (typeId && this.object.btf ? valueToJson(this.object.btf, typeId, r) : r);
    if (this.kernel) {
      const ring = new KernelRingBuffer(this.kernel.maps.get(name)!);
      try {
        for await (const r of ring.records(options.signal ? { signal: options.signal } : {})) yield decode(r);
      } finally {
        ring.close();
      }
      return;
    }
    const ring = this.userMaps!.get(name);
    if (!(ring instanceof RingBuffer)) throw new Error(`map ${name} is not a ring buffer`);
    for await (const r of ring.records(options.signal ? { signal: options.signal } : {})) yield decode(r);
  }

  /** Samples (and lost-sample notices) of a perf event array as they come, on either target. */
  async *perfBuffer(name: string, options: { signal?: AbortSignal; pageCount?: number } = {}): AsyncGenerator<PerfEvent> {
    const signal = options.signal ? { signal: options.signal } : {};
    if (this.kernel) {
      const reader = new KernelPerfBuffer(this.kernel.maps.get(name)!, { pageCount: options.pageCount ?? 8 });
      try {
        yield* reader.records(signal);
      } finally {
        reader.close();
      }
      return;
    }
    const map = this.userMaps!.get(name);
    if (!(map instanceof PerfEventArray)) throw new Error(`map ${name} is not a perf event array`);
    const reader = map.openReader({ pageCount: options.pageCount ?? 8 });
    try {
      yield* reader.records(signal);
    } finally {
      reader.close();
    }
  }

  /** Number of keys in a map (both targets). */
  size(name: string): number {
    const raw = this.kernel ? this.kernel.maps.get(name)! : this.userMaps!.get(name)!;
    let n = 0;
    for (const _ of keys(raw as unknown as BpfMap)) n++;
    return n;
  }

  /** Detaches everything and releases the object. */
  close(): void {
    for (const l of this.#links.splice(0)) l.close();
    this.kernel?.close();
  }
}
