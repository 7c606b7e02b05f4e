import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { ArrayMap } from './array-map.js';
import { HashMap } from './hash-map.js';
import { Errno, MapOperationError, MapSpecError, UpdateFlag, type MapSpec } from './map.js';

const u32 = (n: number) => new Uint8Array(Uint32Array.of(n).buffer);
const u64 = (n: bigint | number) => new Uint8Array(BigUint64Array.of(BigInt(n)).buffer);
const code = (c: string) => (e: unknown) => e instanceof MapOperationError && e.code === c;

function hash(spec: Partial<MapSpec> = {}, cpus = 1) {
  const space = new AddressSpace();
  return new HashMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4, name: 'h', ...spec }, { space, cpus });
}

test('array: every index exists, NOEXIST fails, delete fails, out of range is E2BIG', () => {
  const space = new AddressSpace();
  const a = new ArrayMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 3, name: 'a' }, { space });
  assert.deepEqual(a.lookup(u32(2)), new Uint8Array(4));
  assert.equal(a.lookup(u32(3)), undefined);
  a.update(u32(1), u32(7));
  a.update(u32(1), u32(8), UpdateFlag.EXIST);
  assert.deepEqual(a.lookup(u32(1)), u32(8));
  assert.throws(() => a.update(u32(1), u32(9), UpdateFlag.NOEXIST), code('EEXIST'));
  assert.throws(() => a.update(u32(3), u32(9)), code('E2BIG'));
  assert.throws(() => a.delete(u32(0)), code('EINVAL'));
  assert.throws(() => a.update(u32(0), new Uint8Array(3)), /values are 4 bytes, not 3/);
  assert.deepEqual([a.nextKey(), a.nextKey(u32(0)), a.nextKey(u32(2)), a.nextKey(u32(9))], [u32(0), u32(1), undefined, u32(0)]);
  // Program side: an address for every index below max_entries, 0 beyond; delete is -EINVAL.
  const key = space.allocate(4, { kind: 'map-key' });
  space.view.setUint32(key.start, 1, true);
  const at = a.lookupAddress(key.start, 0);
  assert.equal(space.view.getUint32(at, true), 8);
  space.view.setUint32(key.start, 3, true);
  assert.equal(a.lookupAddress(key.start, 0), 0);
  assert.equal(a.deleteFrom(), -Errno.EINVAL);
  assert.throws(() => new ArrayMap({ type: 'array', keySize: 8, valueSize: 4, maxEntries: 1 }, { space }), MapSpecError);
});

test('per-CPU array: one 8-byte-rounded slot per CPU; a program writes only its own', () => {
  const space = new AddressSpace();
  const a = new ArrayMap({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 2, name: 'p' }, { space, cpus: 3 });
  assert.equal(a.lookup(u32(0))!.length, 24);
  const key = space.allocate(4, { kind: 'map-key' });
  const value = space.allocate(4, { kind: 'scratch' });
  space.view.setUint32(value.start, 0xabcd, true);
  assert.equal(a.updateFrom(key.start, value.start, 0, 2), 0);
  const all = a.lookup(u32(0))!;
  assert.deepEqual([...new Uint32Array(all.buffer)], [0, 0, 0, 0, 0xabcd, 0]);
  assert.throws(() => a.update(u32(0), new Uint8Array(12)), /24 bytes \(3 CPUs × 8\)/);
});

test('hash: fill to max_entries, then E2BIG; every flag; delete of a missing key', () => {
  const h = hash();
  for (let i = 0; i < 4; i++) h.update(u32(i), u64(i * 10), UpdateFlag.NOEXIST);
  assert.throws(() => h.update(u32(4), u64(0)), code('E2BIG'));
  h.update(u32(3), u64(33), UpdateFlag.ANY);
  h.update(u32(3), u64(34), UpdateFlag.EXIST);
  assert.deepEqual(h.lookup(u32(3)), u64(34));
  assert.throws(() => h.update(u32(2), u64(0), UpdateFlag.NOEXIST), code('EEXIST'));
  assert.equal(h.delete(u32(2)), true);
  assert.equal(h.delete(u32(2)), false);
  assert.throws(() => h.update(u32(2), u64(0), UpdateFlag.EXIST), code('ENOENT'));
  h.update(u32(9), u64(90));
  assert.equal(h.size, 4);
  assert.throws(() => h.update(u32(1), u64(0), 3), code('EINVAL'));
  assert.throws(() => h.lookup(new Uint8Array(3)), /keys are 4 bytes, not 3/);
});

