import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperTable, type HelperDefinition } from './index.js';

const def = (id: number, name: string, result: bigint): HelperDefinition => ({
  id, name, proto: { args: [], ret: 'integer' }, impl: () => result,
});

test('finds helpers by id and by name, with or without the bpf_ prefix', () => {
  const table = new HelperTable([def(5, 'ktime_get_ns', 1n)]);
  assert.equal(table.get(5)?.name, 'ktime_get_ns');
  assert.equal(table.byName('bpf_ktime_get_ns')?.id, 5);
  assert.equal(table.byName('ktime_get_ns')?.id, 5);
  assert.equal(table.get(6), undefined);
});

test('re-registering an id replaces the old name, and clones are independent', () => {
  const table = new HelperTable([def(5, 'ktime_get_ns', 1n)]);
  const copy = table.clone().register(def(5, 'unwind', 2n));
  assert.equal(copy.byName('ktime_get_ns'), undefined);
  assert.equal(copy.get(5)?.name, 'unwind');
  assert.equal(table.get(5)?.name, 'ktime_get_ns');
});
