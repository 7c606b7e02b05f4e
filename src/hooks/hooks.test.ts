import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { assemble } from '../asm/index.js';
import { readU64, u32, type RingBuffer } from '../maps/index.js';
import { Runtime } from '../runtime/index.js';
import { AttachError } from './attach.js';
import { PcapError, Tracepoint, attachBySection, attachChannel, attachOpenat, attachTimer, filterDatagrams, probeFunction, readPcap, runXdpOnPcap, udpFrame, writePcap } from './index.js';

/** Adds ctx[slot] into counts[0]: a program that shows what it was given. */
let maps = 0;
function summer(runtime: Runtime, slot: number) {
  const counts = runtime.createMap({ name: `counts${maps++}`, type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  const program = runtime.load(assemble(`
    r6 = *(u64 *)(r1 + ${slot * 8})
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(counts) ll
    r2 = r10
    r2 += -4
    call 1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += r6
    *(u64 *)(r0 + 0) = r1
  out:
    r0 = 0
    exit`, { maps: { counts: runtime.maps.idOf(counts) } }), { type: 'raw_tracepoint' });
  return { program, total: () => readU64(counts.lookup(u32(0))!) };
}

for (const engine of ['interpreter', 'jit'] as const) {
  test(`function probes see arguments on entry and the return value on exit (${engine})`, async () => {
    const runtime = new Runtime({ engine });
    const entry = summer(runtime, 1);
    const exit = summer(runtime, 0);
    const math = { add: (a: number, b: number) => a + b, later: async (a: number) => a * 10 };
    const link = probeFunction(math, 'add', { entry: entry.program, exit: exit.program });
    assert.equal(math.add(2, 3), 5);
    assert.equal(math.add(4, 5), 9);
    link.close();
    math.add(100, 100);
    assert.equal(entry.total(), 3n + 5n, 'second arguments, on entry');
    assert.equal(exit.total(), 5n + 9n, 'return values');
    assert.equal(link.stats.hits, 2);
    const asyncExit = summer(runtime, 0);
    const asyncLink = probeFunction(math, 'later', { exit: asyncExit.program });
    assert.equal(await math.later(7), 70);
    asyncLink.close();
    assert.equal(asyncExit.total(), 70n, 'an async function reports what its promise resolves to');
  });
}

test('application tracepoints and diagnostics_channel channels fire their programs', () => {
  const runtime = new Runtime();
  const tp = new Tracepoint('app/request_done', ['status', 'bytes']);
  assert.equal(tp.enabled, false);
  const bytes = summer(runtime, 1);
  const link = tp.attach(bytes.program);
  assert.equal(tp.enabled, true);
  tp.emit({ status: 200, bytes: 512 });
  tp.emit([404, 12]);
  link.close();
  tp.emit({ status: 200, bytes: 1000 });
  assert.equal(bytes.total(), 524n);
  const fromChannel = summer(runtime, 0);
  const channel = attachChannel(fromChannel.program, 'tsbpf:test', ['response.size']);
  diagnostics.channel('tsbpf:test').publish({ response: { size: 77 } });
  diagnostics.channel('tsbpf:test').publish({ response: { size: 23 } });
  channel.close();
  diagnostics.channel('tsbpf:test').publish({ response: { size: 1000 } });
  assert.equal(fromChannel.total(), 100n);
});

test('the openat hook hands programs the kernel tracepoint layout and the file name', async () => {
  const runtime = new Runtime();
  const events = runtime.createMap({ name: 'events', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }) as RingBuffer;
  // Copies args[1] (the name) into a ring buffer record with bpf_probe_read_user_str.
  const program = runtime.load(assemble(`
    r6 = *(u64 *)(r1 + 24)
    r1 = map_fd(events) ll
    r2 = 64
    r3 = 0
    call 131
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    r2 = 64
    r3 = r6
    call 114
    r1 = r7
    r2 = 0
    call 132
  out:
    r0 = 0
    exit`, { maps: { events: runtime.maps.idOf(events) } }), { type: 'tracepoint' });
  const link = attachBySection(program, 'tracepoint/syscalls/sys_enter_openat');
  readFileSync('/etc/hostname');
  await readFile('/etc/os-release');
  link.close();
  readFileSync('/etc/hostname');
  const names: string[] = [];
  events.consume((d) => void names.push(new TextDecoder().decode(d.subarray(0, d.indexOf(0)))));
  assert.deepEqual(names, ['/etc/hostname', '/etc/os-release']);
  assert.throws(() => attachBySection(program, 'tracepoint/sched/sched_switch'), AttachError);
  const again = attachOpenat(program);
  again.close();
  again.close();
});

/** Drops UDP datagrams to port 9999 (dport at frame offset 36), passes the rest. */
const DROP_9999 = `
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 42
  if r4 > r3 goto pass
  r5 = *(u16 *)(r2 + 36)
  r5 = be16 r5
  if r5 != 9999 goto pass
  r0 = 1
  exit
pass:
  r0 = 2
  exit`;

test('XDP over a pcap file and in front of a UDP socket', async () => {
  const runtime = new Runtime({ engine: 'jit' });
  const program = runtime.load(assemble(DROP_9999), { type: 'xdp' });
  const to = (port: number) => udpFrame(Uint8Array.of(1, 2, 3), { address: '10.0.0.1', port: 1000 }, { address: '10.0.0.2', port });
  const pcap = writePcap([{ data: to(53), timestampNs: 1_000_000_000n }, { data: to(9999) }, { data: Uint8Array.of(1, 2) }]);
  const frames = readPcap(pcap);
  assert.equal(frames[0]!.timestampNs, 1_000_000_000n);
  assert.deepEqual(runXdpOnPcap(program, pcap).map((r) => r.verdict), ['pass', 'drop', 'pass']);
  assert.throws(() => readPcap(Uint8Array.of(1, 2, 3)), PcapError);
  assert.throws(() => readPcap(pcap.subarray(0, 40)), /runs past the end/);

  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(9999, '127.0.0.1', () => r()));
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString()));
  const sender = createSocket('udp4');
  const send = (text: string) => new Promise<void>((r) => sender.send(text, 9999, '127.0.0.1', () => r()));
  const link = filterDatagrams(program, socket);
  await send('dropped');
  await new Promise((r) => setTimeout(r, 50));
  link.close();
  await send('delivered');
  await new Promise((r) => setTimeout(r, 50));
  sender.close();
  socket.close();
  assert.deepEqual(received, ['delivered']);
  assert.equal(link.verdicts.drop, 1);
});

test('a timer hook runs its program at its interval with the time and the tick count', async () => {
  const runtime = new Runtime();
  const ticks = summer(runtime, 1);
  const link = attachTimer(ticks.program, 10);
  await new Promise((r) => setTimeout(r, 120));
  link.close();
  const hits = link.stats.hits;
  assert.ok(hits >= 3, `${hits} ticks`);
  assert.equal(ticks.total(), BigInt((hits * (hits + 1)) / 2), 'ctx[1] counts 1, 2, 3…');
});
