/**
 * Verification beside the kernel's, object by object: tsbpf's verifier time
 * and processed-instruction count per program, and Linux's processed count
 * (from its log) and load time (verification and JIT) for the same programs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bpfPermission, loadCollection } from '../kernel/index.js';
import { loadObject } from '../object/index.js';
import { verifyObjectProgram } from '../verifier/index.js';
import type { BenchRow, BenchSuite } from './harness.js';

const here = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const OBJECTS = [
  'src/runtime/testdata/maps-and-helpers.bpf.o',
  'src/object/testdata/globals.bpf.o',
  'src/object/testdata/cpuv4.bpf.o',
  '../shared/ebpf-samples/libbpf-bootstrap/tc.bpf.o',
  '../shared/ebpf-samples/linux-selftests/loop1.o',
  '../shared/ebpf-samples/linux-selftests/loop2.o',
];

export const verifierSuite: BenchSuite = {
  name: 'verifier',
  run(): BenchRow[] {
    const rows: BenchRow[] = [];
    const kernel = bpfPermission().permitted;
    for (const path of OBJECTS) {
      const spec = loadObject(readFileSync(here(path)));
      const name = path.split('/').pop()!;
      for (const program of spec.programs) {
        let result;
        const started = performance.now();
        try {
          result = verifyObjectProgram(spec, program);
        } catch {
          continue; // a type or feature the verifier does not model
        }
        const ms = performance.now() - started;
        let theirs: { processed?: number; ms: number } | undefined;
        if (kernel) {
          const loadStarted = performance.now();
          try {
            const c = loadCollection(spec, { programs: [program.name], logLevel: 1 });
            const log = c.programs.get(program.name)!.log;
            theirs = { processed: Number(/processed (\d+) insns/.exec(log)?.[1]), ms: performance.now() - loadStarted };
            c.close();
          } catch {
            theirs = undefined;
          }
        }
        rows.push({
          case: `${name} ${program.name}`,
          nsPerRun: ms * 1e6,
          derived: {
            verdict: result.ok ? 'accepted' : 'refused',
            processed: String(result.processed),
            'kernel processed': theirs?.processed !== undefined ? String(theirs.processed) : 'n/a',
            'kernel load ms': theirs ? theirs.ms.toFixed(2) : 'n/a',
          },
        });
      }
    }
    return rows;
  },
};
