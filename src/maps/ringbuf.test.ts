import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { Errno, MapOperationError, MapSpecError, type MapSpec } from './map.js';
import {
  BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT, RingBuffer, RingBufferSampleError, RingbufFlag, RingbufQuery,
} from './ringbuf.js';

const spec = (maxEntries: number, extra: Partial<MapSpec> = {}): MapSpec =>
  ({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries, name: 'rb', ...extra });

function setup(size = 4096): { space: AddressSpace; rb: RingBuffer } {
  const space = new AddressSpace();
  return { space, rb: new RingBuffer(spec(size), { space }) };
}

/** What a program does between reserve and submit: plain stores. */
function fill(space: AddressSpace, address: number, bytes: Uint8Array): void {
  space.bytes.set(bytes, address);
}

function drain(rb: RingBuffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  rb.consume((d) => { out.push(d.slice()); });
  return out;
}

test('refuses sizes that are not a power of 2 and a page multiple, keys, values and flags', () => {
  const space = new AddressSpace();
  for (const n of [0, 1024, 4096 * 3, 5000, -4096, 4096.5]) {
    assert.throws(() => new RingBuffer(spec(n), { space }), MapSpecError, `max_entries ${n}`);
  }
  assert.throws(() => new RingBuffer(spec(4096, { keySize: 4 }), { space }), MapSpecError);
  assert.throws(() => new RingBuffer(spec(4096, { valueSize: 4 }), { space }), MapSpecError);
  assert.throws(() => new RingBuffer(spec(4096, { flags: 1 << 10 }), { space }), MapSpecError);
  const rb = new RingBuffer(spec(8192, { flags: 1 << 2 }), { space });
  assert.equal(rb.size, 8192);
  assert.equal(rb.baseAddress % 4096, 0);
  assert.ok(rb.memoryBytes >= 3 * 4096 + 8192);
});

test('reserve writes the kernel header and submit makes the sample visible', () => {
  const { space, rb } = setup();
  const p = rb.reserve(5, 0);
  assert.notEqual(p, 0);
  assert.equal(p, rb.dataAddress + 8);
  const view = space.view;
  assert.equal(view.getUint32(p - 8, true), (5 | BPF_RINGBUF_BUSY_BIT) >>> 0);
  assert.equal(view.getUint32(p - 4, true), 3, 'pg_off counts pages back to the map start');
  assert.equal(rb.query(RingbufQuery.PROD_POS), 16n, 'records are 8-byte aligned');
  assert.equal(rb.query(RingbufQuery.AVAIL_DATA), 16n, 'busy records count as available data');
  assert.deepEqual(drain(rb), [], 'a busy record is never handed out');
  fill(space, p, Uint8Array.of(1, 2, 3, 4, 5));
  rb.submit(p, 0);
  assert.equal(view.getUint32(p - 8, true), 5);
  assert.deepEqual(drain(rb), [Uint8Array.of(1, 2, 3, 4, 5)]);
  assert.equal(rb.query(RingbufQuery.CONS_POS), 16n);
  assert.equal(rb.query(RingbufQuery.AVAIL_DATA), 0n);
  assert.equal(rb.query(RingbufQuery.RING_SIZE), 4096n);
  assert.equal(rb.query(99), 0n, 'the kernel answers 0 to an unknown query flag');
  assert.equal(space.view.getBigUint64(rb.consumerPosAddress, true), 16n);
  assert.equal(space.view.getBigUint64(rb.producerPosAddress, true), 16n);
});

test('reserve with flags fails, a zero-size sample works', () => {
  const { rb } = setup();
  assert.equal(rb.reserve(8, 1), 0);
  assert.equal(rb.reserve(8, 1n << 40n), 0);
  assert.equal(rb.dropped, 0, 'bad flags are not a drop');
  const p = rb.reserve(0, 0);
  assert.notEqual(p, 0);
  rb.submit(p, 0);
  assert.deepEqual(drain(rb), [new Uint8Array(0)]);
});

