import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../asm/index.js';
import { runConformanceFile } from './index.js';

/** dist/conformance/x.js → the repo root is two levels up; shared data sits beside it. */
const SUITE_DIR = fileURLToPath(new URL('../../../shared/bpf-conformance/', import.meta.url));
const files = readdirSync(SUITE_DIR).filter((n) => n.endsWith('.data')).sort();

test('the suite has 313 files', () => {
  assert.equal(files.length, 313);
});

for (const name of files) {
  test(`conformance: ${name}`, async () => {
    const outcome = await runConformanceFile(join(SUITE_DIR, name), { assemble });
    assert.equal(outcome.status, 'pass', `${outcome.message ?? ''} expected ${outcome.expected?.toString(16)}, got ${outcome.actual?.toString(16)}`);
  });
}
