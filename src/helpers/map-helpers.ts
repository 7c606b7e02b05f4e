/**
 * The helpers that work on maps: element operations, the ring buffer, perf
 * output, queues and stacks, and tail calls. A program holds a map as an
 * address (of the map's descriptor in the address space); the env resolves it.
 * Results are the kernel's: 0, a negative errno, or an address.
 */
import { helperId } from '../isa/index.js';
import type { BpfMap } from '../maps/map.js';
import { Errno } from '../maps/map.js';
import { HelperError, type FastHelper, type HelperDefinition, type HelperEnv } from './table.js';

/** What map helpers need from the runtime. */
export interface MapHelperEnv extends HelperEnv {
  /** The map whose descriptor is at `address`, if any. */
  mapAt(address: number): BpfMap | undefined;
  /** Ends the current program and runs the program in `slot` of a prog array instead (bpf_tail_call). */
  tailCall?(progArray: BpfMap, slot: number): boolean;
}

/** Operations beyond BpfMap that some map types offer to programs. */
interface QueueLike { push(valueAddress: number, flags: number): number; pop(valueAddress: number): number; peek(valueAddress: number): number }
interface RingLike {
  reserve(size: number | bigint, flags: number | bigint): number;
  submit(address: number, flags: number | bigint): void;
  discard(address: number, flags: number | bigint): void;
  output(data: number, size: number | bigint, flags: number | bigint): number;
  query(flag: number | bigint): bigint;
}
interface PerfLike { output(cpu: number, flags: bigint, data: number, size: number | bigint): number }

const neg = (errno: number): bigint => BigInt.asUintN(64, BigInt(-errno));
const addr = (v: bigint): number => (v > 0xffffffffn ? -1 : Number(v));

function map(env: MapHelperEnv, helper: string, pointer: bigint): BpfMap {
  const m = env.mapAt(addr(pointer));
  if (!m) throw new HelperError(helper, `0x${pointer.toString(16)} is not a map (pass the map itself, as in bpf_${helper}(&my_map, …))`);
  return m;
}

function has<T>(m: BpfMap, method: keyof T & string): m is BpfMap & T {
  return typeof (m as unknown as Record<string, unknown>)[method] === 'function';
}

const def = <Env extends MapHelperEnv>(name: string, proto: HelperDefinition['proto'], impl: HelperDefinition<Env>['impl'], fast?: FastHelper<Env>): HelperDefinition<Env> => {
  const id = helperId(name);
  if (id === undefined) throw new Error(`no helper named ${name}`);
  return { id, name, proto, impl, ...(fast ? { fast } : {}) };
};

function mapOf(env: MapHelperEnv, helper: string, address: number): BpfMap {
  const m = env.mapAt(address >>> 0);
  if (!m) throw new HelperError(helper, `0x${(address >>> 0).toString(16)} is not a map (pass the map itself, as in bpf_${helper}(&my_map, …))`);
  return m;
}