test('discarded records are skipped and marked with the discard bit', () => {
  const { space, rb } = setup();
  const a = rb.reserve(4, 0);
  const b = rb.reserve(4, 0);
  fill(space, a, Uint8Array.of(1, 1, 1, 1));
  fill(space, b, Uint8Array.of(2, 2, 2, 2));
  rb.discard(a, 0);
  assert.equal(space.view.getUint32(a - 8, true), (4 | BPF_RINGBUF_DISCARD_BIT) >>> 0);
  rb.submit(b, 0);
  assert.deepEqual(drain(rb), [Uint8Array.of(2, 2, 2, 2)]);
  assert.equal(rb.query(RingbufQuery.CONS_POS), 32n, 'the consumer moved past the discarded record too');
});

test('output copies from memory, refuses bad flags, and fails with EAGAIN when full', () => {
  const { space, rb } = setup();
  const src = space.allocate(4080, { kind: 'stack' });
  space.bytes.fill(7, src.start, src.start + 4080);
  assert.equal(rb.output(src.start, 10, 4), -Errno.EINVAL);
  assert.equal(rb.output(src.start, 10, 1n << 33n), -Errno.EINVAL);
  assert.equal(rb.output(src.start, 10, RingbufFlag.NO_WAKEUP | RingbufFlag.FORCE_WAKEUP), 0);
  assert.equal(rb.output(src.start, 4080, 0), -Errno.EAGAIN, '16 + 4088 bytes of records exceed the 4095 usable');
  assert.equal(rb.dropped, 1);
  const got = drain(rb);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], new Uint8Array(10).fill(7));
  assert.equal(rb.output(src.start, 4080, 0), 0, 'fits once consumed');
  assert.deepEqual(drain(rb)[0], new Uint8Array(4080).fill(7));
});

test('overflow is counted and the ring never holds more than size - 1 bytes', () => {
  const { rb } = setup();
  let ok = 0;
  for (let i = 0; i < 600; i++) {
    const p = rb.reserve(8, 0);
    if (p === 0) continue;
    rb.submit(p, 0);
    ok++;
  }
  // 16-byte records in a 4096-byte ring: 255 fit, as producer - consumer must stay <= mask.
  assert.equal(ok, 255);
  assert.equal(rb.dropped, 600 - 255);
  assert.equal(rb.reserve(4096, 0), 0, 'larger than the ring');
  assert.equal(rb.reserve(4089, 0), 0);
  assert.equal(rb.dropped, 600 - 255 + 2);
  assert.equal(drain(rb).length, 255);
});

test('records committed out of order wait behind the busy one', () => {
  const { space, rb } = setup();
  const a = rb.reserve(3, 0);
  const b = rb.reserve(3, 0);
  const c = rb.reserve(3, 0);
  fill(space, a, Uint8Array.of(0xa, 0xa, 0xa));
  fill(space, b, Uint8Array.of(0xb, 0xb, 0xb));
  fill(space, c, Uint8Array.of(0xc, 0xc, 0xc));
  rb.submit(c, 0);
  rb.discard(b, 0);
  assert.deepEqual(drain(rb), []);
  assert.equal(rb.query(RingbufQuery.CONS_POS), 0n);
  rb.submit(a, 0);
  assert.deepEqual(drain(rb), [Uint8Array.of(0xa, 0xa, 0xa), Uint8Array.of(0xc, 0xc, 0xc)]);
});

test('a busy record pins its space even when the consumer position is moved past it', () => {
  const { space, rb } = setup();
  const stuck = rb.reserve(8, 0);
  // A misbehaving consumer skips ahead; pending_pos still stops the producer from lapping the busy record.
  space.view.setBigUint64(rb.consumerPosAddress, 16n, true);
  let ok = 0;
  for (let i = 0; i < 300; i++) {
    const p = rb.reserve(8, 0);
    if (p === 0) break;
    rb.submit(p, 0);
    space.view.setBigUint64(rb.consumerPosAddress, rb.query(RingbufQuery.PROD_POS), true);
    ok++;
  }
  assert.equal(ok, 254, 'the producer stops one ring short of the busy record');
  rb.submit(stuck, 0);
  assert.notEqual(rb.reserve(8, 0), 0, 'committing it frees the ring');
});

