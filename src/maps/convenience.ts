/**
 * Conveniences over the byte-level map API: numbers and bigints as keys and
 * values, iteration, and the kernel's batch operations.
 */
import { MapOperationError, UpdateFlag, type BpfMap } from './map.js';

/** Little-endian bytes of an unsigned 32-bit number. */
export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** Little-endian bytes of an unsigned 64-bit number. */
export function u64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)), true);
  return b;
}

export function readU32(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

export function readU64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
}

/** Per-CPU values split into one array per CPU (each slot rounded up to 8 bytes, as the kernel gives them). */
export function perCpuValues(bytes: Uint8Array, valueSize: number): Uint8Array[] {
  const stride = Math.ceil(valueSize / 8) * 8;
  const out: Uint8Array[] = [];
  for (let at = 0; at + stride <= bytes.length; at += stride) out.push(bytes.slice(at, at + valueSize));
  return out;
}

/** Every key, in the map's iteration order. */
export function* keys(map: BpfMap): Generator<Uint8Array> {
  for (let k = map.nextKey(); k !== undefined; k = map.nextKey(k)) yield k;
}

/** Every [key, value] pair. Keys deleted while iterating are skipped. */
export function* entries(map: BpfMap): Generator<[Uint8Array, Uint8Array]> {
  for (const k of keys(map)) {
    const v = map.lookup(k);
    if (v !== undefined) yield [k, v];
  }
}

/** BPF_MAP_LOOKUP_BATCH: up to `count` entries after `cursor` (undefined: from the start), and the cursor to continue from. */
export function lookupBatch(map: BpfMap, count: number, cursor?: Uint8Array): { entries: [Uint8Array, Uint8Array][]; next?: Uint8Array } {
  const out: [Uint8Array, Uint8Array][] = [];
  let k = cursor === undefined ? map.nextKey() : map.nextKey(cursor);
  while (k !== undefined && out.length < count) {
    const v = map.lookup(k);
    if (v !== undefined) out.push([k, v]);
    k = map.nextKey(k);
  }
  return k === undefined || out.length === 0 ? { entries: out } : { entries: out, next: out[out.length - 1]![0] };
}

/**
 * BPF_MAP_UPDATE_BATCH: updates in order and stops at the first failure,
 * reporting how many went in (as the kernel's `count` out-parameter does).
 */
export function updateBatch(map: BpfMap, pairs: readonly (readonly [Uint8Array, Uint8Array])[], flags: number = UpdateFlag.ANY): number {
  let done = 0;
  for (const [k, v] of pairs) {
    try {
      map.update(k, v, flags);
    } catch (e) {
      if (e instanceof MapOperationError) throw Object.assign(e, { completed: done });
      throw e;
    }
    done++;
  }
  return done;
}

/** BPF_MAP_DELETE_BATCH: deletes in order; a missing key fails with ENOENT after the ones before it went. */
export function deleteBatch(map: BpfMap, keysToDelete: readonly Uint8Array[]): number {
  let done = 0;
  for (const k of keysToDelete) {
    if (!map.delete(k)) throw Object.assign(new MapOperationError('ENOENT', map.name, 'delete batch', `key ${done} is absent`), { completed: done });
    done++;
  }
  return done;
}

/**
 * BPF_MAP_LOOKUP_AND_DELETE_ELEM: pops a queue or stack (no key), or takes an
 * element out of a hash map; other types refuse it as the kernel does.
 */
export function lookupAndDelete(map: BpfMap, key: Uint8Array = new Uint8Array(0)): Uint8Array | undefined {
  const type = map.spec.type;
  if (type === 'queue' || type === 'stack') {
    if (key.length !== 0) throw new MapOperationError('EINVAL', map.name, 'lookup and delete', `${type} maps take no key`);
    return (map as BpfMap & { popValue(): Uint8Array | undefined }).popValue();
  }
  if (type === 'hash' || type === 'percpu_hash' || type === 'lru_hash' || type === 'lru_percpu_hash') {
    const value = map.lookup(key);
    if (value !== undefined) map.delete(key);
    return value;
  }
  throw new MapOperationError('ENOTSUPP', map.name, 'lookup and delete', `${type} maps do not support it`);
}