/** The map helpers, for any runtime whose env resolves map addresses. */
export function mapHelpers<Env extends MapHelperEnv>(): HelperDefinition<Env>[] {
  return [
    def<Env>('map_lookup_elem', { args: ['const_map_ptr', 'map_key'], ret: 'map_value_or_null' },
      (env, m, key) => BigInt(Math.max(0, map(env, 'map_lookup_elem', m).lookupAddress(addr(key), env.cpu))),
      { arity: 2, result: 'address', impl: (env, m, key) => Math.max(0, mapOf(env, 'map_lookup_elem', m).lookupAddress(key >>> 0, env.cpu)) }),
    def<Env>('map_update_elem', { args: ['const_map_ptr', 'map_key', 'map_value', 'anything'], ret: 'integer' },
      (env, m, key, value, flags) => BigInt.asUintN(64, BigInt(map(env, 'map_update_elem', m).updateFrom(addr(key), addr(value), flags > 0xffffffffn ? -1 : Number(flags), env.cpu))),
      { arity: 4, result: 'errno', impl: (env, m, key, value, flags) => mapOf(env, 'map_update_elem', m).updateFrom(key >>> 0, value >>> 0, flags === -1 ? -1 : flags >>> 0, env.cpu) }),
    def<Env>('map_delete_elem', { args: ['const_map_ptr', 'map_key'], ret: 'integer' },
      (env, m, key) => BigInt.asUintN(64, BigInt(map(env, 'map_delete_elem', m).deleteFrom(addr(key)))),
      { arity: 2, result: 'errno', impl: (env, m, key) => mapOf(env, 'map_delete_elem', m).deleteFrom(key >>> 0) }),
    def<Env>('map_lookup_percpu_elem', { args: ['const_map_ptr', 'map_key', 'anything'], ret: 'map_value_or_null' },
      (env, m, key, cpu) => {
        const target = map(env, 'map_lookup_percpu_elem', m);
        if (cpu >= BigInt((target as { cpus?: number }).cpus ?? 1)) return 0n;
        return BigInt(Math.max(0, target.lookupAddress(addr(key), Number(cpu))));
      }),
    def<Env>('map_push_elem', { args: ['const_map_ptr', 'map_value', 'anything'], ret: 'integer' },
      (env, m, value, flags) => {
        const q = map(env, 'map_push_elem', m);
        return has<QueueLike>(q, 'push') ? BigInt.asUintN(64, BigInt(q.push(addr(value), Number(flags)))) : neg(Errno.ENOTSUPP);
      }),
    def<Env>('map_pop_elem', { args: ['const_map_ptr', 'uninit_map_value'], ret: 'integer' },
      (env, m, value) => {
        const q = map(env, 'map_pop_elem', m);
        return has<QueueLike>(q, 'pop') ? BigInt.asUintN(64, BigInt(q.pop(addr(value)))) : neg(Errno.ENOTSUPP);
      }),
    def<Env>('map_peek_elem', { args: ['const_map_ptr', 'uninit_map_value'], ret: 'integer' },
      (env, m, value) => {
        const q = map(env, 'map_peek_elem', m);
        return has<QueueLike>(q, 'peek') ? BigInt.asUintN(64, BigInt(q.peek(addr(value)))) : neg(Errno.ENOTSUPP);
      }),
    def<Env>('ringbuf_output', { args: ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything'], ret: 'integer' },
      (env, m, data, size, flags) => BigInt.asUintN(64, BigInt(ring(env, 'ringbuf_output', m).output(addr(data), size, flags)))),
    def<Env>('ringbuf_reserve', { args: ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'], ret: 'alloc_mem_or_null' },
      (env, m, size, flags) => BigInt(ring(env, 'ringbuf_reserve', m).reserve(size, flags))),
    def<Env>('ringbuf_submit', { args: ['alloc_mem', 'anything'], ret: 'void' },
      (env, sample, flags) => {
        ringOfSample(env, 'ringbuf_submit', sample).submit(addr(sample), flags);
        return 0n;
      }),
    def<Env>('ringbuf_discard', { args: ['alloc_mem', 'anything'], ret: 'void' },
      (env, sample, flags) => {
        ringOfSample(env, 'ringbuf_discard', sample).discard(addr(sample), flags);
        return 0n;
      }),
    def<Env>('ringbuf_query', { args: ['const_map_ptr', 'anything'], ret: 'integer' },
      (env, m, flag) => ring(env, 'ringbuf_query', m).query(flag)),
    def<Env>('perf_event_output', { args: ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], ret: 'integer', gplOnly: true },
      (env, _ctx, m, flags, data, size) => {
        const target = map(env, 'perf_event_output', m);
        if (!has<PerfLike>(target, 'output') || target.spec.type !== 'perf_event_array') return neg(Errno.EINVAL);
        return BigInt.asUintN(64, BigInt(target.output(env.cpu, flags, addr(data), Number(size))));
      }),
    // RET_VOID as in the kernel: after a failed tail call r0 is not readable (the runtime still sets it to -ENOENT).
    def<Env>('tail_call', { args: ['ctx', 'const_map_ptr', 'anything'], ret: 'void' },
      (env, _ctx, m, slot) => {
        const array = map(env, 'tail_call', m);
        if (array.spec.type !== 'prog_array') throw new HelperError('tail_call', `${array.name} is a ${array.spec.type}, not a prog_array`);
        // On success the call does not return: the runtime unwinds to run the next program.
        if (slot <= 0xffffffffn && env.tailCall?.(array, Number(slot))) return 0n;
        return neg(Errno.ENOENT);
      }),
  ];
}

function ring(env: MapHelperEnv, helper: string, pointer: bigint): RingLike {
  const m = map(env, helper, pointer);
  if (m.spec.type !== 'ringbuf' || !has<RingLike>(m, 'reserve')) throw new HelperError(helper, `${m.name} is a ${m.spec.type}, not a ringbuf`);
  return m;
}

/** Submit and discard get only the sample: the ring is the map whose data area holds it. */
function ringOfSample(env: MapHelperEnv & { ringOfSample?(address: number): BpfMap | undefined }, helper: string, sample: bigint): RingLike {
  const m = env.ringOfSample?.(addr(sample));
  if (!m || !has<RingLike>(m, 'submit')) throw new HelperError(helper, `0x${sample.toString(16)} is not a sample reserved from a ring buffer`);
  return m;
}
