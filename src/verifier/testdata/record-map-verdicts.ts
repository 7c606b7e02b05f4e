/**
 * Records Linux's verdict on every case of map-corpus.ts into
 * map-verdicts.json (run as root: `node dist/verifier/testdata/record-map-verdicts.js`).
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { assemble } from '../../asm/index.js';
import { KernelMap, KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import type { MapTypeName } from '../../maps/map.js';
import { MAPS, MAP_CASES } from './map-corpus.js';

interface Verdict { ok: boolean; processed: number | null; message: string | null }

const maps = MAPS.map((m) => KernelMap.create({ name: m.name, type: m.type as MapTypeName, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags }));
const fds: Record<string, number> = Object.fromEntries(MAPS.map((m, i) => [m.name, maps[i]!.fd.value]));
const cases: Record<string, Verdict> = {};
for (const c of MAP_CASES) {
  const instructions = assemble(c.source, { maps: fds });
  let log: string, ok: boolean;
  try {
    const p = KernelProgram.load({ type: c.type, instructions, logLevel: 1, logSize: 1 << 20 });
    log = p.log;
    ok = true;
    p.close();
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    log = e.log;
    ok = false;
  }
  // A message printed without its newline runs into the summary line.
  const lines = log.trimEnd().replace(/(.)processed (\d+) insns/, '$1\nprocessed $2 insns').split('\n');
  const at = lines.findIndex((l) => l.startsWith('processed '));
  const processed = at >= 0 ? Number(/processed (\d+) insns/.exec(lines[at]!)![1]) : null;
  const message = ok ? null : (at > 0 ? lines[at - 1]! : lines[lines.length - 1] ?? '');
  cases[c.name] = { ok, processed, message };
  console.log(`${ok ? 'ok ' : 'REJ'} ${c.name}: ${message ?? ''} (${processed})`);
}
writeFileSync(new URL('../../../src/verifier/testdata/map-verdicts.json', import.meta.url), `${JSON.stringify({ kernel: release(), cases }, null, 1)}\n`);
