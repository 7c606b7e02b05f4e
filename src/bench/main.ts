/**
 * `npm run bench`: runs every registered suite and prints one table.
 * Another part adds its suite by appending it to SUITES.
 *
 * Usage: node dist/bench/main.js [suite-name…]
 */
import { type BenchRow, type BenchSuite, formatTable } from './harness.js';
import { interpreterSuite } from './interpreter.js';
import { representationSuite } from './representation.js';
import { mapsSuite } from './maps.js';
import { enginesSuite } from './engines.js';
import { hooksSuite } from './hooks.js';
import { verifierSuite } from './verifier.js';

/** Every suite, in the order they run. */
export const SUITES: readonly BenchSuite[] = [
  interpreterSuite,
  representationSuite,
  mapsSuite,
  enginesSuite,
  hooksSuite,
  verifierSuite,
];

async function main(args: string[]): Promise<number> {
  const chosen = args.length > 0 ? SUITES.filter((s) => args.includes(s.name)) : SUITES;
  if (chosen.length === 0) {
    process.stderr.write(`no suite named ${args.join(', ')}; suites: ${SUITES.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const results: { suite: string; rows: BenchRow[] }[] = [];
  for (const suite of chosen) {
    process.stderr.write(`running ${suite.name}…\n`);
    results.push({ suite: suite.name, rows: await suite.run() });
  }
  process.stdout.write(formatTable(results));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
