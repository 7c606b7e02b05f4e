import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { HelperError, HelperTable, syncHelpers } from './index.js';

test('spin_lock takes and spin_unlock releases the lock word; misuse is a HelperError', () => {
  for (const shared of [false, true]) {
    const space = new AddressSpace({ shared, maximumPages: 64 });
    const env = { space, cpu: 0 };
    const table = new HelperTable(syncHelpers());
    const lock = table.byName('spin_lock')!;
    const unlock = table.byName('spin_unlock')!;
    const value = space.allocate(16, { kind: 'map-value' });
    const at = BigInt(value.start + 8);
    lock.impl(env, at, 0n, 0n, 0n, 0n);
    assert.equal(space.view.getUint32(value.start + 8, true), 1);
    unlock.impl(env, at, 0n, 0n, 0n, 0n);
    assert.equal(space.view.getUint32(value.start + 8, true), 0);
    assert.throws(() => unlock.impl(env, at, 0n, 0n, 0n, 0n), HelperError);
    assert.throws(() => lock.impl(env, at + 2n, 0n, 0n, 0n, 0n), /4-byte aligned/);
    assert.throws(() => lock.impl(env, 8n, 0n, 0n, 0n, 0n), HelperError);
    if (!shared) {
      lock.impl(env, at, 0n, 0n, 0n, 0n);
      assert.throws(() => lock.impl(env, at, 0n, 0n, 0n, 0n), /already held/);
    }
  }
});
