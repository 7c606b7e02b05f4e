/**
 * The three engines on the same programs: tsbpf's interpreter, tsbpf's JIT
 * (BPF → WebAssembly → V8's machine code) and, where bpf(2) is permitted,
 * the Linux kernel's own JIT through BPF_PROG_TEST_RUN. Every program is an
 * XDP program over one packet, so each engine runs it exactly as written;
 * a run that returns a different value than the others fails the benchmark.
 */
import { assemble } from '../asm/index.js';
import { KernelMap, KernelProgram, bpfPermission } from '../kernel/index.js';
import { Runtime, type RuntimeProgram } from '../runtime/index.js';
import { type BenchRow, type BenchSuite, measure } from './harness.js';

interface EngineCase {
  readonly name: string;
  readonly kind: 'compute' | 'hashing' | 'parsing' | 'maps';
  readonly source: string;
  readonly packet: Uint8Array;
  /** Maps the program refers to by name. */
  readonly maps?: Record<string, { type: 'array' | 'hash'; keySize: number; valueSize: number; maxEntries: number }>;
}

function udpPacket(payload: number): Uint8Array {
  const p = new Uint8Array(14 + 20 + 8 + payload);
  p.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  p.set([0x45, 0, ((20 + 8 + payload) >> 8) & 0xff, (20 + 8 + payload) & 0xff, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  p.set([0x30, 0x39, 0x00, 0x35, ((8 + payload) >> 8) & 0xff, (8 + payload) & 0xff, 0, 0], 34);
  for (let i = 0; i < payload; i++) p[42 + i] = (i * 31 + 7) & 0xff;
  return p;
}

const CASES: EngineCase[] = [
  {
    name: 'compute: xorshift loop, 4,000 rounds',
    kind: 'compute',
    packet: udpPacket(16),
    source: `
      r0 = 0x2545f491
      r1 = 4000
    loop:
      r2 = r0
      r2 <<= 13
      r0 ^= r2
      r2 = r0
      r2 >>= 7
      r0 ^= r2
      r2 = r0
      r2 <<= 17
      r0 ^= r2
      r1 -= 1
      if r1 != 0 goto loop
      r0 &= 0xffff
      exit`,
  },
  {
    name: 'compute: sum of squares, 2,000 rounds',
    kind: 'compute',
    packet: udpPacket(16),
    source: `
      r0 = 0
      r1 = 2000
    loop:
      r2 = r1
      r2 *= r1
      r0 += r2
      r1 -= 1
      if r1 != 0 goto loop
      r0 &= 0xffff
      exit`,
  },
  {
    name: 'hashing: FNV-1a over a 1,024-byte payload',
    kind: 'hashing',
    packet: udpPacket(1024),
    source: `
      r2 = *(u32 *)(r1 + 0)
      r3 = *(u32 *)(r1 + 4)
      r0 = 0
      r4 = r2
      r4 += 1066
      if r4 > r3 goto done
      r0 = 0x811c9dc5
      r6 = 0
    loop:
      r4 = r2
      r4 += r6
      r5 = *(u8 *)(r4 + 42)
      r0 ^= r5
      r0 *= 0x01000193
      r0 &= 0xffffffff
      r6 += 1
      if r6 < 1024 goto loop
    done:
      r0 &= 0xffff
      exit`,
  },
  {
    name: 'parsing: Ethernet/IPv4/UDP headers',
    kind: 'parsing',
    packet: udpPacket(64),
    source: `
      r2 = *(u32 *)(r1 + 0)
      r3 = *(u32 *)(r1 + 4)
      r4 = r2
      r4 += 42
      if r4 > r3 goto pass
      r5 = *(u16 *)(r2 + 12)
      if r5 != 0x0008 goto pass
      r5 = *(u8 *)(r2 + 23)
      if r5 != 17 goto pass
      r5 = *(u8 *)(r2 + 14)
      r5 &= 0x0f
      if r5 != 5 goto pass
      r0 = *(u16 *)(r2 + 36)
      r0 = be16 r0
      r6 = *(u32 *)(r2 + 30)
      r6 = be32 r6
      r0 ^= r6
      r0 &= 0xffff
      exit
    pass:
      r0 = 2
      exit`,
  },
  {
    name: 'maps: 32 array lookups and updates',
    kind: 'maps',
    packet: udpPacket(16),
    maps: { counts: { type: 'array', keySize: 4, valueSize: 8, maxEntries: 64 } },
    source: `
      r6 = 32
    loop:
      *(u32 *)(r10 - 4) = r6
      r1 = map_fd(counts) ll
      r2 = r10
      r2 += -4
      call 1
      if r0 == 0 goto next
      r1 = *(u64 *)(r0 + 0)
      r1 += r6
      *(u64 *)(r0 + 0) = r1
    next:
      r6 -= 1
      if r6 != 0 goto loop
      r0 = 2
      exit`,
  },
  {
    name: 'maps: 16 hash lookups',
    kind: 'maps',
    packet: udpPacket(16),
    maps: { table: { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 64 } },
    source: `
      r6 = 16
      r7 = 0
    loop:
      *(u32 *)(r10 - 4) = r6
      r1 = map_fd(table) ll
      r2 = r10
      r2 += -4
      call 1
      if r0 == 0 goto next
      r1 = *(u64 *)(r0 + 0)
      r7 += r1
    next:
      r6 -= 1
      if r6 != 0 goto loop
      r0 = r7
      r0 &= 0xffff
      exit`,
  },
];

const u32 = (n: number) => new Uint8Array(Uint32Array.of(n).buffer);
const u64 = (n: number) => new Uint8Array(BigUint64Array.of(BigInt(n)).buffer);

function fill(map: { update(k: Uint8Array, v: Uint8Array): void }, type: string, maxEntries: number): void {
  for (let i = 0; i < Math.min(maxEntries, 32); i++) map.update(u32(i), u64(type === 'hash' ? i * 3 : 0));
}

function ourProgram(c: EngineCase, engine: 'jit' | 'interpreter'): { program: RuntimeProgram; compileMs?: number } {
  // The JIT runs verified programs, as the runtime uses it: tsbpf's verifier checks each one first.
  const runtime = new Runtime({ engine, verify: engine === 'jit' });
  const ids: Record<string, number> = {};
  for (const [name, spec] of Object.entries(c.maps ?? {})) {
    const map = runtime.createMap({ name, ...spec });
    fill(map, spec.type, spec.maxEntries);
    ids[name] = runtime.maps.idOf(map);
  }
  const program = runtime.load(assemble(c.source, { maps: ids }), { type: 'xdp' });
  if (program.engine !== engine) throw new Error(`${c.name}: runs on the ${program.engine}, not the ${engine}`);
  const compileMs = (program.executable as { compileMs?: number }).compileMs;
  return { program, ...(compileMs !== undefined ? { compileMs } : {}) };
}

function kernelRun(c: EngineCase, repeat: number): { retval: number; ns: number } | undefined {
  const maps: KernelMap[] = [];
  const ids: Record<string, number> = {};
  try {
    for (const [name, spec] of Object.entries(c.maps ?? {})) {
      const map = KernelMap.create({ name, ...spec });
      maps.push(map);
      fill(map, spec.type, spec.maxEntries);
      ids[name] = map.fd.value;
    }
    const program = KernelProgram.load({ type: 'xdp', instructions: assemble(c.source, { maps: ids }) });
    try {
      program.testRun({ data: c.packet, repeat: 1000 });
      const run = program.testRun({ data: c.packet, repeat });
      return { retval: run.retval, ns: run.durationNs };
    } finally {
      program.close();
    }
  } finally {
    for (const m of maps) m.close();
  }
}

export const enginesSuite: BenchSuite = {
  name: 'engines',
  run(): BenchRow[] {
    const rows: BenchRow[] = [];
    const kernel = bpfPermission().permitted;
    for (const c of CASES) {
      const interp = ourProgram(c, 'interpreter').program;
      const jitted = ourProgram(c, 'jit');
      const expected = interp.testRun({ data: c.packet }).retval;
      const got = jitted.program.testRun({ data: c.packet }).retval;
      if (got !== expected) throw new Error(`${c.name}: the JIT returned ${got}, the interpreter ${expected}`);
      const interpNs = measure(() => interp.testRun({ data: c.packet, repeat: 20 }), { samples: 7 }) / 20;
      const jitNs = measure(() => jitted.program.testRun({ data: c.packet, repeat: 200 }), { samples: 9 }) / 200;
      const theirs = kernel ? kernelRun(c, 20_000) : undefined;
      if (theirs && BigInt(theirs.retval >>> 0) !== (expected & 0xffffffffn)) {
        throw new Error(`${c.name}: Linux returned ${theirs.retval}, tsbpf ${expected}`);
      }
      const insns = jitted.program.instructions.length;
      rows.push({
        case: `${c.name}`,
        nsPerRun: jitNs,
        derived: {
          'interp ns': interpNs.toFixed(0),
          'jit ns': jitNs.toFixed(0),
          'kernel ns': theirs ? String(theirs.ns) : 'n/a',
          'jit vs interp': `${(interpNs / jitNs).toFixed(1)}x`,
          'jit / kernel': theirs ? `${(jitNs / Math.max(1, theirs.ns)).toFixed(2)}` : 'n/a',
          'compile ms/1k insns': jitted.compileMs !== undefined ? ((jitted.compileMs * 1000) / insns).toFixed(1) : 'n/a',
        },
      });
    }
    return rows;
  },
};
