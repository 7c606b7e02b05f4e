import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { parseBtf } from '../btf/index.js';
import { assemble } from '../asm/index.js';
import {
  AttachType, BPFFS, BtfLoadError, KernelBtf, KernelMap, KernelProgram, MapError, NotPermittedError, VerifierError, bpfPermission, possibleCpus,
  supportsHelper, supportsMapType, supportsProgramType,
} from './index.js';

/** Skips (with the reason shown) where bpf(2) is not permitted. */
function needsBpf(t: TestContext): boolean {
  const p = bpfPermission();
  if (!p.permitted) t.skip(p.reason ?? 'bpf(2) not permitted');
  return p.permitted;
}

const u32 = (n: number) => new Uint8Array(Uint32Array.of(n).buffer);
const u64 = (n: bigint) => new Uint8Array(BigUint64Array.of(n).buffer);

test('loads an XDP program and test-runs it on a packet', (t) => {
  if (!needsBpf(t)) return;
  const program = KernelProgram.load({ type: 'xdp', name: 'pass', instructions: assemble('r0 = 2\nexit') });
  try {
    const packet = Uint8Array.from({ length: 64 }, (_, i) => i);
    const run = program.testRun({ data: packet, repeat: 10 });
    assert.equal(run.retval, 2);
    assert.deepEqual(run.data, packet);
    assert.ok(run.durationNs >= 0);
  } finally {
    program.close();
  }
});

test('a refused program raises VerifierError with the lines that explain it', (t) => {
  if (!needsBpf(t)) return;
  assert.throws(() => KernelProgram.load({ type: 'socket_filter', instructions: assemble('exit') }), (e: unknown) => {
    assert.ok(e instanceof VerifierError);
    assert.equal(e.code, 'EACCES');
    assert.match(e.log, /R0 !read_ok/);
    assert.match(e.message, /R0 !read_ok/);
    return true;
  });
});

test('grows the log buffer when the kernel says the log did not fit (ENOSPC)', (t) => {
  if (!needsBpf(t)) return;
  const source = `r0 = 0\n${'r0 += 1\n'.repeat(50)}exit`;
  const program = KernelProgram.load({ type: 'socket_filter', instructions: assemble(source), logLevel: 2, logSize: 64 });
  try {
    assert.ok(program.log.length > 64, 'the log outgrew its first buffer');
    assert.match(program.log, /processed \d+ insns/);
  } finally {
    program.close();
  }
});

test('map operations, with typed errors that name the map and the operation', (t) => {
  if (!needsBpf(t)) return;
  const map = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 2, name: 'counts' });
  try {
    map.update(u32(1), u64(10n));
    map.update(u32(2), u64(20n), 'NOEXIST');
    assert.deepEqual(map.lookup(u32(1)), u64(10n));
    assert.equal(map.lookup(u32(3)), undefined);
    const expectCode = (code: string, fn: () => void) => assert.throws(fn, (e: unknown) =>
      e instanceof MapError && e.code === code && e.map === 'counts');
    expectCode('EEXIST', () => map.update(u32(1), u64(1n), 'NOEXIST'));
    expectCode('E2BIG', () => map.update(u32(3), u64(3n)));
    expectCode('ENOENT', () => map.update(u32(3), u64(3n), 'EXIST'));
    expectCode('EINVAL', () => map.update(u32(1), u32(1)));
    const keys: number[] = [];
    for (let k = map.nextKey(); k; k = map.nextKey(k)) keys.push(new DataView(k.buffer).getUint32(0, true));
    assert.deepEqual(keys.sort(), [1, 2]);
    map.delete(u32(1));
    expectCode('ENOENT', () => map.delete(u32(1)));
  } finally {
    map.close();
  }
});

test('a program writes a map through map_update_elem, and the user reads it', (t) => {
  if (!needsBpf(t)) return;
  const map = KernelMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'out' });
  const program = KernelProgram.load({
    type: 'socket_filter',
    instructions: assemble(`
      *(u32 *)(r10 - 4) = 0
      r1 = 0x2a
      *(u64 *)(r10 - 16) = r1
      r1 = map_fd(${map.fd.value}) ll
      r2 = r10
      r2 += -4
      r3 = r10
      r3 += -16
      r4 = 0
      call bpf_map_update_elem
      r0 = 0
      exit`),
  });
  try {
    assert.equal(program.testRun({ data: new Uint8Array(64) }).retval, 0);
    assert.deepEqual(map.lookup(u32(0)), u64(42n));
  } finally {
    program.close();
    map.close();
  }
});

