/**
 * The cost of a hit of an in-process hook: a function probe whose program
 * counts the call in an array map, against the same call unprobed, on both
 * engines — and, where bpf(2) is permitted, a Linux uprobe running the same
 * counting program on a native function (libc's getpid, called through the
 * FFI, whose own cost is subtracted).
 */
import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { assemble } from '../asm/index.js';
import { KernelMap, KernelProgram, attachUprobe, bpfPermission } from '../kernel/index.js';
import { probeFunction } from '../hooks/index.js';
import { Runtime } from '../runtime/index.js';
import { type BenchRow, type BenchSuite, measure } from './harness.js';

const CALLS = 10_000;

/** Counts its hits in calls[0]. */
const COUNTER = `
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r1 = map_fd(calls) ll
  r2 = r10
  r2 += -4
  call 1
  if r0 == 0 goto out
  r1 = *(u64 *)(r0 + 0)
  r1 += 1
  *(u64 *)(r0 + 0) = r1
out:
  r0 = 0
  exit`;

export const hooksSuite: BenchSuite = {
  name: 'hooks',
  run(): BenchRow[] {
    const target = { work: (a: number, b: number) => (a * 31 + b) | 0 };
    const loop = () => {
      let acc = 0;
      for (let i = 0; i < CALLS; i++) acc = target.work(acc, i);
      return acc;
    };
    const bare = measure(loop, { samples: 9 }) / CALLS;
    const rows: BenchRow[] = [{ case: 'unprobed call', nsPerRun: bare }];
    for (const engine of ['interpreter', 'jit'] as const) {
      const runtime = new Runtime({ engine });
      const counts = runtime.createMap({ name: 'calls', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
      const program = runtime.load(assemble(COUNTER, { maps: { calls: runtime.maps.idOf(counts) } }), { type: 'raw_tracepoint' });
      const link = probeFunction(target, 'work', { entry: program });
      const probed = measure(loop, { samples: 9 }) / CALLS;
      link.close();
      rows.push({
        case: `function probe, counting program (${engine})`, nsPerRun: probed,
        derived: { 'ns per hit': (probed - bare).toFixed(0), goal: '< 50 ns' },
      });
    }
    const kernel = uprobeCost();
    if (kernel) {
      rows.push({
        case: 'Linux uprobe on libc getpid, counting program', nsPerRun: kernel.probed,
        derived: { 'ns per hit': (kernel.probed - kernel.bare).toFixed(0), 'tsbpf probe (jit) is': `${((kernel.probed - kernel.bare) / Math.max(1, rows[2]!.nsPerRun - bare)).toFixed(0)}x cheaper` },
      });
    }
    return rows;
  },
};

/** A uprobe's cost per hit, when the kernel allows bpf(2): the FFI call bare and probed. */
function uprobeCost(): { bare: number; probed: number } | undefined {
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  if (!bpfPermission().permitted || process.arch !== 'x64' || !existsSync(libc)) return undefined;
  const getpid = koffi.load('libc.so.6').func('int getpid()') as () => number;
  const counts = KernelMap.create({ name: 'calls', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  const program = KernelProgram.load({
    type: 'kprobe',
    instructions: assemble(COUNTER, { maps: { calls: counts.fd.value } }),
  });
  try {
    const calls = 2000;
    const loop = () => {
      for (let i = 0; i < calls; i++) getpid();
    };
    const bare = measure(loop, { samples: 5 }) / calls;
    const link = attachUprobe(program, libc, 'getpid', { pid: process.pid });
    try {
      return { bare, probed: measure(loop, { samples: 5, warmup: 1 }) / calls };
    } finally {
      link.close();
    }
  } finally {
    program.close();
    counts.close();
  }
}
