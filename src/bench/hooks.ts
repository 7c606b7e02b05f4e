/**
 * The cost of a hit of an in-process hook: a function probe whose program
 * counts the call in an array map, against the same call unprobed, on both
 * engines. (A Linux uprobe on a native function costs from about 0.4 µs to
 * over 4 µs per hit on this machine; tsbpf has no uprobe links yet to
 * measure it in the same run.)
 */
import { assemble } from '../asm/index.js';
import { probeFunction } from '../hooks/index.js';
import { Runtime } from '../runtime/index.js';
import { type BenchRow, type BenchSuite, measure } from './harness.js';

const CALLS = 10_000;

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
      const program = runtime.load(assemble(`
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
        exit`, { maps: { calls: runtime.maps.idOf(counts) } }), { type: 'raw_tracepoint' });
      const link = probeFunction(target, 'work', { entry: program });
      const probed = measure(loop, { samples: 9 }) / CALLS;
      link.close();
      rows.push({
        case: `function probe, counting program (${engine})`, nsPerRun: probed,
        derived: { 'ns per hit': (probed - bare).toFixed(0), goal: '< 50 ns', 'Linux uprobe (this machine)': '~400–4,000 ns' },
      });
    }
    return rows;
  },
};
