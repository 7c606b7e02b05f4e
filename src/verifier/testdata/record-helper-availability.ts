/**
 * Asks Linux which program types may call each helper of KERNEL_HELPERS and
 * which helpers are GPL-only, into helper-availability.json (run as root:
 * `node dist/verifier/testdata/record-helper-availability.js`). The kernel
 * looks the prototype up, then checks the license, before any argument, so
 * `call N` with arbitrary registers is enough to ask. Program types whose
 * helpers depend on the expected attach type are asked once per attach type
 * (`contexts`, keyed type/attach as in ctx-access.json).
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { make } from '../../isa/index.js';
import { PROGRAM_TYPES } from '../context.js';
import { KERNEL_HELPERS } from '../helpers.js';
import { type ProbeContext, ask, contextKey, probeContexts } from './ctx-probe.js';

function askHelper(c: ProbeContext, id: number, license: string): string {
  const insns = [1, 2, 3, 4, 5].map((r) => make(0xb7, r, 0, 0, 0)).concat([make(0x85, 0, 0, 0, id), make(0xb7, 0, 0, 0, 1), make(0x95, 0, 0, 0, 0)]);
  return ask(c, insns, license);
}

const UNAVAILABLE = /cannot use helper|func unknown#/;
const contexts = probeContexts(PROGRAM_TYPES);
const helpers: Record<string, { name: string; types: string[]; contexts: string[]; gplOnly: boolean }> = {};
for (const id of KERNEL_HELPERS.ids()) {
  const available = contexts.filter((c) => !UNAVAILABLE.test(askHelper(c, id, 'GPL')));
  const types = [...new Set(available.map((c) => c.type))];
  const gplOnly = available.length > 0 && /GPL-restricted/.test(askHelper(available[0]!, id, 'MIT'));
  helpers[id] = { name: KERNEL_HELPERS.get(id)!.name, types, contexts: available.map(contextKey), gplOnly };
  console.log(id, helpers[id].name, types.length, gplOnly);
}
writeFileSync(new URL('../../../src/verifier/testdata/helper-availability.json', import.meta.url), `${JSON.stringify({ kernel: release(), helpers }, null, 1)}\n`);
