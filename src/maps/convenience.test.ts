import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { MapOperationError, MapSpecError, createMap, deleteBatch, entries, keys, lookupAndDelete, lookupBatch, perCpuValues, readU32, readU64, u32, u64, updateBatch } from './index.js';

test('numbers and bigints to bytes and back; per-CPU values split', () => {
  assert.deepEqual(u32(0x01020304), Uint8Array.of(4, 3, 2, 1));
  assert.equal(readU32(u32(0xfffffffe)), 0xfffffffe);
  assert.equal(readU64(u64(-1n)), 2n ** 64n - 1n);
  assert.deepEqual(perCpuValues(Uint8Array.of(1, 0, 0, 0, 9, 9, 9, 9, 2, 0, 0, 0, 9, 9, 9, 9), 4), [Uint8Array.of(1, 0, 0, 0), Uint8Array.of(2, 0, 0, 0)]);
});

test('iteration and batches over a hash map', () => {
  const map = createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 10, name: 'h' }, { space: new AddressSpace() });
  assert.equal(updateBatch(map, [0, 1, 2, 3, 4].map((i) => [u32(i), u64(i * 10)] as const)), 5);
  assert.deepEqual([...keys(map)].map((k) => readU32(k)).sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(new Map([...entries(map)].map(([k, v]) => [readU32(k), readU64(v)])).get(3), 30n);
  const first = lookupBatch(map, 3);
  assert.equal(first.entries.length, 3);
  const rest = lookupBatch(map, 10, first.next);
  assert.equal(rest.entries.length, 2);
  assert.equal(rest.next, undefined);
  assert.throws(() => deleteBatch(map, [u32(0), u32(77), u32(1)]), (e: unknown) => e instanceof MapOperationError && e.code === 'ENOENT' && (e as unknown as { completed: number }).completed === 1);
  assert.equal(map.lookup(u32(1))?.length, 8, 'the batch stopped at the missing key');
  assert.throws(() => updateBatch(map, [[u32(9), u64(0)], [u32(1), u64(0)]], 1), (e: unknown) => (e as { completed?: number }).completed === 1);
});

test('createMap refuses what the runtime lacks and what the kernel refuses', () => {
  const space = new AddressSpace();
  assert.throws(() => createMap({ type: 'devmap', keySize: 4, valueSize: 4, maxEntries: 1, name: 'd' }, { space }), /devmap is not implemented in the userspace runtime/);
  assert.throws(() => createMap({ type: 'hash', keySize: 0, valueSize: 4, maxEntries: 1 }, { space }), MapSpecError);
  assert.throws(() => createMap({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 1000 }, { space }), MapSpecError);
});

test('lookupAndDelete pops queues and takes hash elements; arrays refuse', () => {
  const space = new AddressSpace();
  const q = createMap({ type: 'stack', keySize: 0, valueSize: 4, maxEntries: 4, name: 's' }, { space });
  q.update(new Uint8Array(0), u32(1));
  q.update(new Uint8Array(0), u32(2));
  assert.deepEqual(lookupAndDelete(q), u32(2));
  const h = createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 4, name: 'h' }, { space });
  h.update(u32(7), u32(70));
  assert.deepEqual(lookupAndDelete(h, u32(7)), u32(70));
  assert.equal(h.lookup(u32(7)), undefined);
  assert.equal(lookupAndDelete(h, u32(7)), undefined);
  const a = createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, name: 'a' }, { space });
  assert.throws(() => lookupAndDelete(a, u32(0)), (e: unknown) => e instanceof MapOperationError && e.code === 'ENOTSUPP');
});
