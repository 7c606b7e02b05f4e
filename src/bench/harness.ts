/**
 * A small benchmark harness: warm up, repeat, report the median.
 *
 * A suite is a module under src/bench/ exporting a {@link BenchSuite}; main.ts
 * lists them in one array and prints every row in one table.
 */

/** One measured case. */
export interface BenchRow {
  readonly case: string;
  /** Median wall time of one run, in nanoseconds. */
  readonly nsPerRun: number;
  /** Figures derived from it, already formatted (e.g. "ns/insn": "3.1"). */
  readonly derived?: Readonly<Record<string, string>>;
}

/** A named group of cases. */
export interface BenchSuite {
  readonly name: string;
  run(): BenchRow[] | Promise<BenchRow[]>;
}

export interface MeasureOptions {
  /** Untimed calls first, so the JIT compiler settles (default 5). */
  readonly warmup?: number;
  /** Timed samples (default 15); the median is reported. */
  readonly samples?: number;
  /** Each sample repeats the call until at least this many milliseconds passed (default 20). */
  readonly minSampleMs?: number;
}

/** The median time of one call of `fn`, in nanoseconds. */
export function measure(fn: () => unknown, options: MeasureOptions = {}): number {
  const warmup = options.warmup ?? 5;
  const samples = options.samples ?? 15;
  const minNs = BigInt(Math.round((options.minSampleMs ?? 20) * 1e6));
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    do {
      fn();
      calls++;
      elapsed = process.hrtime.bigint() - start;
    } while (elapsed < minNs);
    times.push(Number(elapsed) / calls);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Formats nanoseconds with a unit a person reads at a glance. */
export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/** Renders rows of several suites as an aligned text table. */
export function formatTable(results: readonly { suite: string; rows: readonly BenchRow[] }[]): string {
  const lines: string[][] = [['suite', 'case', 'time/run', 'derived']];
  for (const { suite, rows } of results) {
    for (const row of rows) {
      const derived = Object.entries(row.derived ?? {}).map(([k, v]) => `${k}=${v}`).join('  ');
      lines.push([suite, row.case, formatNs(row.nsPerRun), derived]);
    }
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines.map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n') + '\n';
}
