/**
 * Interpreter throughput on compute-heavy programs: time per run and per
 * executed instruction.
 */
import { Interpreter } from '../vm/index.js';
import { type BenchRow, type BenchSuite, measure } from './harness.js';
import { benchPrograms } from './programs.js';

export const interpreterSuite: BenchSuite = {
  name: 'interpreter',
  run(): BenchRow[] {
    return benchPrograms().map((p) => {
      const vm = new Interpreter(p.program);
      const options = p.memory !== undefined ? { memory: p.memory } : {};
      const first = vm.run(options);
      if (first.r0 !== p.expected) throw new Error(`${p.name}: r0 = ${first.r0}, expected ${p.expected}`);
      const ns = measure(() => vm.run(options));
      return {
        case: p.name,
        nsPerRun: ns,
        derived: {
          insns: String(first.executed),
          'ns/insn': (ns / first.executed).toFixed(2),
          'Minsn/s': (first.executed / ns * 1e3).toFixed(1),
        },
      };
    });
  },
};
