import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { Errno, MapOperationError, MapSpecError, type MapSpec } from './map.js';
import { BPF_F_CURRENT_CPU, PERF_RECORD_LOST, PERF_RECORD_SAMPLE, PerfEventArray, type PerfEvent } from './perf-event-array.js';

const spec = (extra: Partial<MapSpec> = {}): MapSpec =>
  ({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 4, name: 'events', ...extra });

function setup(cpus = 4, extra: Partial<MapSpec> = {}): { space: AddressSpace; map: PerfEventArray; src: number } {
  const space = new AddressSpace();
  const map = new PerfEventArray(spec(extra), { space, cpus });
  const src = space.allocate(70000, { kind: 'stack' }).start;
  return { space, map, src };
}

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

function code(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as MapOperationError).code; }
  return undefined;
}

test('refuses bad key and value sizes and flags; max_entries 0 means one per CPU', () => {
  const space = new AddressSpace();
  assert.throws(() => new PerfEventArray(spec({ keySize: 8 }), { space }), MapSpecError);
  assert.throws(() => new PerfEventArray(spec({ valueSize: 8 }), { space }), MapSpecError);
  assert.throws(() => new PerfEventArray(spec({ flags: 1 << 10 }), { space }), MapSpecError, 'MMAPABLE');
  assert.throws(() => new PerfEventArray(spec({ flags: 1 << 7 }), { space }), MapSpecError, 'RDONLY_PROG');
  assert.equal(new PerfEventArray(spec({ maxEntries: 0 }), { space, cpus: 3 }).spec.maxEntries, 3);
  assert.equal(new PerfEventArray(spec({ flags: 1 << 11 }), { space }).cpus, 1);
});

test('output without a reader is ENOENT; bad flags, indexes and sizes are refused', () => {
  const { map, src } = setup();
  assert.equal(map.output(0, BPF_F_CURRENT_CPU, src, 8), -Errno.ENOENT);
  const reader = map.openReader({ pageCount: 1 });
  assert.equal(map.output(0, 1n << 32n, src, 8), -Errno.EINVAL, 'flags beyond the index mask');
  assert.equal(map.output(0, BPF_F_CURRENT_CPU | (1n << 63n), src, 8), -Errno.EINVAL);
  assert.equal(map.output(0, 4, src, 8), -Errno.E2BIG, 'index past max_entries');
  assert.equal(map.output(0, 2, src, 8), -Errno.EOPNOTSUPP, "another CPU's event");
  assert.equal(map.output(2, 2, src, 8), 0);
  assert.equal(map.output(0, 0, src, 65536), -Errno.E2BIG, 'a record perf cannot size');
  assert.equal(map.output(0, 0, src, 65517), -Errno.E2BIG, 'header.size is a u16');
  assert.equal(map.output(0, 0, src, 65516), -Errno.ENOSPC, 'the largest sample perf can size, lost in a one-page ring');
  assert.equal(map.output(0, 0, src, 1n << 40n), -Errno.E2BIG);
  assert.equal(map.output(0, 0, 16, 8), -Errno.EFAULT);
  assert.throws(() => map.output(4, 0, src, 8), RangeError, 'a CPU that does not exist');
  assert.equal(reader.lost(0), 1);
  assert.throws(() => map.openReader({ pageCount: 3 }), MapOperationError);
});

test('each CPU has its own ring in the kernel layout, read CPU by CPU', () => {
  const { space, map, src } = setup();
  const reader = map.openReader({ pageCount: 2 });
  assert.equal(reader.buffers.length, 4);
  for (let cpu = 0; cpu < 4; cpu++) {
    for (let i = 0; i < 3; i++) {
      space.bytes.set([cpu, i, 0xee, 0xee, 0xee], src);
      assert.equal(map.output(cpu, i === 0 ? cpu : BPF_F_CURRENT_CPU, src, 5), 0);
    }
  }
  const b1 = reader.buffer(1)!;
  const view = space.view;
  assert.equal(view.getBigUint64(b1.metaAddress + 1048, true), 8192n, 'data_size');
  assert.equal(view.getBigUint64(b1.metaAddress + 1040, true), 4096n, 'data_offset');
  assert.equal(view.getBigUint64(b1.metaAddress + 1024, true), 3n * 24n, 'data_head: three 24-byte records');
  assert.equal(view.getUint32(b1.dataAddress, true), PERF_RECORD_SAMPLE);
  assert.equal(view.getUint16(b1.dataAddress + 6, true), 24);
  assert.equal(view.getUint32(b1.dataAddress + 8, true), 12, 'raw size padded so the record is 8-aligned');
  const got: [number, number[]][] = [];
  assert.equal(reader.read((cpu, data) => got.push([cpu, [...data]])), 12);
  const expected: [number, number[]][] = [];
  for (let cpu = 0; cpu < 4; cpu++) for (let i = 0; i < 3; i++) expected.push([cpu, [cpu, i, 0xee, 0xee, 0xee, 0, 0, 0, 0, 0, 0, 0]]);
  assert.deepEqual(got, expected);
  assert.equal(view.getBigUint64(b1.metaAddress + 1032, true), 72n, 'data_tail follows the reader');
  assert.equal(reader.read(() => assert.fail('nothing left')), 0);
});

