/**
 * bpf_spin_lock / bpf_spin_unlock on the lock word inside a map value. With a
 * shared address space, workers really contend (Atomics on the shared memory);
 * in one thread a lock found held can only be the program's own bug.
 */
import { helperId } from '../isa/index.js';
import { HelperError, type HelperDefinition, type HelperEnv } from './table.js';

const def = <Env extends HelperEnv>(name: string, proto: HelperDefinition['proto'], impl: HelperDefinition<Env>['impl']): HelperDefinition<Env> => {
  const id = helperId(name);
  if (id === undefined) throw new Error(`no helper named ${name}`);
  return { id, name, proto, impl };
};

/** How long a worker spins before it reports a lock that is never released (a program bug the verifier would catch). */
const SPIN_LIMIT_MS = 1000;

function lockWord(env: HelperEnv, helper: string, address: bigint): { words: Int32Array; index: number } {
  const a = Number(address);
  if (address > 0xffffffffn || a % 4 !== 0 || !env.space.regionAt(a, 4)) {
    throw new HelperError(helper, `0x${address.toString(16)} is not a 4-byte aligned bpf_spin_lock in a map value`);
  }
  return { words: new Int32Array(env.space.memory.buffer), index: a / 4 };
}

export function syncHelpers<Env extends HelperEnv>(): HelperDefinition<Env>[] {
  return [
    def<Env>('spin_lock', { args: ['spin_lock'], ret: 'void' }, (env, lock) => {
      const { words, index } = lockWord(env, 'spin_lock', lock);
      if (!env.space.shared) {
        if (words[index] !== 0) throw new HelperError('spin_lock', 'the lock is already held by this program (taking it twice deadlocks)');
        words[index] = 1;
        return 0n;
      }
      const deadline = Date.now() + SPIN_LIMIT_MS;
      while (Atomics.compareExchange(words, index, 0, 1) !== 0) {
        if (Date.now() > deadline) throw new HelperError('spin_lock', `the lock was not released within ${SPIN_LIMIT_MS} ms`);
        Atomics.wait(words, index, 1, 1);
      }
      return 0n;
    }),
    def<Env>('spin_unlock', { args: ['spin_lock'], ret: 'void' }, (env, lock) => {
      const { words, index } = lockWord(env, 'spin_unlock', lock);
      if ((env.space.shared ? Atomics.exchange(words, index, 0) : words[index]) === 0) {
        throw new HelperError('spin_unlock', 'the lock is not held');
      }
      words[index] = 0;
      if (env.space.shared) Atomics.notify(words, index, 1);
      return 0n;
    }),
  ];
}
