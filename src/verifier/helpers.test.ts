import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KERNEL_HELPERS, PROGRAM_TYPES } from './index.js';

const recorded = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/helper-availability.json', import.meta.url), 'utf8')) as
  { kernel: string; helpers: Record<string, { name: string; types: string[]; gplOnly: boolean }> };

/**
 * Where the table is narrower than Linux on purpose. get_cgroup_classid takes
 * the skb in tc programs but nothing elsewhere (another prototype under the
 * same id); only the tc one is modelled.
 */
const NARROWER: Record<string, readonly string[]> = { get_cgroup_classid: ['sched_cls', 'sched_act'] };

test(`helper availability per program type and GPL-only flags agree with Linux ${recorded.kernel}`, () => {
  assert.deepEqual(Object.keys(recorded.helpers).map(Number).sort((a, b) => a - b), KERNEL_HELPERS.ids());
  for (const [id, kernel] of Object.entries(recorded.helpers)) {
    const ours = KERNEL_HELPERS.get(Number(id))!;
    assert.equal(ours.name, kernel.name);
    const types = PROGRAM_TYPES.filter((t) => ours.availableTo(t));
    assert.deepEqual(types, NARROWER[ours.name] ?? kernel.types, ours.name);
    for (const t of types) assert.ok(kernel.types.includes(t), `${ours.name} is not available to ${t} in Linux`);
    if (kernel.types.length) assert.equal(!!ours.proto.gplOnly, kernel.gplOnly, `${ours.name} GPL-only`);
  }
});
