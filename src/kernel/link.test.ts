import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assemble } from '../asm/index.js';
import { loadObject } from '../object/index.js';
import { fixture } from '../object/testdata.js';
import {
  AttachError, KernelMap, KernelProgram, KernelRingBuffer, attachBySection, attachRawTracepoint, attachTracepoint, attachUprobe, bpfPermission,
  loadCollection, symbolFileOffset,
} from './index.js';
import koffi from 'koffi';

function needsBpf(t: TestContext): boolean {
  const p = bpfPermission();
  if (!p.permitted) t.skip(p.reason ?? 'bpf(2) not permitted');
  return p.permitted;
}

const u32 = (n: number) => new Uint8Array(Uint32Array.of(n).buffer);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A program that counts its hits in counts[0]. */
function counter(type: 'tracepoint' | 'raw_tracepoint' | 'kprobe') {
  const counts = KernelMap.create({ name: 'hits', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  const program = KernelProgram.load({
    type,
    instructions: assemble(`
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r1 = map_fd(hits) ll
      r2 = r10
      r2 += -4
      call 1
      if r0 == 0 goto out
      r1 = 1
      lock *(u64 *)(r0 + 0) += r1
    out:
      r0 = 0
      exit`, { maps: { hits: counts.fd.value } }),
  });
  const hits = () => new DataView(counts.lookup(u32(0))!.buffer).getBigUint64(0, true);
  return { counts, program, hits, close: () => (program.close(), counts.close()) };
}

test('a tracepoint link runs its program on each event and stops when closed', async (t) => {
  if (!needsBpf(t)) return;
  const c = counter('tracepoint');
  try {
    const link = attachTracepoint(c.program, 'syscalls', 'sys_enter_openat');
    for (let i = 0; i < 5; i++) readFileSync('/etc/hostname');
    assert.ok(c.hits() >= 5n, `${c.hits()} hits`);
    link.close();
    const after = c.hits();
    for (let i = 0; i < 5; i++) readFileSync('/etc/hostname');
    await sleep(20);
    assert.equal(c.hits(), after, 'no hits after close');
    assert.throws(() => attachTracepoint(c.program, 'syscalls', 'sys_enter_nothing'), (e: unknown) => e instanceof AttachError && e.code === 'NO_TRACEPOINT');
  } finally {
    c.close();
  }
});

test('raw tracepoint and tp_btf links attach and detach', (t) => {
  if (!needsBpf(t)) return;
  const c = counter('raw_tracepoint');
  try {
    const link = attachRawTracepoint(c.program, 'sys_enter');
    readFileSync('/etc/hostname');
    assert.ok(c.hits() > 0n);
    link.close();
  } finally {
    c.close();
  }
  const pinPath = mkdtempSync('/sys/fs/bpf/tsbpf-link-');
  const collection = loadCollection(fixture('sections.bpf.o'), { pinPath, programs: ['tp_btf_switch'] });
  try {
    const link = attachBySection(collection.programs.get('tp_btf_switch')!, 'tp_btf/sched_switch');
    link.close();
  } finally {
    collection.close();
    rmSync(pinPath, { recursive: true, force: true });
  }
});

test('kprobe and fentry attach fail with the reason and the alternative', (t) => {
  if (!needsBpf(t)) return;
  const program = KernelProgram.load({ type: 'socket_filter', instructions: assemble('r0 = 0\nexit') });
  try {
    assert.throws(() => attachBySection(program, 'kprobe/do_sys_openat2'), /kprobe on do_sys_openat2: .*(no kprobes|not implemented)/);
    assert.throws(() => attachBySection(program, 'fentry/do_unlinkat'), /refused by this kernel at load \(EPERM\); use a tracepoint, raw_tp or tp_btf/);
  } finally {
    program.close();
  }
});

test('the ring buffer reader hands over what programs submitted, in order', (t) => {
  if (!needsBpf(t)) return;
  const object = fileURLToPath(new URL('../../src/runtime/testdata/maps-and-helpers.bpf.o', import.meta.url));
  const pinPath = mkdtempSync('/sys/fs/bpf/tsbpf-ring-');
  const collection = loadCollection(loadObject(readFileSync(object)), { pinPath });
  const ring = new KernelRingBuffer(collection.maps.get('events')!);
  try {
    const packet = new Uint8Array(60);
    collection.programs.get('events_out')!.testRun({ data: packet });
    collection.programs.get('events_out')!.testRun({ data: packet.subarray(0, 40) });
    const records: bigint[] = [];
    assert.equal(ring.consume((r) => void records.push(new DataView(r.buffer).getBigUint64(0, true))), 4);
    assert.deepEqual(records, [60n, 120n, 40n, 80n], 'an output of the length, then a reserved record of twice it');
    assert.equal(ring.consume(() => undefined), 0, 'consumed records are gone');
  } finally {
    ring.close();
    collection.close();
    rmSync(pinPath, { recursive: true, force: true });
  }
});

test('a uprobe on a libc function counts this process\'s calls; a uretprobe too', (t) => {
  if (!needsBpf(t)) return;
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  if (process.arch !== 'x64') return t.skip('the libc path is x86-64 Debian\'s');
  const getpid = koffi.load('libc.so.6').func('int getpid()') as () => number;
  for (const retprobe of [false, true]) {
    const c = counter('kprobe');
    try {
      const link = attachUprobe(c.program, libc, 'getpid', { retprobe, pid: process.pid });
      for (let i = 0; i < 100; i++) getpid();
      link.close();
      for (let i = 0; i < 100; i++) getpid();
      assert.equal(c.hits(), 100n, retprobe ? 'uretprobe' : 'uprobe');
    } finally {
      c.close();
    }
  }
  assert.throws(() => symbolFileOffset(libc, 'no_such_function_here'), AttachError);
});
