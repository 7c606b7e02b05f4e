/**
 * Asks Linux which program types may call each helper of KERNEL_HELPERS and
 * which helpers are GPL-only, into helper-availability.json (run as root:
 * `node dist/verifier/testdata/record-helper-availability.js`). The kernel
 * looks the prototype up, then checks the license, before any argument, so
 * `call N` with arbitrary registers is enough to ask.
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { make } from '../../isa/index.js';
import { KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import { PROGRAM_TYPES } from '../context.js';
import { KERNEL_HELPERS } from '../helpers.js';

function ask(type: string, id: number, license: string): string {
  const insns = [1, 2, 3, 4, 5].map((r) => make(0xb7, r, 0, 0, 0)).concat([make(0x85, 0, 0, 0, id), make(0xb7, 0, 0, 0, 0), make(0x95, 0, 0, 0, 0)]);
  try {
    KernelProgram.load({ type: type as never, instructions: insns, license, logLevel: 1 }).close();
    return 'accepted';
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    const lines = e.log.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('processed '));
    return at > 0 ? lines[at - 1]! : lines[lines.length - 1]!;
  }
}

const helpers: Record<string, { name: string; types: string[]; gplOnly: boolean }> = {};
for (const id of KERNEL_HELPERS.ids()) {
  const types = PROGRAM_TYPES.filter((t) => !/cannot use helper|unknown func/.test(ask(t, id, 'GPL')));
  const gplOnly = types.length > 0 && /GPL-restricted/.test(ask(types[0]!, id, 'MIT'));
  helpers[id] = { name: KERNEL_HELPERS.get(id)!.name, types, gplOnly };
  console.log(id, helpers[id]);
}
writeFileSync(new URL('../../../src/verifier/testdata/helper-availability.json', import.meta.url), `${JSON.stringify({ kernel: release(), helpers }, null, 1)}\n`);
