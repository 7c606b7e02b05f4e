import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { BloomFilter } from './bloom-filter.js';
import { LpmTrie } from './lpm-trie-map.js';
import { Errno, MapFlags, MapOperationError, MapSpecError, UpdateFlag } from './map.js';
import { QueueMap } from './queue-map.js';

const u32 = (n: number) => new Uint8Array(Uint32Array.of(n).buffer);
const none = new Uint8Array(0);
const code = (c: string) => (e: unknown) => e instanceof MapOperationError && e.code === c;

test('queue is FIFO, stack LIFO; full is E2BIG unless BPF_EXIST overwrites the oldest', () => {
  const space = new AddressSpace();
  for (const [type, order] of [['queue', [2, 3, 4]], ['stack', [4, 3, 2]]] as const) {
    const q = new QueueMap({ type, keySize: 0, valueSize: 4, maxEntries: 3, name: type }, { space });
    for (const v of [1, 2, 3]) q.update(none, u32(v));
    assert.throws(() => q.update(none, u32(9)), code('E2BIG'));
    q.update(none, u32(4), UpdateFlag.EXIST);
    assert.deepEqual(q.lookup(), u32(order[0]), 'lookup peeks');
    const popped = [q.popValue(), q.popValue(), q.popValue(), q.popValue()];
    assert.deepEqual(popped, [...order.map(u32), undefined], type);
    assert.throws(() => q.update(none, u32(1), UpdateFlag.NOEXIST), code('EINVAL'));
    const value = space.allocate(4, { kind: 'scratch' });
    assert.equal(q.pop(value.start), -Errno.ENOENT);
    assert.equal(q.peek(value.start), -Errno.ENOENT);
    assert.throws(() => q.delete(), code('EINVAL'));
  }
  assert.throws(() => new QueueMap({ type: 'queue', keySize: 4, valueSize: 4, maxEntries: 1 }, { space }), MapSpecError);
});

test('bloom filter: no false negatives, few false positives, only BPF_ANY', () => {
  const space = new AddressSpace();
  const b = new BloomFilter({ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 1000, mapExtra: 3, name: 'b' }, { space });
  assert.equal(b.hashes, 3);
  for (let i = 0; i < 1000; i++) b.add(u32(i * 7));
  for (let i = 0; i < 1000; i++) assert.ok(b.mayContain(u32(i * 7)), `added ${i * 7}`);
  let falsePositives = 0;
  for (let i = 0; i < 10_000; i++) if (b.mayContain(u32(1_000_000 + i))) falsePositives++;
  assert.ok(falsePositives < 2000, `${falsePositives} false positives in 10,000`);
  const value = space.allocate(4, { kind: 'scratch' });
  assert.equal(b.push(value.start, UpdateFlag.EXIST), -Errno.EINVAL);
  assert.equal(b.pop(), -Errno.EOPNOTSUPP);
  assert.throws(() => b.delete(), code('EOPNOTSUPP'));
  assert.equal(new BloomFilter({ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 8 }, { space }).hashes, 5, 'default 5 hash functions');
});

const prefix = (length: number, ...ip: number[]) => Uint8Array.of(length, 0, 0, 0, ...ip);

test('LPM trie: the longest stored prefix wins; exact delete; a full trie is ENOSPC', () => {
  const space = new AddressSpace();
  const t = new LpmTrie({ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 4, flags: MapFlags.NO_PREALLOC, name: 't' }, { space });
  t.update(prefix(8, 10, 0, 0, 0), u32(8));
  t.update(prefix(16, 10, 1, 0, 0), u32(16));
  t.update(prefix(24, 10, 1, 2, 0), u32(24));
  t.update(prefix(32, 10, 1, 2, 3), u32(32));
  const cases: [Uint8Array, number | undefined][] = [
    [prefix(32, 10, 1, 2, 3), 32], [prefix(32, 10, 1, 2, 4), 24], [prefix(32, 10, 1, 9, 9), 16], [prefix(32, 10, 9, 9, 9), 8],
    [prefix(32, 11, 0, 0, 0), undefined], [prefix(20, 10, 1, 2, 3), 16], [prefix(8, 10, 255, 255, 255), 8],
  ];
  for (const [key, expected] of cases) assert.deepEqual(t.lookup(key), expected === undefined ? undefined : u32(expected), key.join('.'));
  assert.throws(() => t.update(prefix(12, 10, 0, 0, 0), u32(1)), code('ENOSPC'));
  assert.throws(() => t.update(prefix(33, 10, 0, 0, 0), u32(1)), code('EINVAL'));
  assert.throws(() => t.update(prefix(24, 10, 1, 2, 99), u32(1), UpdateFlag.NOEXIST), code('EEXIST'), 'host bits beyond the prefix do not matter');
  assert.equal(t.delete(prefix(24, 10, 1, 2, 0)), true);
  assert.equal(t.delete(prefix(24, 10, 1, 2, 0)), false);
  assert.deepEqual(t.lookup(prefix(32, 10, 1, 2, 4)), u32(16));
  const keys: string[] = [];
  for (let k = t.nextKey(); k; k = t.nextKey(k)) keys.push(k.join('.'));
  assert.deepEqual(keys, ['32.0.0.0.10.1.2.3', '16.0.0.0.10.1.0.0', '8.0.0.0.10.0.0.0']);
  assert.throws(() => new LpmTrie({ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 4 }, { space }), /BPF_F_NO_PREALLOC/);
});
