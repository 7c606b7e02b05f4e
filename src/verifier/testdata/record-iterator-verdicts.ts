/**
 * Records Linux's verdict on every case of iterator-programs.ts into
 * iterator-verdicts.json (run as root: `node dist/verifier/testdata/record-iterator-verdicts.js`).
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { type CaseVerdict, kernelIteratorVerdict } from './kernel-verdict.js';
import { ITERATOR_CASES } from './iterator-programs.js';

const cases: Record<string, CaseVerdict> = {};
for (const c of ITERATOR_CASES) {
  const v = cases[c.name] = kernelIteratorVerdict(c);
  console.log(`${v.ok ? 'ok ' : 'REJ'} ${c.name}: ${v.message ?? ''} (${v.processed})`);
}
writeFileSync(new URL('../../../src/verifier/testdata/iterator-verdicts.json', import.meta.url), `${JSON.stringify({ kernel: release(), cases }, null, 1)}\n`);
