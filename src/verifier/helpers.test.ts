import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KERNEL_HELPERS, PROGRAM_TYPES } from './index.js';
import { contextKey, probeContexts } from './testdata/ctx-probe.js';

const recorded = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/helper-availability.json', import.meta.url), 'utf8')) as
  { kernel: string; helpers: Record<string, { name: string; types: string[]; contexts: string[]; gplOnly: boolean }> };

/**
 * Where the table is narrower than Linux on purpose: cgroup_sockopt's
 * setsockopt and getsockopt take a socket rather than the context (another
 * prototype under the same id), which is not modelled.
 */
const NARROWER: Record<string, readonly string[]> = { setsockopt: ['cgroup_sockopt'], getsockopt: ['cgroup_sockopt'] };

test(`helper availability per program type (and attach type) and GPL-only flags agree with Linux ${recorded.kernel}`, () => {
  assert.deepEqual(Object.keys(recorded.helpers).map(Number).sort((a, b) => a - b), KERNEL_HELPERS.ids());
  const contexts = probeContexts(PROGRAM_TYPES);
  for (const [id, kernel] of Object.entries(recorded.helpers)) {
    const ours = KERNEL_HELPERS.get(Number(id))!;
    assert.equal(ours.name, kernel.name);
    const left = NARROWER[ours.name] ?? [];
    const expected = kernel.contexts.filter((k) => !left.includes(k.split('/')[0]!));
    const available = contexts.filter((c) => ours.availableTo(c.type, c.attach)).map(contextKey);
    assert.deepEqual(available, expected, ours.name);
    if (kernel.types.length) assert.equal(!!ours.proto.gplOnly, kernel.gplOnly, `${ours.name} GPL-only`);
  }
});