test('submitting anything but a live reservation throws', () => {
  const { space, rb } = setup();
  const p = rb.reserve(8, 0);
  assert.throws(() => rb.submit(p + 8, 0), RingBufferSampleError);
  assert.throws(() => rb.submit(0, 0), RingBufferSampleError);
  assert.throws(() => rb.discard(rb.dataAddress + 4096 + 8, 0), RingBufferSampleError);
  rb.submit(p, 0);
  assert.throws(() => rb.submit(p, 0), (e: unknown) => e instanceof RingBufferSampleError && e.code === 'INVALID_SAMPLE');
  assert.throws(() => rb.discard(p, 0), RingBufferSampleError);
  const other = new RingBuffer(spec(4096, { name: 'other' }), { space });
  const q = other.reserve(8, 0);
  assert.throws(() => rb.submit(q, 0), RingBufferSampleError, 'a sample of another ring');
  assert.equal(RingBuffer.fromSample(space, q), other, 'found from pg_off, as the kernel does');
  const r = rb.reserve(5000 % 4000, 0);
  assert.equal(RingBuffer.fromSample(space, r), rb);
  assert.throws(() => RingBuffer.fromSample(space, space.allocate(64, { kind: 'stack' }).start + 8), RingBufferSampleError);
  assert.equal(rb.reserve(1n << 40n, 0), 0, 'a u64 size beyond a record');
  assert.equal(rb.output(rb.dataAddress, 1n << 40n, 0), -Errno.EAGAIN);
});

test('a record that wraps is contiguous for the program and the consumer, and lands at the ring start', () => {
  const { space, rb } = setup();
  const first = rb.reserve(4096 - 8 - 32, 0); // leaves 32 bytes before the end
  rb.submit(first, 0);
  assert.equal(drain(rb).length, 1);
  const p = rb.reserve(100, 0);
  assert.equal(p, rb.dataAddress + 4096 - 32 + 8);
  const payload = Uint8Array.from({ length: 100 }, (_, i) => i + 1);
  fill(space, p, payload);
  rb.submit(p, 0);
  const tail = payload.subarray(24);
  assert.deepEqual(space.bytes.slice(rb.dataAddress, rb.dataAddress + tail.length), tail, 'the wrapped part sits at the data start');
  assert.deepEqual(drain(rb), [payload]);
});

test('wraps around many times with random sizes and order, nothing torn or lost', () => {
  const { space, rb } = setup(8192);
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const src = space.allocate(2048, { kind: 'stack' });
  const expected: Uint8Array[] = [];
  const pending: { address: number; bytes: Uint8Array; discard: boolean; order: number }[] = [];
  const received: Uint8Array[] = [];
  let order = 0;
  const committedInOrder: { bytes: Uint8Array; discard: boolean; order: number }[] = [];
  for (let step = 0; step < 20000; step++) {
    const action = rand(10);
    if (action < 4) {
      const size = rand(700);
      const bytes = Uint8Array.from({ length: size }, () => rand(256));
      const address = rb.reserve(size, 0);
      if (address === 0) continue;
      fill(space, address, bytes);
      const rec = { address, bytes, discard: rand(5) === 0, order: order++ };
      pending.push(rec);
      committedInOrder.push(rec);
    } else if (action < 7 && pending.length > 0) {
      const [rec] = pending.splice(rand(pending.length), 1);
      if (rec!.discard) rb.discard(rec!.address, 0);
      else rb.submit(rec!.address, 0);
    } else if (action < 8) {
      const size = rand(300);
      const bytes = Uint8Array.from({ length: size }, () => rand(256));
      space.bytes.set(bytes, src.start);
      if (rb.output(src.start, size, 0) === 0) committedInOrder.push({ bytes, discard: false, order: order++ });
    } else {
      rb.consume((d) => { received.push(d.slice()); });
    }
  }
  for (const rec of pending) {
    if (rec.discard) rb.discard(rec.address, 0);
    else rb.submit(rec.address, 0);
  }
  rb.consume((d) => { received.push(d.slice()); });
  for (const rec of committedInOrder) if (!rec.discard) expected.push(rec.bytes);
  assert.ok(rb.query(RingbufQuery.PROD_POS) > 40n * 8192n, `wrapped many times (${rb.query(RingbufQuery.PROD_POS)})`);
  assert.ok(rb.dropped > 0, 'some reservations found the ring full');
  assert.equal(received.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.deepEqual(received[i], expected[i], `record ${i}`);
  assert.equal(rb.query(RingbufQuery.AVAIL_DATA), 0n);
});

test('consume stops when the callback returns non-zero, and honours a limit', () => {
  const { rb, space } = setup();
  const src = space.allocate(8, { kind: 'stack' });
  for (let i = 0; i < 5; i++) {
    space.bytes[src.start] = i;
    rb.output(src.start, 1, 0);
  }
  const seen: number[] = [];
  assert.equal(rb.consume((d) => { seen.push(d[0]!); return d[0] === 1 ? 1 : 0; }), 2);
  assert.equal(rb.consume((d) => { seen.push(d[0]!); return -7; }), -7, 'a negative result is returned, as libbpf does');
  assert.equal(rb.consume((d) => { seen.push(d[0]!); }, 1), 1);
  assert.equal(rb.consume((d) => { seen.push(d[0]!); }), 1);
  assert.deepEqual(seen, [0, 1, 2, 3, 4], 'every record was delivered once, in order');
});

test('the async iterator delivers records submitted later, in order, and ends on abort', async () => {
  const { rb, space } = setup();
  const src = space.allocate(8, { kind: 'stack' });
  const put = (v: number, flags = 0): void => {
    space.bytes[src.start] = v;
    assert.equal(rb.output(src.start, 1, flags), 0);
  };
  put(1);
  const controller = new AbortController();
  const got: number[] = [];
  const reader = (async () => {
    for await (const d of rb.records({ signal: controller.signal })) {
      got.push(d[0]!);
      if (got.length === 5) controller.abort();
    }
  })();
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [1]);
  put(2);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [1, 2]);
  // Out of order: the later record's commit must not wake the reader past the busy one.
  const a = rb.reserve(1, 0);
  const b = rb.reserve(1, 0);
  space.bytes[a] = 3;
  space.bytes[b] = 4;
  rb.submit(b, 0);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [1, 2]);
  rb.submit(a, 0);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [1, 2, 3, 4]);
  put(5);
  await reader;
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
});

