/**
 * Helpers that call back into the program: bpf_loop and
 * bpf_for_each_map_elem. The program passes a function as a BPF_PSEUDO_FUNC
 * address; the runtime runs that subprogram on a fresh frame and hands back r0.
 */
import { helperId } from '../isa/index.js';
import type { BpfMap } from '../maps/map.js';
import { Errno } from '../maps/map.js';
import { HelperError, type HelperDefinition, type HelperEnv } from './table.js';

/** The kernel's BPF_MAX_LOOPS. */
export const MAX_LOOPS = 1 << 23;

export interface CallbackHelperEnv extends HelperEnv {
  /** Runs the program's function at `target` (a BPF_PSEUDO_FUNC value) with r1–r5, returning its r0. */
  callFunction?(target: bigint, args: readonly bigint[]): bigint;
  mapAt(address: number): BpfMap | undefined;
}

const neg = (errno: number) => BigInt.asUintN(64, BigInt(-errno));

const def = <Env extends CallbackHelperEnv>(name: string, proto: HelperDefinition['proto'], impl: HelperDefinition<Env>['impl']): HelperDefinition<Env> => {
  const id = helperId(name);
  if (id === undefined) throw new Error(`no helper named ${name}`);
  return { id, name, proto, impl };
};

function call(env: CallbackHelperEnv, helper: string, target: bigint, args: readonly bigint[]): bigint {
  if (!env.callFunction) throw new HelperError(helper, 'this runtime cannot call back into programs');
  return env.callFunction(target, args);
}

export function callbackHelpers<Env extends CallbackHelperEnv>(): HelperDefinition<Env>[] {
  return [
    def<Env>('loop', { args: ['anything', 'func', 'stack_or_null', 'anything'], ret: 'integer' }, (env, loops, fn, ctx, flags) => {
      if (flags !== 0n) return neg(Errno.EINVAL);
      if (loops > BigInt(MAX_LOOPS)) return neg(Errno.E2BIG);
      const n = Number(loops);
      for (let i = 0; i < n; i++) {
        // A callback returning 1 stops the loop; the count includes that iteration.
        if (BigInt.asUintN(64, call(env, 'loop', fn, [BigInt(i), ctx])) === 1n) return BigInt(i + 1);
      }
      return BigInt(n);
    }),
    def<Env>('for_each_map_elem', { args: ['const_map_ptr', 'func', 'stack_or_null', 'anything'], ret: 'integer' }, (env, mapAddress, fn, ctx, flags) => {
      if (flags !== 0n) return neg(Errno.EINVAL);
      const map = mapAddress <= 0xffffffffn ? env.mapAt(Number(mapAddress)) : undefined;
      if (!map) throw new HelperError('for_each_map_elem', `0x${mapAddress.toString(16)} is not a map`);
      // The callback gets pointers to the key and the value, as for the kernel's array and hash maps.
      const keyRegion = env.space.allocate(Math.max(1, map.spec.keySize), { kind: 'map-key', name: `${map.name} key`, writable: false });
      try {
        let visited = 0;
        for (let key = map.nextKey(); key !== undefined; key = map.nextKey(key)) {
          env.space.bytes.set(key, keyRegion.start);
          const value = map.lookupAddress(keyRegion.start, env.cpu);
          if (!value) continue;
          visited++;
          if (BigInt.asUintN(64, call(env, 'for_each_map_elem', fn, [mapAddress, BigInt(keyRegion.start), BigInt(value), ctx])) === 1n) break;
        }
        return BigInt(visited);
      } finally {
        env.space.release(keyRegion);
      }
    }),
  ];
}