test('hash: iteration visits every key once; an unknown key restarts at the first', () => {
  const h = hash({ maxEntries: 64 });
  for (let i = 0; i < 50; i++) h.update(u32(i * 7919), u64(i));
  const seen: number[] = [];
  for (let k = h.nextKey(); k; k = h.nextKey(k)) seen.push(new DataView(k.buffer).getUint32(0, true));
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i * 7919).sort((a, b) => a - b));
  assert.deepEqual(h.nextKey(u32(123456)), h.nextKey());
});

test('hash from programs: kernel errnos, stable value addresses', () => {
  const space = new AddressSpace();
  const h = new HashMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 2, name: 'h' }, { space });
  const key = space.allocate(4, { kind: 'map-key' });
  const value = space.allocate(8, { kind: 'scratch' });
  const put = (k: number, flags = 0) => {
    space.view.setUint32(key.start, k, true);
    space.view.setBigUint64(value.start, BigInt(k * 100), true);
    return h.updateFrom(key.start, value.start, flags, 0);
  };
  assert.equal(put(1), 0);
  space.view.setUint32(key.start, 1, true);
  const address = h.lookupAddress(key.start, 0);
  assert.equal(put(2), 0);
  assert.equal(put(3), -Errno.E2BIG);
  assert.equal(put(1, UpdateFlag.NOEXIST), -Errno.EEXIST);
  space.view.setUint32(key.start, 1, true);
  assert.equal(h.lookupAddress(key.start, 0), address, 'a value stays where it was');
  assert.equal(h.updateFrom(key.start, 8, 0, 0), -Errno.EFAULT, 'a value outside every region');
  space.view.setUint32(key.start, 9, true);
  assert.equal(h.deleteFrom(key.start), -Errno.ENOENT);
});

test('LRU hash: a full map evicts the least recently used; lookups refresh', () => {
  const space = new AddressSpace();
  const h = new HashMap({ type: 'lru_hash', keySize: 4, valueSize: 8, maxEntries: 3, name: 'lru' }, { space });
  for (const k of [1, 2, 3]) h.update(u32(k), u64(k));
  const key = space.allocate(4, { kind: 'map-key' });
  space.view.setUint32(key.start, 1, true);
  assert.ok(h.lookupAddress(key.start, 0), 'a program lookup of 1 makes it recent');
  h.update(u32(4), u64(4));
  assert.equal(h.lookup(u32(2)), undefined, '2 was the least recently used');
  assert.deepEqual(h.lruOrder().map((k) => k[0]), [3, 1, 4]);
  h.update(u32(3), u64(33));
  h.update(u32(5), u64(5));
  assert.deepEqual(h.lruOrder().map((k) => k[0]), [4, 3, 5], '1 was evicted next, and updating 3 refreshed it');
  assert.throws(() => new HashMap({ type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 2, flags: 1 }, { space }), MapSpecError);
});

test('per-CPU hash: new elements start at zero on other CPUs', () => {
  const space = new AddressSpace();
  const h = new HashMap({ type: 'percpu_hash', keySize: 4, valueSize: 4, maxEntries: 4, name: 'pc' }, { space, cpus: 2 });
  const key = space.allocate(4, { kind: 'map-key' });
  const value = space.allocate(4, { kind: 'scratch' });
  space.view.setUint32(value.start, 5, true);
  assert.equal(h.updateFrom(key.start, value.start, 0, 1), 0);
  assert.deepEqual([...new Uint32Array(h.lookup(u32(0))!.buffer)], [0, 0, 5, 0]);
  h.update(u32(0), new Uint8Array(Uint32Array.of(1, 0, 2, 0).buffer));
  assert.equal(space.view.getUint32(h.lookupAddress(key.start, 1), true), 2);
});

test('a 1,000,000-entry hash with 8-byte keys and values stays under 64 MiB', () => {
  const space = new AddressSpace();
  const h = new HashMap({ type: 'hash', keySize: 8, valueSize: 8, maxEntries: 1_000_000, name: 'million' }, { space });
  const key = new Uint8Array(8);
  const view = new DataView(key.buffer);
  for (let i = 0; i < 1_000_000; i++) {
    view.setUint32(0, i, true);
    h.update(key, key);
  }
  assert.equal(h.size, 1_000_000);
  view.setUint32(0, 765_432, true);
  assert.deepEqual(h.lookup(key), key);
  assert.ok(h.memoryBytes < 64 * 2 ** 20, `${(h.memoryBytes / 2 ** 20).toFixed(1)} MiB`);
});
