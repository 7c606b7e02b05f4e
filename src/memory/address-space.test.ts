import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace, GUARD_SIZE, OutOfMemoryError } from './index.js';

test('never hands out the guard page, so address 0 is never valid', () => {
  const space = new AddressSpace();
  const r = space.allocate(16, { kind: 'stack' });
  assert.ok(r.start >= GUARD_SIZE);
  assert.equal(space.regionAt(0), undefined);
  assert.equal(space.regionAt(8, 8), undefined);
});

test('finds the region that holds a whole access, and only then', () => {
  const space = new AddressSpace();
  const a = space.allocate(32, { kind: 'stack', name: 'frame 0' });
  const b = space.allocate(8, { kind: 'input' });
  assert.equal(space.regionAt(a.start, 32), a);
  assert.equal(space.regionAt(a.start + 31, 1), a);
  assert.equal(space.regionAt(a.start + 31, 2), undefined, 'an access crossing the end is outside');
  assert.equal(space.regionAt(b.start + 4, 4), b);
});

test('reuses released space, coalesced, and zero-fills new regions', () => {
  const space = new AddressSpace();
  const a = space.allocate(64, { kind: 'scratch' });
  const b = space.allocate(64, { kind: 'scratch' });
  space.bytes.fill(0xff, a.start, b.start + 64);
  space.release(a);
  space.release(b);
  const c = space.allocate(128, { kind: 'scratch' });
  assert.equal(c.start, a.start, 'the two freed neighbours merged into one block');
  assert.ok(space.slice(c).every((x) => x === 0));
  assert.throws(() => space.release(a), /not live/);
});

test('honours alignment and grows the memory when needed', () => {
  const space = new AddressSpace({ initialPages: 1 });
  space.allocate(3, { kind: 'scratch', align: 1 });
  const aligned = space.allocate(100, { kind: 'scratch', align: 64 });
  assert.equal(aligned.start % 64, 0);
  const big = space.allocate(200_000, { kind: 'map-storage' });
  assert.ok(space.size >= big.start + big.size);
  space.view.setUint32(big.start + big.size - 4, 0xdeadbeef, true);
  assert.equal(space.view.getUint32(big.start + big.size - 4, true), 0xdeadbeef);
});

test('reports an allocation beyond the maximum as a typed error', () => {
  const space = new AddressSpace({ initialPages: 1, maximumPages: 2 });
  assert.throws(() => space.allocate(3 * 65536, { kind: 'scratch' }), OutOfMemoryError);
  assert.throws(() => space.allocate(0, { kind: 'scratch' }), RangeError);
});

test('can be shared with worker threads', () => {
  const space = new AddressSpace({ shared: true, maximumPages: 64 });
  assert.ok(space.memory.buffer instanceof SharedArrayBuffer);
});