test('a full ring drops samples, counts them per CPU, and reports them in order before the next sample', () => {
  const { space, map, src } = setup(2);
  const reader = map.openReader({ pageCount: 1 });
  space.bytes.fill(9, src, src + 100);
  let ok = 0;
  for (let i = 0; i < 50; i++) if (map.output(0, BPF_F_CURRENT_CPU, src, 100) === 0) ok++;
  // 112-byte records; CIRC_SPACE keeps a byte free, so 36 fit in 4096.
  assert.equal(ok, 36);
  assert.equal(map.output(0, 0, src, 100), -Errno.ENOSPC);
  assert.equal(reader.lost(0), 15);
  assert.equal(reader.lost(1), 0);
  assert.equal(map.output(1, BPF_F_CURRENT_CPU, src, 100), 0, 'the other CPU is unaffected');
  const events: string[] = [];
  reader.read((cpu) => events.push(`s${cpu}`), (cpu, n) => events.push(`l${cpu}:${n}`));
  assert.equal(events.length, 37);
  space.bytes[src] = 42;
  assert.equal(map.output(0, 0, src, 1), 0);
  const after: string[] = [];
  reader.read((cpu, d) => after.push(`s${cpu}:${d[0]}`), (cpu, n) => after.push(`l${cpu}:${n}`));
  assert.deepEqual(after, ['l0:15', 's0:42']);
  const lost = reader.buffer(0)!;
  assert.equal(reader.lost(0), 15, 'reporting does not reset the total');
  assert.equal(lost.lostPending, 0);
  const r = space.view;
  // The lost record carries the event id, as PERF_RECORD_LOST does.
  const at = lost.dataAddress + (36 * 112) % 4096;
  assert.equal(r.getUint32(at, true), PERF_RECORD_LOST);
  assert.equal(r.getBigUint64(at + 8, true), BigInt(lost.id));
});

test('wraps around many times with random sizes, byte for byte, with exact lost accounting', () => {
  const { space, map, src } = setup(2);
  const reader = map.openReader({ pageCount: 1 });
  let seed = 99;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const expected: string[][] = [[], []];
  const pendingLost = [0, 0];
  const got: string[][] = [[], []];
  const key = (d: Uint8Array): string => Buffer.from(d).toString('hex');
  let written = 0;
  for (let step = 0; step < 20000; step++) {
    if (rand(30) === 0) {
      reader.read((cpu, d) => got[cpu]!.push(`s${key(d)}`), (cpu, n) => got[cpu]!.push(`l${n}`));
      continue;
    }
    const cpu = rand(2);
    const size = rand(400);
    const bytes = Uint8Array.from({ length: size }, () => rand(256));
    space.bytes.set(bytes, src);
    const r = map.output(cpu, BPF_F_CURRENT_CPU, src, size);
    if (r === 0) {
      if (pendingLost[cpu]! > 0) expected[cpu]!.push(`l${pendingLost[cpu]}`);
      pendingLost[cpu] = 0;
      const padded = new Uint8Array(((size + 4 + 7) & ~7) - 4);
      padded.set(bytes);
      expected[cpu]!.push(`s${key(padded)}`);
      written += padded.length + 12;
    } else {
      assert.equal(r, -Errno.ENOSPC);
      pendingLost[cpu]!++;
    }
  }
  reader.read((cpu, d) => got[cpu]!.push(`s${key(d)}`), (cpu, n) => got[cpu]!.push(`l${n}`));
  assert.ok(written > 50 * 4096 * 2, 'both rings wrapped many times');
  assert.ok(reader.lost(0) > 0 && reader.lost(1) > 0);
  for (const cpu of [0, 1]) {
    assert.equal(got[cpu]!.length, expected[cpu]!.length);
    assert.deepEqual(got[cpu], expected[cpu]);
    const reported = got[cpu]!.filter((e) => e.startsWith('l')).reduce((a, e) => a + Number(e.slice(1)), 0);
    assert.equal(reported + pendingLost[cpu]!, reader.lost(cpu));
  }
});

