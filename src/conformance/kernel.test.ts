import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bpfPermission } from '../kernel/index.js';
import { type KernelComparison, compareWithKernel } from './kernel.js';
import { listDataFiles } from './runner.js';
import { parseDataFile } from './parse.js';

const SUITE = fileURLToPath(new URL('../../../shared/bpf-conformance/', import.meta.url));

test('the interpreter and the Linux kernel agree on every conformance test the kernel accepts', async (t) => {
  const permission = bpfPermission();
  if (!permission.permitted) return t.skip(permission.reason ?? 'bpf(2) is not permitted');
  const results: KernelComparison[] = [];
  for (const file of await listDataFiles(SUITE)) {
    results.push(compareWithKernel(parseDataFile(readFileSync(file, 'utf8'), file.slice(SUITE.length))));
  }
  const agree = results.filter((r) => r.status === 'agree').length;
  const refused = results.filter((r) => r.status === 'refused');
  t.diagnostic(`${results.length} files: ${agree} compared and equal, ${refused.length} refused by the kernel's verifier`);
  assert.deepEqual(results.filter((r) => r.status === 'disagree'), []);
  assert.equal(results.length, 313);
  // The kernel runs every test that reads no memory and uses no callx; most of the suite.
  assert.ok(agree > 200, `only ${agree} tests compared`);
});
