import { test, type TestContext } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadObject } from '../object/index.js';
import { VerifierError } from '../verifier/index.js';
import assert from 'node:assert/strict';
import { assemble } from '../asm/index.js';
import { helperId } from '../isa/index.js';
import { HelperError } from '../helpers/index.js';
import type { JitProgram } from '../vm/index.js';
import { KernelMap, KernelProgram, bpfPermission } from '../kernel/index.js';
import { RingBuffer } from '../maps/ringbuf.js';
import { u32, u64 } from '../maps/index.js';
import { ContextError, MAX_TAIL_CALLS, Runtime, SK_BUFF } from './index.js';

function kernelAvailable(t: TestContext): boolean {
  const p = bpfPermission();
  if (!p.permitted) t.skip(`no kernel comparison: ${p.reason}`);
  return p.permitted;
}

/** An Ethernet + IPv4 + UDP packet. */
function packet(payload = 'hello'): Uint8Array {
  const bytes = new Uint8Array(14 + 20 + 8 + payload.length);
  bytes.set([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  bytes.set([0x45, 0, 0, 20 + 8 + payload.length, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  bytes.set([0x30, 0x39, 0x00, 0x35, 0, 8 + payload.length, 0, 0], 34);
  bytes.set(new TextEncoder().encode(payload), 42);
  return bytes;
}

// Programs run in both places: the same source, the same packet, the same answers.
const XDP_PROGRAMS: Record<string, string> = {
  'reads the packet through data/data_end': `
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto short
    r0 = *(u8 *)(r2 + 12)
    r0 <<= 8
    r5 = *(u8 *)(r2 + 13)
    r0 |= r5
    r3 -= r2
    r3 <<= 16
    r0 |= r3
    exit
  short:
    r0 = 1
    exit`,
  'writes the packet (swaps MAC addresses)': `
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r5 = *(u32 *)(r2 + 0)
    r6 = *(u32 *)(r2 + 6)
    *(u32 *)(r2 + 0) = r6
    *(u32 *)(r2 + 6) = r5
  out:
    r0 = 3
    exit`,
};

for (const [name, source] of Object.entries(XDP_PROGRAMS)) {
  test(`xdp test-run ${name}: the same retval and packet as Linux`, (t) => {
    const runtime = new Runtime();
    const input = packet();
    const ours = runtime.load(assemble(source), { type: 'xdp' }).testRun({ data: input });
    if (!kernelAvailable(t)) return;
    const kernel = KernelProgram.load({ type: 'xdp', instructions: assemble(source) });
    try {
      const theirs = kernel.testRun({ data: input });
      assert.equal(ours.retval, BigInt(theirs.retval));
      assert.deepEqual(ours.data, new Uint8Array(theirs.data!));
    } finally {
      kernel.close();
    }
  });
}

test('socket filter and tc contexts: len, protocol, pkt_type and data as the kernel sets them', (t) => {
  // Returns len | protocol << 16 — and for tc, whether data points at the Ethernet header.
  const source = `
    r0 = *(u32 *)(r1 + ${SK_BUFF.len})
    r2 = *(u32 *)(r1 + ${SK_BUFF.protocol})
    r2 <<= 16
    r0 |= r2
    r2 = *(u32 *)(r1 + ${SK_BUFF.pkt_type})
    r2 <<= 32
    r0 |= r2
    exit`;
  const runtime = new Runtime();
  const input = packet('some payload');
  for (const type of ['socket_filter', 'sched_cls'] as const) {
    const ours = runtime.load(assemble(source), { type }).testRun({ data: input });
    assert.equal(ours.retval & 0xffffn, BigInt(type === 'socket_filter' ? input.length - 14 : input.length), type);
    if (!kernelAvailable(t)) return;
    const kernel = KernelProgram.load({ type, instructions: assemble(source) });
    try {
      const theirs = kernel.testRun({ data: input });
      // The kernel's retval is 32 bits; pkt_type is compared through a second program below.
      assert.equal(ours.retval & 0xffffffffn, BigInt(theirs.retval >>> 0), type);
    } finally {
      kernel.close();
    }
  }
});

test('a chain of tail calls stops after 33, as in Linux', (t) => {
  const programs = 40;
  // Program i tail-calls slot i + 1 and, when that fails, returns i.
  const source = (i: number, jumpTable: number) => `
    r6 = r1
    r2 = map_fd(${jumpTable}) ll
    r3 = ${i + 1}
    call 12
    r0 = ${i}
    exit`;
  const runtime = new Runtime();
  const table = runtime.createMap({ name: 'jt', type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: programs });
  const id = runtime.maps.idOf(table);
  const loaded = Array.from({ length: programs }, (_, i) => runtime.load(assemble(source(i, id)), { type: 'socket_filter' }));
  loaded.forEach((p, i) => table.update(new Uint8Array(Uint32Array.of(i).buffer), new Uint8Array(Uint32Array.of(p.id).buffer)));
  const ours = loaded[0]!.testRun({ data: packet() });
  assert.equal(ours.retval, BigInt(MAX_TAIL_CALLS));
  if (!kernelAvailable(t)) return;
  const map = KernelMap.create({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: programs, name: 'jt' });
  const kernelPrograms = Array.from({ length: programs }, (_, i) => KernelProgram.load({ type: 'socket_filter', instructions: assemble(source(i, map.fd.value)) }));
  try {
    kernelPrograms.forEach((p, i) => map.update(new Uint8Array(Uint32Array.of(i).buffer), new Uint8Array(Uint32Array.of(p.fd.value).buffer)));
    assert.equal(ours.retval, BigInt(kernelPrograms[0]!.testRun({ data: packet() }).retval));
  } finally {
    for (const p of kernelPrograms) p.close();
    map.close();
  }
});

test('a tail call to an empty slot falls through; a missing map is a typed error', () => {
  const runtime = new Runtime();
  const table = runtime.createMap({ name: 'jt', type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4 });
  const p = runtime.load(assemble(`r2 = map_fd(${runtime.maps.idOf(table)}) ll\nr3 = 2\ncall 12\nr0 = 7\nexit`));
  assert.equal(p.testRun({ data: packet() }).retval, 7n);
  assert.throws(() => table.update(new Uint8Array(4), new Uint8Array(Uint32Array.of(999).buffer)), /EBADF/);
  assert.throws(() => runtime.maps.get('nope'), /no map named nope \(maps: jt\)/);
});

test('programs write to a ring buffer; the consumer reads every record', async () => {
  const runtime = new Runtime();
  const rb = runtime.createMap({ name: 'events', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }) as RingBuffer;
  // Reserve 8 bytes, store the packet length, submit; return what reserve gave (non-zero).
  const source = `
    r6 = r1
    r1 = map_fd(${runtime.maps.idOf(rb)}) ll
    r2 = 8
    r3 = 0
    call 131
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 + 0)
    *(u64 *)(r0 + 0) = r1
    r1 = r0
    r2 = 0
    call 132
    r0 = 1
  out:
    exit`;
  const p = runtime.load(assemble(source), { type: 'socket_filter' });
  for (let i = 0; i < 3; i++) assert.equal(p.testRun({ data: packet('x'.repeat(i)) }).retval, 1n);
  const seen: bigint[] = [];
  assert.equal(rb.consume((data) => void seen.push(new DataView(data.buffer, data.byteOffset).getBigUint64(0, true))), 3);
  assert.deepEqual(seen, [28n, 29n, 30n], 'skb->len of a socket filter excludes the Ethernet header');
});

test('bad contexts are typed errors, as the kernel refuses them', () => {
  const runtime = new Runtime();
  const p = runtime.load(assemble('r0 = 0\nexit'), { type: 'socket_filter' });
  assert.throws(() => p.testRun({ data: new Uint8Array(10) }), ContextError);
  assert.throws(() => p.testRun({ data: packet(), ctx: Uint8Array.of(1) }), /byte 0, which a test-run may not set/);
  const raw = runtime.load(assemble('r0 = *(u64 *)(r1 + 8)\nexit'), { type: 'raw_tracepoint' });
  assert.equal(raw.testRun({ ctx: new Uint8Array(BigUint64Array.of(5n, 42n).buffer) }).retval, 42n);
  assert.throws(() => raw.testRun({ ctx: new Uint8Array(12) }), /multiple of 8/);
});

test('xdp_adjust_head/tail/meta move the frame exactly as Linux does, errors included', (t) => {
  const cases: [string, number][] = [
    ['xdp_adjust_head', -14], ['xdp_adjust_head', 14], ['xdp_adjust_head', -300], ['xdp_adjust_head', 40],
    ['xdp_adjust_tail', -10], ['xdp_adjust_tail', 20], ['xdp_adjust_tail', 4000], ['xdp_adjust_tail', -40],
    ['xdp_adjust_meta', -8], ['xdp_adjust_meta', -6], ['xdp_adjust_meta', -36], ['xdp_adjust_meta', 4], ['xdp_adjust_meta', -216], ['xdp_adjust_meta', -220],
  ];
  const runtime = new Runtime();
  const kernel = kernelAvailable(t);
  for (const [helper, delta] of cases) {
    // Return the helper's result plus 100, so that a negative errno and the packet both show.
    const source = `r2 = ${delta}\ncall ${helperId(helper)}\nr0 += 100\nexit`;
    const ours = runtime.load(assemble(source), { type: 'xdp' }).testRun({ data: packet() });
    if (!kernel) continue;
    const program = KernelProgram.load({ type: 'xdp', instructions: assemble(source) });
    try {
      const theirs = program.testRun({ data: packet() });
      assert.equal(Number(BigInt.asIntN(32, ours.retval)), theirs.retval | 0, `${helper}(${delta}) result`);
      assert.deepEqual(ours.data, new Uint8Array(theirs.data!), `${helper}(${delta}) packet`);
    } finally {
      program.close();
    }
  }
});

test('host kfuncs: programs call them by name; a missing one is named at load', () => {
  const runtime = new Runtime();
  runtime.registerKfunc('host_double', { args: ['anything'], ret: 'integer' }, (_env, r1) => r1 * 2n);
  const instructions = assemble('r1 = 21\ncall kfunc(0)\nexit');
  const references = [{ kind: 'kfunc' as const, index: 1, name: 'host_double' }];
  assert.equal(runtime.load(instructions, { references, type: 'raw_tracepoint' }).testRun().retval, 42n);
  assert.throws(() => runtime.load(instructions, { name: 'p', references: [{ ...references[0]!, name: 'nope' }] }),
    /program p, instruction 1: calls kfunc nope, which this runtime does not provide \(registered: host_double\)/);
});

test('bpf_get_stack gives the JavaScript frames that ran the program, as addresses the runtime symbolizes', function callerOfTheProgram() {
  const runtime = new Runtime();
  const source = `
    r6 = r1
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call ${helperId('get_stack')}
    if r0 s< 8 goto fail
    r0 = *(u64 *)(r10 - 64)
    exit
  fail:
    r0 = 0
    exit`;
  const first = runtime.load(assemble(source), { type: 'raw_tracepoint' }).testRun().retval;
  assert.notEqual(first, 0n);
  assert.match(runtime.symbolize(first)!, /callerOfTheProgram .*runtime\.test\.js/);
  const bad = runtime.load(assemble(source.replace('r4 = 0', 'r4 = 0x10000')), { type: 'raw_tracepoint' });
  assert.equal(bad.testRun().retval, 0n, 'unknown flags are -EINVAL');
});

test('without a verifier, helpers given bad arguments fail as the kernel would and touch no other map', () => {
  const runtime = new Runtime({ verify: false });
  const a = runtime.createMap({ name: 'a', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4 });
  const b = runtime.createMap({ name: 'b', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  const q = runtime.createMap({ name: 'q', type: 'queue', keySize: 0, valueSize: 8, maxEntries: 4 });
  b.update(new Uint8Array(4), new Uint8Array(8).fill(0x5a));
  const ids = { a: runtime.maps.idOf(a), b: runtime.maps.idOf(b), q: runtime.maps.idOf(q) };
  const run = (source: string) => BigInt.asIntN(64, runtime.load(assemble(source, { maps: ids }), { type: 'raw_tracepoint' }).testRun().retval);
  // A map pointer that is not a map.
  assert.throws(() => run('r1 = r10\nr2 = r10\ncall 1\nexit'), (e: unknown) => e instanceof HelperError && /is not a map/.test(e.message));
  // Key and value pointers into nothing: NULL from a lookup, -EFAULT from an update, a pop or a push.
  assert.equal(run('r1 = map_fd(a) ll\nr2 = 16\ncall 1\nexit'), 0n);
  assert.equal(run('r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = map_fd(a) ll\nr2 = r10\nr2 += -4\nr3 = 24\nr4 = 0\ncall 2\nexit'), -14n);
  assert.equal(run('r1 = map_fd(q) ll\nr2 = 1000\nr3 = 0\ncall 87\nexit'), -14n);
  assert.equal(run('r1 = map_fd(q) ll\nr2 = 1000\ncall 88\nexit'), -14n);
  // Helpers on the wrong kind of map answer as the kernel does.
  assert.equal(run('r1 = map_fd(b) ll\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87\nexit'), -524n, 'push to an array: ENOTSUPP');
  assert.equal(run('r1 = map_fd(b) ll\nr2 = r10\nr2 += -8\ncall 3\nexit'), -22n, 'delete from an array: EINVAL');
  assert.deepEqual(b.lookup(new Uint8Array(4)), new Uint8Array(8).fill(0x5a), 'b is untouched');
  assert.equal((a as unknown as { size: number }).size, 0, 'a is untouched');
  assert.throws(() => a.update(new Uint8Array(4), new Uint8Array(4)), /values are 8 bytes, not 4/);
});

test('map in map: a program looks up the inner map, then its value — as in Linux', (t) => {
  // outer[1] → inner; inner[0] = 0x1234; the program returns inner[0] through the outer map.
  const source = `
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(outer) ll
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto none
    r1 = r0
    r2 = 0
    *(u32 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    call 1
    if r0 == 0 goto none
    r0 = *(u64 *)(r0 + 0)
    exit
  none:
    r0 = 99
    exit`;
  const innerSpec = { type: 'array' as const, keySize: 4, valueSize: 8, maxEntries: 2 };
  const runtime = new Runtime();
  const inner = runtime.createMap({ ...innerSpec, name: 'inner' });
  const outer = runtime.createMap({ name: 'outer', type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2 }, innerSpec);
  inner.update(u32(0), u64(0x1234));
  outer.update(u32(1), u32(runtime.maps.idOf(inner)));
  const other = runtime.createMap({ name: 'other', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 2 });
  assert.throws(() => outer.update(u32(0), u32(runtime.maps.idOf(other))), /does not match the inner map definition/);
  const program = runtime.load(assemble(source, { maps: { outer: runtime.maps.idOf(outer) } }), { type: 'socket_filter' });
  const ours = program.testRun({ data: packet() }).retval;
  assert.equal(ours, 0x1234n);
  outer.delete(u32(1));
  assert.equal(program.testRun({ data: packet() }).retval, 99n, 'an empty slot is NULL');
  if (!kernelAvailable(t)) return;
  const kInner = KernelMap.create({ ...innerSpec, name: 'inner' });
  const kOuter = KernelMap.create({ name: 'outer', type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMapFd: kInner.fd.value });
  const kProgram = KernelProgram.load({ type: 'socket_filter', instructions: assemble(source, { maps: { outer: kOuter.fd.value } }) });
  try {
    kInner.update(u32(0), u64(0x1234));
    kOuter.update(u32(1), u32(kInner.fd.value));
    assert.equal(BigInt(kProgram.testRun({ data: packet() }).retval), ours);
  } finally {
    kProgram.close();
    kOuter.close();
    kInner.close();
  }
});

test('the JIT inlines array lookups and calls the map helpers without BigInts, with the interpreter\'s answers', () => {
  // For keys 0..7 of a 4-entry array: add the value (or 100 when the lookup is NULL) and count hash hits.
  const source = `
    r6 = 0
    r7 = 0
  loop:
    *(u32 *)(r10 - 4) = r6
    r1 = map_fd(arr) ll
    r2 = r10
    r2 += -4
    call 1
    r1 = 100
    if r0 == 0 goto add
    r1 = *(u64 *)(r0 + 0)
  add:
    r7 += r1
    r1 = map_fd(h) ll
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto next
    r7 += 1000
  next:
    r6 += 1
    if r6 < 8 goto loop
    r0 = r7
    exit`;
  const results = (['interpreter', 'jit'] as const).map((engine) => {
    const runtime = new Runtime({ engine });
    const arr = runtime.createMap({ name: 'arr', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 });
    const h = runtime.createMap({ name: 'h', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4 });
    for (let i = 0; i < 4; i++) arr.update(u32(i), u64(i * 10));
    h.update(u32(2), u64(0));
    h.update(u32(6), u64(0));
    const program = runtime.load(assemble(source, { maps: { arr: runtime.maps.idOf(arr), h: runtime.maps.idOf(h) } }), { type: 'raw_tracepoint' });
    assert.equal(program.engine, engine);
    if (engine === 'jit') {
      assert.match((program.executable as JitProgram).toWat(), /bpf_map_lookup_elem on an array, inlined/);
      assert.match((program.executable as JitProgram).toWat(), /bpf_map_lookup_elem on a hash map, inlined/);
    }
    return program.testRun().retval;
  });
  assert.equal(results[0], 0n + 10n + 20n + 30n + 4n * 100n + 2000n);
  assert.equal(results[1], results[0]);
});

test('verify: true checks each program before it runs; accepted programs run on the JIT, refused ones never load', () => {
  const spec = loadObject(readFileSync(fileURLToPath(new URL('../../src/runtime/testdata/maps-and-helpers.bpf.o', import.meta.url))));
  const runtime = new Runtime({ verify: true });
  // bpf_loop callbacks are not modelled by the verifier yet: that one program stays out.
  const { programs } = runtime.loadObject({ ...spec, programs: spec.programs.filter((p) => p.name !== 'loops') });
  for (const p of programs.values()) assert.equal(p.engine, 'jit', p.name);
  assert.equal(programs.get('route')!.testRun({ data: packet() }).retval, 100n);
  const strict = new Runtime({ verify: true });
  const unchecked = 'r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit';
  assert.throws(() => strict.load(assemble(unchecked), { type: 'xdp' }), (e: unknown) => e instanceof VerifierError && /invalid access to packet/.test(e.message));
  assert.throws(() => strict.load(assemble('r0 = r5\nexit'), { type: 'xdp' }), (e: unknown) => e instanceof VerifierError && /R5 !read_ok/.test(e.message));
  assert.equal(new Runtime().load(assemble('r0 = 2\nexit'), { type: 'xdp' }).engine, 'jit', 'verifying is the default');
  assert.equal(new Runtime({ verify: false }).load(assemble('r0 = 2\nexit'), { type: 'xdp' }).engine, 'interpreter', 'unverified programs stay on the interpreter');
});
