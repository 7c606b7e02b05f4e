/**
 * Small programs over open-coded iterators (bpf_iter_num_new/next/destroy):
 * loops Linux proves bounded through the iterator, and every way of misusing
 * one. Linux's verdict on each is in iterator-verdicts.json (recorded by
 * record-iterator-verdicts.ts); the kfuncs are named and assembled with the
 * running kernel's BTF ids.
 */
import type { MapInfo } from '../state.js';
import type { ProgramCase } from './kernel-verdict.js';

/** The maps a case may name in `map_fd(NAME)`. */
export const ITERATOR_MAPS: readonly (MapInfo & { readonly name: string })[] = [
  { name: 'array', type: 'array', keySize: 4, valueSize: 8, maxEntries: 16, flags: 0 },
];

/** The iterator at fp-8 (or `at`) in r1. */
const it = (at = -8) => `
  r1 = r10
  r1 += ${at}`;
const create = (at = -8, from = 0, to = 10) => `${it(at)}
  r2 = ${from}
  r3 = ${to}
  call bpf_iter_num_new`;
const destroy = (at = -8) => `${it(at)}
  call bpf_iter_num_destroy`;
const OUT = `
  r0 = 0
  exit`;

export const ITERATOR_CASES: readonly ProgramCase[] = [
  { name: 'sum of the yielded numbers', type: 'socket_filter', source: `${create()}
  r6 = 0
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r1 = *(u32 *)(r0 + 0)
  r6 += r1
  goto loop
done:${destroy()}${OUT}` },
  { name: 'an empty body', type: 'xdp', source: `${create(-8, 0, 1000)}
loop:${it()}
  call bpf_iter_num_next
  if r0 != 0 goto loop${destroy()}
  r0 = 2
  exit` },
  { name: 'a counter kept across iterations', type: 'socket_filter', source: `${create()}
  r6 = 0
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r6 += 1
  goto loop
done:${destroy()}
  r0 = r6
  exit` },
  { name: 'the yielded number indexes a stack buffer after a bounds check', type: 'socket_filter', source: `
  r1 = 0
  *(u64 *)(r10 - 16) = r1
  *(u64 *)(r10 - 24) = r1${create()}
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r1 = *(u32 *)(r0 + 0)
  if r1 > 15 goto loop
  r2 = r10
  r2 += -24
  r2 += r1
  r3 = *(u8 *)(r2 + 0)
  goto loop
done:${destroy()}${OUT}` },
  { name: 'the yielded number indexes a stack buffer unchecked', type: 'socket_filter', source: `
  r1 = 0
  *(u64 *)(r10 - 16) = r1
  *(u64 *)(r10 - 24) = r1${create()}
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r1 = *(u32 *)(r0 + 0)
  r2 = r10
  r2 += -24
  r2 += r1
  r3 = *(u8 *)(r2 + 0)
  goto loop
done:${destroy()}${OUT}` },
  { name: 'a counter used as an index only while below a bound', type: 'socket_filter', source: `
  r1 = 0
  *(u64 *)(r10 - 16) = r1
  *(u64 *)(r10 - 24) = r1${create()}
  r6 = 0
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  if r6 > 15 goto done
  r2 = r10
  r2 += -24
  r2 += r6
  r3 = *(u8 *)(r2 + 0)
  r6 += 1
  goto loop
done:${destroy()}${OUT}` },
  { name: 'leaving the loop early, then destroying', type: 'socket_filter', source: `${create()}
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r1 = *(u32 *)(r0 + 0)
  if r1 == 5 goto done
  goto loop
done:${destroy()}${OUT}` },
  { name: 'two iterators nested', type: 'socket_filter', source: `${create(-8, 0, 4)}
  r6 = 0
outer:${it(-8)}
  call bpf_iter_num_next
  if r0 == 0 goto outer_done${create(-16, 0, 4)}
inner:${it(-16)}
  call bpf_iter_num_next
  if r0 == 0 goto inner_done
  r6 += 1
  goto inner
inner_done:${destroy(-16)}
  goto outer
outer_done:${destroy(-8)}${OUT}` },
  { name: 'the inner iterator of a nest is not destroyed', type: 'socket_filter', source: `${create(-8, 0, 4)}
outer:${it(-8)}
  call bpf_iter_num_next
  if r0 == 0 goto outer_done${create(-16, 0, 4)}
inner:${it(-16)}
  call bpf_iter_num_next
  if r0 != 0 goto inner
  goto outer
outer_done:${destroy(-8)}${OUT}` },
  { name: 'a map lookup in the body', type: 'socket_filter', source: `${create()}
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r1 = *(u32 *)(r0 + 0)
  *(u32 *)(r10 - 12) = r1
  r1 = map_fd(array) ll
  r2 = r10
  r2 += -12
  call bpf_map_lookup_elem
  if r0 == 0 goto loop
  r1 = *(u64 *)(r0 + 0)
  r1 += 1
  *(u64 *)(r0 + 0) = r1
  goto loop
done:${destroy()}${OUT}` },
  { name: 'next() called by a static function on its caller\'s iterator', type: 'socket_filter', source: `${create()}
  r6 = 0
loop:${it()}
  call local step
  if r0 == 0 goto done
  r6 += 1
  goto loop
done:${destroy()}${OUT}
step:
  call bpf_iter_num_next
  if r0 == 0 goto none
  r0 = 1
  exit
none:
  r0 = 0
  exit` },
  { name: 'a static function iterating on its own stack', type: 'socket_filter', source: `
  call local count
  exit
count:${create()}
  r6 = 0
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r6 += 1
  goto loop
done:${destroy()}
  r0 = 0
  exit` },
  { name: 'a non-terminating loop inside the body', type: 'socket_filter', source: `${create()}
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
spin:
  goto spin
done:${destroy()}${OUT}` },
  { name: 'next without new', type: 'socket_filter', source: `${it()}
  call bpf_iter_num_next${OUT}` },
  { name: 'new without destroy', type: 'socket_filter', source: `${create()}${OUT}` },
  { name: 'new twice on one iterator', type: 'socket_filter', source: `${create()}${create()}${OUT}` },
  { name: 'destroy twice', type: 'socket_filter', source: `${create()}${destroy()}${destroy()}${OUT}` },
  { name: 'next after destroy', type: 'socket_filter', source: `${create()}${destroy()}${it()}
  call bpf_iter_num_next${OUT}` },
  { name: 'reading the iterator\'s bytes', type: 'socket_filter', source: `${create()}
  r1 = *(u64 *)(r10 - 8)${destroy()}${OUT}` },
  { name: 'overwriting the iterator with a number', type: 'socket_filter', source: `${create()}
  r1 = 0
  *(u64 *)(r10 - 8) = r1${OUT}` },
  { name: 'overwriting part of the iterator, then destroy', type: 'socket_filter', source: `${create()}
  r1 = 5
  *(u32 *)(r10 - 4) = r1${destroy()}${OUT}` },
  { name: 'an iterator at an unaligned place', type: 'socket_filter', source: `${create(-12)}${destroy(-12)}${OUT}` },
  { name: 'an iterator in a register that is not a stack pointer', type: 'socket_filter', source: `
  r1 = 0
  r2 = 0
  r3 = 10
  call bpf_iter_num_new${OUT}` },
  { name: 'an iterator at the bottom of the stack', type: 'socket_filter', source: `${create(-512)}${destroy(-512)}${OUT}` },
  { name: 'an iterator below the stack', type: 'socket_filter', source: `${create(-520)}${OUT}` },
  { name: 'writing to the yielded number', type: 'socket_filter', source: `${create()}${it()}
  call bpf_iter_num_next
  if r0 == 0 goto out
  r1 = 1
  *(u32 *)(r0 + 0) = r1
out:${destroy()}${OUT}` },
  { name: 'reading past the yielded number', type: 'socket_filter', source: `${create()}${it()}
  call bpf_iter_num_next
  if r0 == 0 goto out
  r1 = *(u64 *)(r0 + 0)
out:${destroy()}${OUT}` },
  { name: 'the yielded pointer without a NULL check', type: 'socket_filter', source: `${create()}${it()}
  call bpf_iter_num_next
  r0 = *(u32 *)(r0 + 0)${destroy()}${OUT}` },
  { name: 'the yielded pointer kept past destroy', type: 'socket_filter', source: `${create()}${it()}
  call bpf_iter_num_next
  r6 = r0${destroy()}
  if r6 == 0 goto out
  r0 = *(u32 *)(r6 + 0)
out:${OUT}` },
  { name: 'a pointer as the range start', type: 'socket_filter', source: `${it()}
  r2 = r10
  r3 = 10
  call bpf_iter_num_new${destroy()}${OUT}` },
  { name: 'the iterator passed to a helper as a map key', type: 'socket_filter', source: `${create()}
  r1 = map_fd(array) ll
  r2 = r10
  r2 += -8
  call bpf_map_lookup_elem${destroy()}${OUT}` },
  { name: 'an iterator loop and a leaked second iterator on one path', type: 'socket_filter', source: `${create()}
loop:${it()}
  call bpf_iter_num_next
  if r0 == 0 goto done
  r1 = *(u32 *)(r0 + 0)
  if r1 != 7 goto loop${create(-16)}
  goto loop
done:${destroy()}${OUT}` },
];
