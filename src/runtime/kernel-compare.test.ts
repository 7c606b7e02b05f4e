/**
 * The same object, the same packets, in Linux and in tsbpf's runtime: every
 * retval, every packet out and the maps afterwards must be equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KernelMap, bpfPermission, loadCollection } from '../kernel/index.js';
import type { BpfMap } from '../maps/map.js';
import { loadObject } from '../object/index.js';
import { Runtime } from './index.js';

const OBJECT = fileURLToPath(new URL('../../src/runtime/testdata/maps-and-helpers.bpf.o', import.meta.url));

function packet(dst: number[], payload: number): Uint8Array {
  const bytes = new Uint8Array(14 + 20 + payload);
  bytes.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  bytes.set([0x45, 0, 0, 20 + payload, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, ...dst], 14);
  for (let i = 0; i < payload; i++) bytes[34 + i] = i;
  return bytes;
}
const ARP = (() => {
  const p = packet([10, 0, 0, 9], 28);
  p[12] = 0x08;
  p[13] = 0x06;
  return p;
})();

/** Runs, in order: which program, on which packet. */
const RUNS: [string, Uint8Array][] = [
  ['count_protocols', packet([10, 0, 0, 2], 10)],
  ['count_protocols', packet([10, 0, 0, 2], 11)],
  ['count_protocols', ARP],
  ['count_protocols', packet([10, 0, 0, 3], 3)],
  ['route', packet([10, 0, 0, 2], 10)],
  ['route', packet([10, 1, 2, 3], 10)],
  ['route', packet([10, 0, 0, 2], 10)],
  ['route', packet([192, 168, 0, 1], 1)],
  ['route', packet([10, 0, 0, 4], 1)],
  ['route', packet([10, 0, 0, 5], 1)],
  ['route', packet([10, 0, 0, 6], 1)],
  ['route', ARP],
  ['queues', packet([10, 0, 0, 2], 5)],
  ['queues', packet([10, 0, 0, 2], 6)],
  ['queues', packet([10, 0, 0, 2], 7)],
  ['loops', packet([10, 0, 0, 2], 3)],
  ['loops', packet([10, 0, 0, 2], 30)],
  ['events_out', packet([10, 0, 0, 2], 3)],
  ['events_out', packet([10, 0, 0, 2], 4)],
  ['encapsulate', packet([10, 0, 0, 2], 8)],
  ['jumper', packet([10, 0, 0, 2], 8)],
  ['jumper', packet([10, 0, 0, 2], 9)],
];

const u32 = (n: number) => new Uint8Array(Uint32Array.of(n).buffer);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Entries of a map with keys, as sorted hex pairs. */
function entries(map: { nextKey(k?: Uint8Array): Uint8Array | undefined; lookup(k: Uint8Array): Uint8Array | undefined }): string[] {
  const out: string[] = [];
  for (let k = map.nextKey(); k !== undefined; k = map.nextKey(k)) {
    const v = map.lookup(k);
    if (v) out.push(`${hex(k)}=${hex(v)}`);
  }
  return out.sort();
}

/** Per-CPU values summed, since the kernel runs a test on whichever CPU it is on. */
function perCpuSums(map: { nextKey(k?: Uint8Array): Uint8Array | undefined; lookup(k: Uint8Array): Uint8Array | undefined }): string[] {
  const out: string[] = [];
  for (let k = map.nextKey(); k !== undefined; k = map.nextKey(k)) {
    const v = map.lookup(k)!;
    let sum = 0n;
    for (let at = 0; at + 8 <= v.length; at += 8) sum += new DataView(v.buffer, v.byteOffset + at, 8).getBigUint64(0, true);
    out.push(`${hex(k)}=${sum}`);
  }
  return out.sort();
}

/** What a queue or stack still holds, popped in order. */
function drain(pop: () => Uint8Array | undefined): string[] {
  const out: string[] = [];
  for (let v = pop(); v !== undefined; v = pop()) out.push(hex(v));
  return out;
}

for (const engine of ['interpreter', 'jit'] as const) test(`maps and helpers (${engine}): tsbpf and Linux agree on every retval, packet and map`, (t) => {
  const permission = bpfPermission();
  if (!permission.permitted) return t.skip(`no kernel to compare with: ${permission.reason}`);
  const spec = loadObject(readFileSync(OBJECT));
  const route = { key: Uint8Array.of(32, 0, 0, 0, 10, 0, 0, 2), value: u32(7) };
  const net = { key: Uint8Array.of(8, 0, 0, 0, 10, 0, 0, 0), value: u32(8) };

  // tsbpf
  const runtime = new Runtime({ engine });
  const ours = runtime.loadObject(spec);
  for (const p of ours.programs.values()) assert.equal(p.engine, engine, `${p.name} runs on the ${engine}`);
  const m = (name: string) => ours.maps.get(name)!;
  m('routes').update(route.key, route.value);
  m('routes').update(net.key, net.value);
  m('jumps').update(u32(0), u32(ours.programs.get('tail_target')!.id));
  const ourResults = RUNS.map(([name, data]) => {
    const r = ours.programs.get(name)!.testRun({ data });
    return `${name}: ${BigInt.asUintN(32, r.retval)} ${hex(r.data ?? new Uint8Array())}`;
  });

  // Linux
  const pinPath = mkdtempSync('/sys/fs/bpf/tsbpf-compare-');
  const kernel = loadCollection(spec, { pinPath });
  try {
    const k = (name: string) => kernel.maps.get(name)!;
    k('routes').update(route.key, route.value);
    k('routes').update(net.key, net.value);
    k('jumps').update(u32(0), u32(kernel.programs.get('tail_target')!.fd.value));
    const theirResults = RUNS.map(([name, data]) => {
      const r = kernel.programs.get(name)!.testRun({ data });
      return `${name}: ${r.retval >>> 0} ${hex(r.data ?? new Uint8Array())}`;
    });
    assert.deepEqual(ourResults, theirResults);
    for (const name of ['by_proto', 'counters', '.bss', '.data']) {
      assert.deepEqual(entries(m(name)), entries(k(name)), `map ${name}`);
    }
    // The kernel's LRU is approximate (reference bits, list rotation), tsbpf's exact: both are full
    // and keep the newest elements, but may evict a different older one.
    const ourRecent = entries(m('recent'));
    const theirRecent = entries(k('recent'));
    assert.equal(ourRecent.length, theirRecent.length);
    for (const newest of ['0a000005=0a000005', '0a000006=0a000006']) {
      assert.ok(ourRecent.includes(newest) && theirRecent.includes(newest), `both keep ${newest}`);
    }
    assert.deepEqual(perCpuSums(m('bytes')), perCpuSums(k('bytes')), 'per-CPU map, summed over CPUs');
    const popOurs = (map: BpfMap) => () => (map as unknown as { popValue(): Uint8Array | undefined }).popValue();
    const popTheirs = (map: KernelMap) => () => map.lookupAndDelete(new Uint8Array(0));
    assert.deepEqual(drain(popOurs(m('fifo'))), drain(popTheirs(k('fifo'))), 'queue');
    assert.deepEqual(drain(popOurs(m('lifo'))), drain(popTheirs(k('lifo'))), 'stack');
  } finally {
    kernel.close();
    rmSync(pinPath, { recursive: true, force: true });
  }
});
