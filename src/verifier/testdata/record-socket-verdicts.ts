/**
 * Records Linux's verdict on every case of socket-programs.ts into
 * socket-verdicts.json (run as root: `node dist/verifier/testdata/record-socket-verdicts.js`).
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { SOCKET_CASES } from './socket-programs.js';
import { type CaseVerdict, kernelSocketVerdict } from './kernel-verdict.js';

const cases: Record<string, CaseVerdict> = {};
for (const c of SOCKET_CASES) {
  cases[c.name] = kernelSocketVerdict(c);
  const v = cases[c.name]!;
  console.log(`${v.ok ? 'ok ' : 'REJ'} ${c.name}: ${v.message ?? ''} (${v.processed})`);
}
writeFileSync(new URL('../../../src/verifier/testdata/socket-verdicts.json', import.meta.url), `${JSON.stringify({ kernel: release(), cases }, null, 1)}\n`);
