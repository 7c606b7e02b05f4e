import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assemble } from '../asm/index.js';
import { loadObject } from '../object/index.js';
import { fixture } from '../object/testdata.js';
import {
  AttachError, KernelMap, KernelProgram, KernelRingBuffer, attachBySection, attachCgroupSkb, attachPerfEvent, attachRawTracepoint, attachTcx, attachTracepoint, attachUprobe, attachXdp, bpfPermission,
  KernelPerfBuffer, loadCollection, onlineCpus, symbolFileOffset,
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
function counter(type: 'tracepoint' | 'raw_tracepoint' | 'kprobe' | 'xdp' | 'sched_cls' | 'cgroup_skb' | 'perf_event', result = 0) {
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
      r0 = ${result}
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

/** Runs a command, throwing its stderr on failure. */
function sh(command: string): string {
  return execSync(command, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

test('XDP and tcx links on a veth pair see the packets a network namespace sends', async (t) => {
  if (!needsBpf(t)) return;
  try {
    sh('ip -V');
  } catch {
    return t.skip('iproute2 (ip) is not installed');
  }
  const ns = `tsbpf${process.pid}`;
  const a = `tsa${process.pid}`.slice(0, 15);
  const b = `tsb${process.pid}`.slice(0, 15);
  const net = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
  sh(`ip netns add ${ns} && ip link add ${a} type veth peer name ${b} && ip link set ${b} netns ${ns}`);
  try {
    sh(`ip addr add ${net}.1/24 dev ${a} && ip link set ${a} up`);
    sh(`ip netns exec ${ns} ip addr add ${net}.2/24 dev ${b} && ip netns exec ${ns} ip link set ${b} up && ip netns exec ${ns} ip link set lo up`);
    const send = () => sh(`ip netns exec ${ns} ${process.execPath} -e "require('dgram').createSocket('udp4').send('hi', 9, '${net}.1', () => process.exit(0))"`);
    for (const [kind, attach] of [
      ['xdp', (p: KernelProgram) => attachXdp(p, a)],
      ['tcx', (p: KernelProgram) => attachTcx(p, a, 'ingress')],
    ] as const) {
      const c = counter(kind === 'xdp' ? 'xdp' : 'sched_cls', kind === 'xdp' ? 2 : 0);
      try {
        const link = attach(c.program);
        send();
        await sleep(50);
        assert.ok(c.hits() >= 1n, `${kind}: ${c.hits()} packets`);
        link.close();
      } finally {
        c.close();
      }
    }
    const spare = counter('xdp', 2);
    assert.throws(() => attachXdp(spare.program, 'no-such-if0'), (e: unknown) => e instanceof AttachError && e.code === 'NO_INTERFACE');
    spare.close();
  } finally {
    sh(`ip link del ${a} 2>/dev/null || true; ip netns del ${ns}`);
  }
});

test('a cgroup_skb link counts the egress packets of the cgroup\'s sockets', async (t) => {
  if (!needsBpf(t)) return;
  const root = '/tmp/tsbpf-cgroup2';
  mkdirSync(root, { recursive: true });
  if (!readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === root)) {
    try {
      sh(`mount -t cgroup2 none ${root}`);
    } catch {
      return t.skip('cannot mount a cgroup v2 hierarchy here');
    }
  }
  const c = counter('cgroup_skb', 1);
  try {
    const link = attachCgroupSkb(c.program, root, 'egress');
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.send('hi', 9, '127.0.0.1', () => resolve()));
    socket.close();
    await sleep(20);
    link.close();
    assert.ok(c.hits() >= 1n, `${c.hits()} packets`);
  } finally {
    c.close();
  }
});

test('a perf_event link samples CPU time on every CPU', async (t) => {
  if (!needsBpf(t)) return;
  const c = counter('perf_event');
  try {
    const link = attachPerfEvent(c.program, { frequency: 1000 });
    const end = Date.now() + 200;
    let spin = 0;
    while (Date.now() < end) spin++;
    link.close();
    assert.ok(c.hits() >= 10n, `${c.hits()} samples in 200 ms of busy CPU at 1 kHz`);
    assert.ok(spin > 0);
  } finally {
    c.close();
  }
});

test('the perf buffer reader gets bpf_perf_event_output samples from the CPU that wrote them', (t) => {
  if (!needsBpf(t)) return;
  const events = KernelMap.create({ name: 'events', type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: onlineCpus().length });
  const program = KernelProgram.load({
    type: 'socket_filter',
    instructions: assemble(`
      r6 = r1
      r1 = 0x1122334455667788 ll
      *(u64 *)(r10 - 8) = r1
      r1 = r6
      r2 = map_fd(events) ll
      r3 = 0xffffffff ll
      r4 = r10
      r4 += -8
      r5 = 8
      call 25
      exit`, { maps: { events: events.fd.value } }),
  });
  const reader = new KernelPerfBuffer(events, { pageCount: 2 });
  try {
    const run = program.testRun({ data: new Uint8Array(64) });
    assert.equal(run.retval, 0, 'bpf_perf_event_output succeeded');
    const samples: string[] = [];
    assert.equal(reader.read((_cpu, data) => void samples.push(Buffer.from(data).toString('hex'))), 1);
    // As libbpf hands them over: the raw sample padded so that it and its size fill 8-byte units.
    assert.deepEqual(samples, ['887766554433221100000000']);
    assert.equal(reader.read(() => undefined), 0);
  } finally {
    reader.close();
    program.close();
    events.close();
  }
});

test('attaching and closing links a thousand times leaks no file descriptor', (t) => {
  if (!needsBpf(t)) return;
  const raw = counter('raw_tracepoint');
  const tp = counter('tracepoint');
  try {
    const fds = () => readdirSync('/proc/self/fd').length;
    attachRawTracepoint(raw.program, 'sys_enter').close();
    attachTracepoint(tp.program, 'syscalls', 'sys_enter_openat').close();
    const before = fds();
    for (let i = 0; i < 1000; i++) attachRawTracepoint(raw.program, 'sys_enter').close();
    for (let i = 0; i < 100; i++) attachTracepoint(tp.program, 'syscalls', 'sys_enter_openat').close();
    assert.equal(fds(), before);
  } finally {
    raw.close();
    tp.close();
  }
});
