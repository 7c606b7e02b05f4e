/**
 * Map operations per second, in tsbpf's runtime and in Linux: from the user
 * side (a call per operation; the kernel pays a syscall), from programs (one
 * lookup and one update per test-run), and the memory of a 1,000,000-entry
 * hash map with 8-byte keys and values (goal: under 64 MiB).
 */
import { assemble } from '../asm/index.js';
import { KernelMap, KernelProgram, bpfPermission } from '../kernel/index.js';
import { Runtime } from '../runtime/index.js';
import { type BenchRow, type BenchSuite, measure } from './harness.js';

const KEYS = 1024;

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

/** Looks up key 7 and writes it back incremented: one lookup and one update per run. */
const PROGRAM = (map: string) => `
    r1 = 7
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(${map}) ll
    r2 = r10
    r2 += -8
    call 1
    r1 = 1
    if r0 == 0 goto store
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
  store:
    *(u64 *)(r10 - 16) = r1
    r1 = map_fd(${map}) ll
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -16
    r4 = 0
    call 2
    r0 = 0
    exit`;

export const mapsSuite: BenchSuite = {
  name: 'maps',
  run(): BenchRow[] {
    const rows: BenchRow[] = [];
    const keys = Array.from({ length: KEYS }, (_, i) => u64(i * 2654435761));
    const runtime = new Runtime();
    const ours = runtime.createMap({ name: 'bench', type: 'hash', keySize: 8, valueSize: 8, maxEntries: KEYS * 2 });
    const oursNs = measure(() => {
      for (const k of keys) ours.update(k, k);
      for (const k of keys) ours.lookup(k);
    }) / (2 * KEYS);
    const permitted = bpfPermission().permitted;
    let kernelNs: number | undefined;
    if (permitted) {
      const theirs = KernelMap.create({ name: 'bench', type: 'hash', keySize: 8, valueSize: 8, maxEntries: KEYS * 2 });
      try {
        kernelNs = measure(() => {
          for (const k of keys) theirs.update(k, k);
          for (const k of keys) theirs.lookup(k);
        }, { samples: 5 }) / (2 * KEYS);
      } finally {
        theirs.close();
      }
    }
    const ratio = (a: number, b?: number) => (b === undefined ? 'n/a' : `${(b / a).toFixed(2)}x`);
    rows.push({
      case: 'hash update+lookup, user side (per op)', nsPerRun: oursNs,
      derived: { 'ops/s': (1e9 / oursNs).toFixed(0), 'kernel ns/op': kernelNs?.toFixed(0) ?? 'n/a', 'tsbpf vs kernel': ratio(oursNs, kernelNs) },
    });

    const program = runtime.load(assemble(PROGRAM('bench'), { maps: { bench: runtime.maps.idOf(ours) } }), { type: 'socket_filter' });
    const packet = new Uint8Array(64);
    const repeat = 10_000;
    const oursRun = measure(() => program.testRun({ data: packet, repeat: 1000 }), { samples: 7 }) / 1000;
    let kernelRun: number | undefined;
    if (permitted) {
      const map = KernelMap.create({ name: 'bench', type: 'hash', keySize: 8, valueSize: 8, maxEntries: 16 });
      const p = KernelProgram.load({ type: 'socket_filter', instructions: assemble(PROGRAM('bench'), { maps: { bench: map.fd.value } }) });
      try {
        kernelRun = p.testRun({ data: packet, repeat }).durationNs;
      } finally {
        p.close();
        map.close();
      }
    }
    rows.push({
      case: 'hash lookup+update from a program (per run)', nsPerRun: oursRun,
      derived: { 'runs/s': (1e9 / oursRun).toFixed(0), 'kernel ns/run': kernelRun?.toFixed(0) ?? 'n/a', 'tsbpf vs kernel': ratio(oursRun, kernelRun) },
    });

    const million = new Runtime();
    const started = process.hrtime.bigint();
    const big = million.createMap({ name: 'million', type: 'hash', keySize: 8, valueSize: 8, maxEntries: 1_000_000 });
    const key = new Uint8Array(8);
    const view = new DataView(key.buffer);
    for (let i = 0; i < 1_000_000; i++) {
      view.setBigUint64(0, BigInt(i), true);
      big.update(key, key);
    }
    const fillNs = Number(process.hrtime.bigint() - started);
    rows.push({
      case: '1,000,000-entry hash (8-byte keys and values): fill', nsPerRun: fillNs,
      derived: { 'MiB': (big.memoryBytes / 2 ** 20).toFixed(1), 'goal MiB': '64', 'ns/insert': (fillNs / 1e6).toFixed(0) },
    });
    return rows;
  },
};