test('the async iterator yields samples and lost notices as they come', async () => {
  const { space, map, src } = setup(2);
  const reader = map.openReader({ pageCount: 1 });
  const controller = new AbortController();
  const got: PerfEvent[] = [];
  const done = (async () => {
    for await (const e of reader.records({ signal: controller.signal })) {
      got.push(e);
      if (got.length === 10) controller.abort();
    }
  })();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(got.length, 0);
  space.bytes[src] = 7;
  map.output(1, BPF_F_CURRENT_CPU, src, 1);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], { type: 'sample', cpu: 1, data: Uint8Array.of(7, 0, 0, 0) });
  // A burst overflows CPU 0's ring before the reader runs: 7 records of 520 bytes fit.
  for (let i = 0; i < 40; i++) map.output(0, 0, src, 500);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(got.length, 8);
  assert.ok(got.slice(1).every((e) => e.type === 'sample' && e.cpu === 0));
  map.output(0, 0, src, 1);
  await done;
  assert.deepEqual(got.slice(8).map((e) => e.type === 'lost' ? `l${e.cpu}:${e.count}` : `s${e.cpu}`), ['l0:33', 's0']);
});

test('closing the reader clears its entries and memory; the element operations act as the kernel', () => {
  const { map, src } = setup();
  const before = map.memoryBytes;
  const reader = map.openReader();
  assert.equal(map.memoryBytes - before, 4 * (4096 + 8 * 4096));
  assert.equal(code(() => map.lookup(u32(0))), 'ENOTSUPP');
  assert.equal(code(() => map.lookup(new Uint8Array(8))), 'EINVAL');
  // Install CPU 1's event at index 3: CPU 1 may write there, CPU 3 may not.
  map.update(u32(3), u32(reader.buffer(1)!.id));
  assert.equal(map.output(1, 3, src, 4), 0);
  assert.equal(map.output(3, 3, src, 4), -Errno.EOPNOTSUPP);
  assert.equal(code(() => map.update(u32(0), u32(reader.buffer(1)!.id), 1)), 'EINVAL', 'only BPF_ANY');
  assert.equal(code(() => map.update(u32(4), u32(reader.buffer(1)!.id))), 'E2BIG');
  assert.equal(code(() => map.update(u32(0), u32(12345))), 'EINVAL');
  assert.equal(map.delete(u32(2)), true);
  assert.equal(map.delete(u32(2)), false);
  assert.equal(map.output(2, BPF_F_CURRENT_CPU, src, 4), -Errno.ENOENT);
  assert.equal(code(() => map.delete(u32(9))), 'E2BIG');
  assert.deepEqual(map.nextKey(), u32(0));
  assert.deepEqual(map.nextKey(u32(1)), u32(2));
  assert.equal(map.nextKey(u32(3)), undefined);
  assert.deepEqual(map.nextKey(u32(77)), u32(0));
  assert.equal(map.lookupAddress(0, 0), 0);
  reader.close();
  assert.equal(map.memoryBytes, before);
  assert.equal(map.output(0, BPF_F_CURRENT_CPU, src, 4), -Errno.ENOENT);
  assert.equal(map.output(1, 3, src, 4), -Errno.ENOENT);
  map.free();
  assert.throws(() => map.openReader(), MapOperationError);
});

test('a second reader takes the entries over', () => {
  const { map, src } = setup(1, { maxEntries: 1 });
  const first = map.openReader({ pageCount: 1 });
  const second = map.openReader({ pageCount: 1 });
  assert.equal(map.output(0, 0, src, 4), 0);
  assert.equal(first.read(() => undefined), 0);
  assert.equal(second.read(() => undefined), 1);
  first.close();
  assert.equal(map.output(0, 0, src, 4), 0, "closing the old reader leaves the new one's entry");
});