test('NO_WAKEUP records wait for the next wakeup; FORCE_WAKEUP wakes', async () => {
  const { rb, space } = setup();
  const src = space.allocate(8, { kind: 'stack' });
  const put = (v: number, flags: number): void => {
    space.bytes[src.start] = v;
    rb.output(src.start, 1, flags);
  };
  const controller = new AbortController();
  const got: number[] = [];
  const reader = (async () => {
    for await (const d of rb) {
      got.push(d[0]!);
      if (got.length === 3) break;
    }
  })();
  await new Promise((r) => setTimeout(r, 5));
  put(1, RingbufFlag.NO_WAKEUP);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, []);
  put(2, RingbufFlag.NO_WAKEUP | RingbufFlag.FORCE_WAKEUP);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [1, 2]);
  put(3, 0);
  await reader;
  assert.deepEqual(got, [1, 2, 3]);
  controller.abort();
});

test('freeing the map ends a waiting iterator', async () => {
  const { rb } = setup();
  const it = rb.records();
  const next = it.next();
  rb.free();
  assert.deepEqual(await next, { value: undefined, done: true });
  assert.throws(() => rb.reserve(8, 0), MapOperationError);
});

test('element operations fail as the kernel ringbuf map does', () => {
  const { rb } = setup();
  const code = (f: () => unknown): string | undefined => {
    try { f(); } catch (e) { return (e as MapOperationError).code; }
    return undefined;
  };
  assert.equal(code(() => rb.lookup(new Uint8Array(0))), 'ENOTSUPP');
  assert.equal(code(() => rb.lookup(new Uint8Array(4))), 'EINVAL');
  assert.equal(code(() => rb.update(new Uint8Array(0), new Uint8Array(0))), 'ENOTSUPP');
  assert.equal(code(() => rb.update(new Uint8Array(4), new Uint8Array(0))), 'EINVAL');
  assert.equal(code(() => rb.delete(new Uint8Array(0))), 'ENOTSUPP');
  assert.equal(code(() => rb.nextKey()), 'ENOTSUPP');
  assert.equal(code(() => rb.nextKey(new Uint8Array(4))), 'EINVAL');
  assert.equal(rb.lookupAddress(0, 0), 0);
  assert.equal(rb.updateFrom(0, 0, 0, 0), -Errno.ENOTSUPP);
  assert.equal(rb.deleteFrom(0), -Errno.ENOTSUPP);
});