test('1,000 load/close cycles leave the fd count unchanged', (t) => {
  if (!needsBpf(t)) return;
  const instructions = assemble('r0 = 0\nexit');
  const before = readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 1000; i++) KernelProgram.load({ type: 'socket_filter', instructions }).close();
  assert.equal(readdirSync('/proc/self/fd').length, before);
});

test('per-CPU maps hold one value per possible CPU, each rounded up to 8 bytes', (t) => {
  if (!needsBpf(t)) return;
  const map = KernelMap.create({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1, name: 'per_cpu' });
  try {
    assert.equal(map.userValueSize, 8 * possibleCpus());
    const values = new Uint8Array(map.userValueSize);
    for (let cpu = 0; cpu < possibleCpus(); cpu++) values.set(u32(100 + cpu), cpu * 8);
    map.update(u32(0), values);
    assert.deepEqual(map.lookupPerCpu(u32(0)), Array.from({ length: possibleCpus() }, (_, cpu) => u32(100 + cpu)));
  } finally {
    map.close();
  }
});

test('batch update, lookup and delete', (t) => {
  if (!needsBpf(t)) return;
  const map = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 200, name: 'batch' });
  try {
    const keys = Array.from({ length: 150 }, (_, i) => u32(i));
    assert.equal(map.updateBatch(keys, keys.map((_, i) => u64(BigInt(i * 2)))), 150);
    const all = map.lookupBatch(64);
    assert.equal(all.length, 150);
    for (const [k, v] of all) {
      assert.equal(new DataView(v.buffer).getBigUint64(0, true), BigInt(new DataView(k.buffer).getUint32(0, true) * 2));
    }
    assert.equal(map.deleteBatch(keys.slice(0, 100)), 100);
    assert.equal(map.lookupBatch().length, 50);
  } finally {
    map.close();
  }
});

test('a pinned map outlives its fd and reopens with its spec from the kernel', (t) => {
  if (!needsBpf(t)) return;
  const path = `${BPFFS}/tsbpf-test-${process.pid}`;
  const map = KernelMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 3, name: 'pinned' });
  try {
    map.update(u32(1), u64(7n));
    map.pin(path);
    const id = map.info().id;
    map.close();
    const again = KernelMap.openPinned(path);
    try {
      assert.deepEqual(again.info(), { type: 2, id, keySize: 4, valueSize: 8, maxEntries: 3, flags: 0, name: 'pinned' });
      assert.deepEqual(again.lookup(u32(1)), u64(7n));
    } finally {
      again.close();
    }
  } finally {
    map.close();
    rmSync(path, { force: true });
  }
});

test('probes which program types, map types and helpers this kernel supports', (t) => {
  if (!needsBpf(t)) return;
  assert.equal(supportsProgramType('socket_filter'), true);
  assert.equal(supportsProgramType('xdp'), true);
  assert.equal(supportsMapType('ringbuf'), true);
  assert.equal(supportsMapType('hash'), true);
  assert.equal(supportsHelper('xdp', 1), true, 'map_lookup_elem');
  assert.equal(supportsHelper('socket_filter', 44), false, 'xdp_adjust_head is for XDP only');
  assert.equal(supportsHelper('xdp', 9999), false, 'no such helper');
});

test('program info: id, tag and name from the kernel', (t) => {
  if (!needsBpf(t)) return;
  const program = KernelProgram.load({ type: 'xdp', name: 'named_prog', instructions: assemble('r0 = 2\nexit') });
  try {
    const info = program.info();
    assert.equal(info.name, 'named_prog');
    assert.equal(info.type, 6);
    assert.ok(info.id > 0);
    assert.match(info.tag, /^[0-9a-f]{16}$/);
  } finally {
    program.close();
  }
});

test('fentry: refused here with EPERM and an empty log, reported as not permitted with the alternatives', (t) => {
  if (!needsBpf(t)) return;
  const btf = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  const target = btf.named('bpf_fentry_test1', 'func');
  assert.ok(target, 'vmlinux BTF has bpf_fentry_test1');
  try {
    KernelProgram.load({
      type: 'tracing', expectedAttachType: AttachType.trace_fentry, attachBtfId: target.id,
      instructions: assemble('r0 = 0\nexit'),
    }).close();
    t.diagnostic('this kernel permits fentry programs');
  } catch (error) {
    assert.ok(error instanceof NotPermittedError, String(error));
    assert.match(error.message, /not permit[\s\S]*tracepoint, raw_tp or tp_btf/);
  }
});

