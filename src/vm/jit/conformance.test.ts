import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../../asm/index.js';
import { conformanceHelpers, runConformanceFile } from '../../conformance/index.js';
import { Interpreter } from '../interpreter/index.js';
import { JitProgram, JitUnsupportedError } from './index.js';

const SUITE_DIR = fileURLToPath(new URL('../../../../shared/bpf-conformance/', import.meta.url));
const files = readdirSync(SUITE_DIR).filter((n) => n.endsWith('.data')).sort();

test('the JIT passes the conformance suite; only legacy packet loads fall back to the interpreter', async (t) => {
  const fellBack: string[] = [];
  const failed: string[] = [];
  for (const name of files) {
    let usedFallback = false;
    const outcome = await runConformanceFile(join(SUITE_DIR, name), {
      assemble,
      engine: (program, space) => {
        try {
          return new JitProgram(program, { space, helpers: conformanceHelpers() });
        } catch (e) {
          if (!(e instanceof JitUnsupportedError)) throw e;
          usedFallback = true;
          return new Interpreter(program, { space, helpers: conformanceHelpers() });
        }
      },
    });
    if (usedFallback) fellBack.push(name);
    if (outcome.status !== 'pass') failed.push(`${name}: ${outcome.message ?? ''} expected ${outcome.expected?.toString(16)} got ${outcome.actual?.toString(16)}`);
  }
  t.diagnostic(`${files.length - fellBack.length} files compiled, ${fellBack.length} fell back: ${fellBack.join(', ')}`);
  assert.deepEqual(failed, []);
  assert.ok(fellBack.every((n) => /^(ldabs|ldind)/.test(n)), fellBack.join(', '));
});
