import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { checkMapSpec, createMap } from './create.js';
import { Errno, MapFlags, MapSpecError, UpdateFlag, type BpfMap, type MapSpec } from './map.js';

const ZERO_SEED = 1 << 6;
const PRESERVE_ELEMS = 1 << 11;
const INNER_MAP = 1 << 12;

const accepted: MapSpec[] = [
  { type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: MapFlags.MMAPABLE | MapFlags.RDONLY_PROG, name: '.rodata' },
  { type: 'array', keySize: 4, valueSize: 1, maxEntries: 8, flags: INNER_MAP },
  { type: 'array', keySize: 4, valueSize: 8, maxEntries: 8, flags: MapFlags.NUMA_NODE | MapFlags.RDONLY },
  { type: 'percpu_array', keySize: 4, valueSize: 32768, maxEntries: 1 },
  { type: 'hash', keySize: 8, valueSize: 8, maxEntries: 16, flags: MapFlags.NO_PREALLOC | ZERO_SEED },
  { type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 16, flags: MapFlags.NO_COMMON_LRU },
  { type: 'lru_percpu_hash', keySize: 4, valueSize: 4, maxEntries: 16 },
  { type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 16, flags: MapFlags.NO_PREALLOC },
  { type: 'lpm_trie', keySize: 20, valueSize: 4, maxEntries: 16, flags: MapFlags.NO_PREALLOC | MapFlags.RDONLY_PROG },
  { type: 'queue', keySize: 0, valueSize: 4, maxEntries: 4, flags: MapFlags.WRONLY },
  { type: 'stack', keySize: 0, valueSize: 4, maxEntries: 4 },
  { type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 4, mapExtra: 15, flags: ZERO_SEED },
  { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4 },
  { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
];

test('createMap accepts every spec the kernel accepts', () => {
  for (const spec of accepted) {
    const map = createMap(spec, { space: new AddressSpace(), cpus: 2 });
    assert.equal(map.spec, spec, spec.type);
    map.free();
  }
});

/** [spec, the rule the message names]. */
const refused: [MapSpec, RegExp][] = [
  [{ type: 'array', keySize: 8, valueSize: 4, maxEntries: 1 }, /4-byte key/],
  [{ type: 'array', keySize: 4, valueSize: 0, maxEntries: 1 }, /4-byte key, a value/],
  [{ type: 'array', keySize: 4, valueSize: 4, maxEntries: 0 }, /max_entries > 0/],
  [{ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC }, /map_flags 0x1 are not valid for array/],
  [{ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: PRESERVE_ELEMS }, /only perf event arrays/],
  [{ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.RDONLY_PROG | MapFlags.WRONLY_PROG }, /RDONLY_PROG and BPF_F_WRONLY_PROG/],
  [{ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.RDONLY | MapFlags.WRONLY }, /BPF_F_RDONLY and BPF_F_WRONLY/],
  [{ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, mapExtra: 1 }, /map_extra 1 is only for bloom filters/],
  [{ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: -1 }, /map_flags -1 is not a u32/],
  [{ type: 'array', keySize: 4.5, valueSize: 4, maxEntries: 1 }, /key size 4.5 is not a u32/],
  [{ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.MMAPABLE }, /only plain arrays can be BPF_F_MMAPABLE/],
  [{ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.NUMA_NODE }, /per-CPU array cannot be bound to a NUMA node/],
  [{ type: 'percpu_array', keySize: 4, valueSize: 32769, maxEntries: 1 }, /at most 32768 bytes \(the kernel's E2BIG\)/],
  [{ type: 'hash', keySize: 0, valueSize: 4, maxEntries: 1 }, /needs a key, a value/],
  [{ type: 'hash', keySize: 4, valueSize: 0, maxEntries: 1 }, /needs a key, a value/],
  [{ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 0 }, /max_entries > 0/],
  [{ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_COMMON_LRU }, /only for LRU maps/],
  [{ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.MMAPABLE }, /map_flags 0x400 are not valid for hash/],
  [{ type: 'hash', keySize: 4, valueSize: 4 << 20, maxEntries: 1 }, /do not fit one kmalloc \(the kernel's E2BIG\)/],
  [{ type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC }, /cannot be BPF_F_NO_PREALLOC \(the kernel's ENOTSUPP\)/],
  [{ type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_COMMON_LRU | MapFlags.NUMA_NODE }, /NUMA node/],
  [{ type: 'percpu_hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.NUMA_NODE }, /NUMA node/],
  [{ type: 'percpu_hash', keySize: 4, valueSize: 40000, maxEntries: 1 }, /per-CPU values are at most/],
  [{ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 1 }, /must be created with BPF_F_NO_PREALLOC/],
  [{ type: 'lpm_trie', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC }, /key_size 4 is not/],
  [{ type: 'lpm_trie', keySize: 261, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC }, /key_size 261 is not/],
  [{ type: 'lpm_trie', keySize: 8, valueSize: 0, maxEntries: 1, flags: MapFlags.NO_PREALLOC }, /value size 0 is out of range/],
  [{ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 0, flags: MapFlags.NO_PREALLOC }, /max_entries must be above 0/],
  [{ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC | MapFlags.MMAPABLE }, /not valid for lpm_trie/],
  [{ type: 'queue', keySize: 4, valueSize: 4, maxEntries: 1 }, /key size 0/],
  [{ type: 'stack', keySize: 0, valueSize: 0, maxEntries: 1 }, /key size 0, a value/],
  [{ type: 'queue', keySize: 0, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC }, /not valid for queue/],
  [{ type: 'bloom_filter', keySize: 4, valueSize: 4, maxEntries: 1 }, /key size 0/],
  [{ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 1, mapExtra: 16 }, /at most 15/],
  [{ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC }, /not valid for bloom_filter/],
  [{ type: 'prog_array', keySize: 4, valueSize: 8, maxEntries: 1 }, /4-byte ids/],
  [{ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.RDONLY_PROG }, /cannot restrict program access/],
  [{ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: MapFlags.NO_PREALLOC }, /not valid for ringbuf/],
];

test('createMap refuses what map_alloc_check refuses, naming the rule, before taking memory', () => {
  const space = new AddressSpace();
  for (const [spec, reason] of refused) {
    const label = `${spec.type} ${JSON.stringify(spec)}`;
    assert.throws(() => checkMapSpec(spec), (e: unknown) => e instanceof MapSpecError && reason.test(e.message), label);
    assert.throws(() => createMap(spec, { space }), MapSpecError, label);
  }
  assert.equal(space.regions().length, 0, 'no refused spec left a region behind');
});

/** One live, non-empty map of every byte-valued type, and a key its program side finds. */
function everyMap(space: AddressSpace): { map: BpfMap; key: Uint8Array }[] {
  const k4 = Uint8Array.of(1, 0, 0, 0);
  const out: { map: BpfMap; key: Uint8Array }[] = [];
  const add = (spec: MapSpec, key: Uint8Array, value: Uint8Array) => {
    const map = createMap(spec, { space, cpus: 2 });
    map.update(key, value);
    out.push({ map, key });
  };
  add({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 4, name: 'array' }, k4, new Uint8Array(8).fill(0xa1));
  add({ type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 4, name: 'percpu_array' }, k4, new Uint8Array(16).fill(0xa2));
  for (const type of ['hash', 'lru_hash'] as const) add({ type, keySize: 4, valueSize: 8, maxEntries: 4, name: type }, k4, new Uint8Array(8).fill(0xa3));
  for (const type of ['percpu_hash', 'lru_percpu_hash'] as const) add({ type, keySize: 4, valueSize: 8, maxEntries: 4, name: type }, k4, new Uint8Array(16).fill(0xa4));
  add({ type: 'lpm_trie', keySize: 8, valueSize: 8, maxEntries: 4, flags: MapFlags.NO_PREALLOC, name: 'lpm' }, Uint8Array.of(32, 0, 0, 0, 10, 0, 0, 1), new Uint8Array(8).fill(0xa5));
  for (const type of ['queue', 'stack', 'bloom_filter'] as const) add({ type, keySize: 0, valueSize: 8, maxEntries: 4, name: type }, new Uint8Array(0), new Uint8Array(8).fill(0xa6));
  return out;
}

test('bad program-side addresses are -EFAULT or a miss, and never change any map', () => {
  const space = new AddressSpace();
  const maps = everyMap(space);
  const before = space.bytes.slice();
  const last = space.regions()[space.regions().length - 1]!;
  // Unmapped, the guard page, straddling the end of the last region, and past the top.
  const badAddresses = [0, 8, 0xfff0, last.start + last.size - 2, space.size + 64];
  for (const { map } of maps) {
    for (const bad of badAddresses) {
      const label = `${map.name} at 0x${bad.toString(16)}`;
      assert.equal(map.lookupAddress(bad, 0), 0, label);
      const update = map.updateFrom(bad, bad, UpdateFlag.ANY, 0);
      assert.ok(update === -Errno.EFAULT || update === -Errno.EINVAL, `${label}: update ${update}`);
      const del = map.deleteFrom(bad);
      assert.ok(del === -Errno.EFAULT || del === -Errno.EINVAL || del === -Errno.EOPNOTSUPP, `${label}: delete ${del}`);
      const queue = map as BpfMap & Partial<{ push(a: number, f: number): number; pop(a: number): number; peek(a: number): number }>;
      if (typeof queue.push === 'function') assert.equal(queue.push(bad, 0), -Errno.EFAULT, `${label}: push`);
      if (typeof queue.pop === 'function' && map.spec.type !== 'bloom_filter') assert.equal(queue.pop(bad), -Errno.EFAULT, `${label}: pop`);
      if (typeof queue.peek === 'function') assert.equal(queue.peek(bad), -Errno.EFAULT, `${label}: peek`);
    }
  }
  assert.ok(Buffer.from(space.bytes.subarray(0, before.length)).equals(before), 'no byte of the address space changed');
  for (const { map, key } of maps) {
    if (map.spec.keySize > 0) assert.notEqual(map.lookup(key), undefined, `${map.name} still holds its element`);
  }
});