/** A minimal BTF: int, `int main(void)` and the strings a line_info record points at. */
function tinyBtf(): { bytes: Uint8Array; mainId: number; file: number; text: number } {
  const strings = ['', 'int', 'main', 'prog.c', 'return 2; /* the line */'];
  const offsets: number[] = [];
  let size = 0;
  for (const s of strings) {
    offsets.push(size);
    size += Buffer.byteLength(s) + 1;
  }
  const strBytes = Buffer.concat(strings.map((s) => Buffer.from(`${s}\0`)));
  const types = Buffer.alloc(16 + 12 + 12);
  types.writeUInt32LE(offsets[1]!, 0); types.writeUInt32LE(1 << 24, 4); types.writeUInt32LE(4, 8); types.writeUInt32LE((1 << 24) | 32, 12);
  types.writeUInt32LE(0, 16); types.writeUInt32LE(13 << 24, 20); types.writeUInt32LE(1, 24);
  types.writeUInt32LE(offsets[2]!, 28); types.writeUInt32LE((12 << 24) | 1, 32); types.writeUInt32LE(2, 36);
  const header = Buffer.alloc(24);
  header.writeUInt16LE(0xeb9f, 0); header.writeUInt8(1, 2); header.writeUInt32LE(24, 4);
  header.writeUInt32LE(0, 8); header.writeUInt32LE(types.length, 12); header.writeUInt32LE(types.length, 16); header.writeUInt32LE(strBytes.length, 20);
  return { bytes: Buffer.concat([header, types, strBytes]), mainId: 3, file: offsets[3]!, text: offsets[4]! };
}

test('loads BTF and a program with func_info and line_info; the log shows the source line', (t) => {
  if (!needsBpf(t)) return;
  const { bytes, mainId, file, text } = tinyBtf();
  const btf = KernelBtf.load(bytes);
  try {
    const program = KernelProgram.load({
      type: 'xdp', name: 'main', instructions: assemble('r0 = 2\nexit'), logLevel: 2, btf,
      funcInfo: [{ insn: 0, typeId: mainId }],
      lineInfo: [{ insn: 0, fileName: file, lineText: text, line: 7, column: 5 }],
    });
    try {
      assert.match(program.log, /; return 2; \/\* the line \*\/ @ prog\.c:7/);
    } finally {
      program.close();
    }
  } finally {
    btf.close();
  }
  assert.throws(() => KernelBtf.load(bytes.subarray(0, 30)), (e: unknown) => e instanceof BtfLoadError);
});

test('opens programs and maps again by their ids', (t) => {
  if (!needsBpf(t)) return;
  const program = KernelProgram.load({ type: 'xdp', name: 'by_id', instructions: assemble('r0 = 2\nexit') });
  const map = KernelMap.create({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, name: 'by_id' });
  try {
    const again = KernelProgram.fromId(program.info().id, 'xdp');
    assert.equal(again.info().name, 'by_id');
    again.close();
    const mapAgain = KernelMap.fromId(map.info().id);
    assert.equal(mapAgain.info().name, 'by_id');
    mapAgain.close();
  } finally {
    program.close();
    map.close();
  }
});

test('loads a tp_btf program against the kernel\'s BTF', (t) => {
  if (!needsBpf(t)) return;
  const btf = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  const target = btf.named('btf_trace_sched_switch', 'typedef');
  assert.ok(target, 'vmlinux BTF has btf_trace_sched_switch');
  const program = KernelProgram.load({
    type: 'tracing', expectedAttachType: AttachType.trace_raw_tp, attachBtfId: target.id, instructions: assemble('r0 = 0\nexit'),
  });
  assert.equal(program.info().type, 26);
  program.close();
});

test('test-run passes a context in and reads it back out', (t) => {
  if (!needsBpf(t)) return;
  // __sk_buff: mark at offset 8, priority at 32; a tc program returns mark and sets priority.
  const program = KernelProgram.load({
    type: 'sched_cls',
    instructions: assemble('r0 = *(u32 *)(r1 + 8)\nr2 = 9\n*(u32 *)(r1 + 32) = r2\nexit'),
  });
  try {
    const ctx = new Uint8Array(192);
    new DataView(ctx.buffer).setUint32(8, 7, true);
    const run = program.testRun({ data: new Uint8Array(64), ctx });
    assert.equal(run.retval, 7);
    assert.equal(new DataView(run.ctx.buffer, run.ctx.byteOffset).getUint32(32, true), 9);
  } finally {
    program.close();
  }
});
