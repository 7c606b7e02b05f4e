/**
 * Records Linux's verdict on every case of map-corpus.ts into
 * map-verdicts.json (run as root: `node dist/verifier/testdata/record-map-verdicts.js`).
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { type CaseVerdict, kernelMapFds, kernelVerdict } from './kernel-verdict.js';
import { MAPS, MAP_CASES } from './map-corpus.js';

const fds = kernelMapFds(MAPS);
const cases: Record<string, CaseVerdict> = {};
for (const c of MAP_CASES) {
  const v = cases[c.name] = kernelVerdict(c, { maps: fds });
  console.log(`${v.ok ? 'ok ' : 'REJ'} ${c.name}: ${v.message ?? ''} (${v.processed})`);
}
writeFileSync(new URL('../../../src/verifier/testdata/map-verdicts.json', import.meta.url), `${JSON.stringify({ kernel: release(), cases }, null, 1)}\n`);
