/**
 * Programs using maps, packets and ring buffer records, with Linux's verdicts
 * in map-verdicts.json beside this file (recorded as root by
 * `node dist/verifier/testdata/record-map-verdicts.js`, which creates the maps
 * below in the kernel and loads every case).
 */
import type { ProgramType } from '../context.js';
import type { MapInfo } from '../state.js';

/** The maps every case may name, by the number `map_fd(NAME)` assembles to. */
export const MAPS: readonly (MapInfo & { readonly name: string })[] = [
  { name: 'counts', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 16, flags: 0 },
  { name: 'arr', type: 'array', keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 },
  { name: 'rb', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 },
  { name: 'glob', type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 },
  { name: 'ro', type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: 1 << 7 },
  { name: 'progs', type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 },
  { name: 'q', type: 'queue', keySize: 0, valueSize: 8, maxEntries: 4, flags: 0 },
];

export const MAP_NUMBERS: Readonly<Record<string, number>> = Object.fromEntries(MAPS.map((m, i) => [m.name, i]));

export interface MapCase {
  readonly name: string;
  readonly type: ProgramType;
  readonly source: string;
}

const KEY0 = `
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4`;
const LOOKUP = (map: string) => `${KEY0}
  r1 = map_fd(${map}) ll
  call 1`;
/** data in r2, data_end in r3, r4 = data + n; `cmp` leaves for `out` when the bytes are missing. */
const XDP_CHECK = (n: number, cmp: string, body: string) => `
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += ${n}
  ${cmp}
  ${body}
out:
  r0 = 2
  exit`;

const c = (name: string, type: ProgramType, source: string): MapCase => ({ name, type, source });
const sf = (name: string, source: string) => c(name, 'socket_filter', source);
const xdp = (name: string, source: string) => c(name, 'xdp', source);
const tc = (name: string, source: string) => c(name, 'sched_cls', source);

export const MAP_CASES: readonly MapCase[] = [
  sf('lookup without null check', `${LOOKUP('counts')}
  r0 = *(u64 *)(r0 + 0)
  exit`),
  sf('lookup with null check', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r0 = *(u64 *)(r0 + 0)
out:
  exit`),
  sf('lookup null check with jne', `${LOOKUP('counts')}
  if r0 != 0 goto found
  exit
found:
  r0 = *(u32 *)(r0 + 4)
  exit`),
  sf('null branch reads the pointer', `${LOOKUP('counts')}
  if r0 != 0 goto found
  r0 = *(u64 *)(r0 + 0)
  exit
found:
  r0 = 0
  exit`),
  sf('value read past the end', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r0 = *(u64 *)(r0 + 8)
out:
  exit`),
  sf('value read straddling the end', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r0 = *(u32 *)(r0 + 6)
out:
  exit`),
  sf('copy checked through the original', `${LOOKUP('counts')}
  r6 = r0
  if r0 == 0 goto out
  r0 = *(u64 *)(r6 + 0)
out:
  exit`),
  sf('spilled copy checked through the original', `${LOOKUP('counts')}
  *(u64 *)(r10 - 16) = r0
  if r0 == 0 goto out
  r6 = *(u64 *)(r10 - 16)
  r0 = *(u64 *)(r6 + 0)
out:
  exit`),
  sf('arithmetic before null check', `${LOOKUP('counts')}
  r0 += 4
  exit`),
  sf('variable offset within value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r6 = r0
  call 7
  r0 &= 7
  r6 += r0
  r0 = *(u8 *)(r6 + 0)
out:
  exit`),
  sf('variable offset past value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r6 = r0
  call 7
  r0 &= 15
  r6 += r0
  r0 = *(u8 *)(r6 + 0)
out:
  exit`),
  sf('unbounded offset into value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r6 = r0
  call 7
  r6 += r0
  r0 = *(u8 *)(r6 + 0)
out:
  exit`),
  sf('negative offset into value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r0 = *(u8 *)(r0 - 1)
out:
  exit`),
  sf('array constant key elides null check', `${LOOKUP('arr')}
  r0 = *(u64 *)(r0 + 8)
  exit`),
  sf('array out-of-range key needs null check', `
  r1 = 7
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = map_fd(arr) ll
  call 1
  r0 = *(u64 *)(r0 + 8)
  exit`),
  sf('array unknown key needs null check', `
  call 7
  *(u32 *)(r10 - 4) = r0
  r2 = r10
  r2 += -4
  r1 = map_fd(arr) ll
  call 1
  r0 = *(u64 *)(r0 + 8)
  exit`),
  sf('map pointer arithmetic', `${KEY0}
  r1 = map_fd(counts) ll
  r1 += 8
  call 1
  r0 = 0
  exit`),
  sf('map pointer dereference', `
  r1 = map_fd(counts) ll
  r0 = *(u64 *)(r1 + 0)
  exit`),
  sf('key beyond the stack', `
  r2 = r10
  r2 += -2
  r1 = map_fd(counts) ll
  call 1
  r0 = 0
  exit`),
  sf('uninitialised key (privileged)', `
  r2 = r10
  r2 += -8
  r1 = map_fd(counts) ll
  call 1
  r0 = 0
  exit`),
  sf('scalar as key', `
  r2 = 0
  r1 = map_fd(counts) ll
  call 1
  r0 = 0
  exit`),
  sf('scalar as map', `${KEY0}
  r1 = 0
  call 1
  r0 = 0
  exit`),
  sf('update from stack value', `${KEY0}
  r3 = 5
  *(u64 *)(r10 - 16) = r3
  r3 = r10
  r3 += -16
  r4 = 0
  r1 = map_fd(counts) ll
  call 2
  exit`),
  sf('update value crossing stack top', `${KEY0}
  r3 = r10
  r3 += -4
  r4 = 0
  r1 = map_fd(counts) ll
  call 2
  exit`),
  sf('update with map value as value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r3 = r0
  r2 = r10
  r2 += -4
  r4 = 0
  r1 = map_fd(counts) ll
  call 2
out:
  r0 = 0
  exit`),
  sf('write through value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r1 = 1
  *(u64 *)(r0 + 0) = r1
  lock *(u64 *)(r0 + 0) += r1
out:
  r0 = 0
  exit`),
  sf('global data read', `
  r1 = map_value(glob, 4) ll
  r0 = *(u32 *)(r1 + 8)
  exit`),
  sf('global data read past end', `
  r1 = map_value(glob, 4) ll
  r0 = *(u32 *)(r1 + 12)
  exit`),
  sf('global data offset past value', `
  r1 = map_value(glob, 16) ll
  r0 = 0
  exit`),
  sf('direct value of hash', `
  r1 = map_value(counts, 0) ll
  r0 = 0
  exit`),
  sf('write to read-only map', `
  r1 = map_value(ro, 0) ll
  r2 = 1
  *(u32 *)(r1 + 0) = r2
  r0 = 0
  exit`),
  sf('read from read-only map', `
  r1 = map_value(ro, 0) ll
  r0 = *(u32 *)(r1 + 0)
  exit`),
  sf('update of read-only map', `${KEY0}
  r3 = r10
  r3 += -16
  *(u64 *)(r10 - 16) = r1
  *(u64 *)(r10 - 24) = r1
  r4 = 0
  r1 = map_fd(ro) ll
  call 2
  exit`),
  sf('ringbuf reserve and submit', `
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r1 = 7
  *(u64 *)(r0 + 8) = r1
  r1 = r0
  r2 = 0
  call 132
out:
  r0 = 0
  exit`),
  sf('ringbuf reserve leaked', `
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  r0 = 0
  exit`),
  sf('ringbuf leaked on one path', `
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r6 = r0
  call 7
  if r0 > 5 goto out
  r1 = r6
  r2 = 0
  call 133
out:
  r0 = 0
  exit`),
  sf('ringbuf write past record', `
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r1 = 7
  *(u64 *)(r0 + 16) = r1
  r1 = r0
  r2 = 0
  call 132
out:
  r0 = 0
  exit`),
  sf('ringbuf use after submit', `
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  r2 = 0
  call 132
  r0 = *(u64 *)(r6 + 0)
out:
  r0 = 0
  exit`),
  sf('ringbuf submit unchecked', `
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  r1 = r0
  r2 = 0
  call 132
  r0 = 0
  exit`),
  sf('ringbuf variable size', `
  call 7
  r2 = r0
  r1 = map_fd(rb) ll
  r3 = 0
  call 131
  r0 = 0
  exit`),
  sf('ringbuf reserve on hash', `
  r1 = map_fd(counts) ll
  r2 = 16
  r3 = 0
  call 131
  r0 = 0
  exit`),
  sf('ringbuf output from stack', `
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  r2 = r10
  r2 += -8
  r1 = map_fd(rb) ll
  r3 = 8
  r4 = 0
  call 130
  r0 = 0
  exit`),
  sf('tail call leaves r0 unset', `
  r2 = map_fd(progs) ll
  r3 = 0
  call 12
  exit`),
  sf('tail call then return', `
  r2 = map_fd(progs) ll
  r3 = 0
  call 12
  r0 = 0
  exit`),
  sf('tail call into hash', `
  r2 = map_fd(counts) ll
  r3 = 0
  call 12
  r0 = 0
  exit`),
  sf('lookup in prog array', `${LOOKUP('progs')}
  r0 = 0
  exit`),
  sf('queue push and pop', `
  r1 = 3
  *(u64 *)(r10 - 8) = r1
  r2 = r10
  r2 += -8
  r1 = map_fd(q) ll
  r3 = 0
  call 87
  r2 = r10
  r2 += -16
  r1 = map_fd(q) ll
  call 88
  r0 = *(u64 *)(r10 - 16)
  exit`),
  sf('socket filter may not store bytes', `
  r2 = 0
  r3 = r10
  r3 += -8
  *(u64 *)(r10 - 8) = r2
  r4 = 4
  r5 = 0
  call 9
  r0 = 0
  exit`),
  xdp('xdp bounded read', XDP_CHECK(14, 'if r4 > r3 goto out', 'r0 = *(u8 *)(r2 + 13)')),
  xdp('xdp read past bound', XDP_CHECK(14, 'if r4 > r3 goto out', 'r0 = *(u8 *)(r2 + 14)')),
  xdp('xdp taken side of pkt > end has no range', XDP_CHECK(14, 'if r4 <= r3 goto out', 'r0 = *(u8 *)(r2 + 0)')),
  xdp('xdp read through checked pointer', XDP_CHECK(14, 'if r4 > r3 goto out', 'r0 = *(u16 *)(r4 - 2)')),
  xdp('xdp end on the left', XDP_CHECK(8, 'if r3 < r4 goto out', 'r0 = *(u64 *)(r2 + 0)')),
  xdp('xdp end on the left, greater-or-equal', XDP_CHECK(8, 'if r3 >= r4 goto +1\n  goto out', 'r0 = *(u64 *)(r2 + 0)')),
  xdp('xdp end on the left, strict greater', XDP_CHECK(8, 'if r3 > r4 goto +1\n  goto out', 'r0 = *(u8 *)(r2 + 8)')),
  xdp('xdp end on the left, less-or-equal', XDP_CHECK(8, 'if r3 <= r4 goto out', 'r0 = *(u8 *)(r2 + 8)')),
  xdp('xdp less-than jumps to safety', `
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 8
  if r4 < r3 goto ok
  r0 = 1
  exit
ok:
  r0 = *(u32 *)(r2 + 4)
  exit`),
  xdp('xdp strict less-than, eight bytes', XDP_CHECK(8, 'if r4 < r3 goto +1\n  goto out', 'r0 = *(u64 *)(r2 + 0)')),
  xdp('xdp strict less-than, ninth byte', XDP_CHECK(8, 'if r4 < r3 goto +1\n  goto out', 'r0 = *(u8 *)(r2 + 8)')),
  xdp('xdp greater-or-equal, seven bytes', XDP_CHECK(8, 'if r4 >= r3 goto out', 'r0 = *(u32 *)(r2 + 3)')),
  xdp('xdp greater-or-equal, eight bytes', XDP_CHECK(8, 'if r4 >= r3 goto out', 'r0 = *(u64 *)(r2 + 0)')),
  xdp('xdp greater-or-equal, ninth byte', XDP_CHECK(8, 'if r4 >= r3 goto out', 'r0 = *(u8 *)(r2 + 8)')),
  xdp('xdp less-or-equal', XDP_CHECK(8, 'if r4 <= r3 goto +1\n  goto out', 'r0 = *(u64 *)(r2 + 0)')),
  xdp('xdp less-or-equal, ninth byte', XDP_CHECK(8, 'if r4 <= r3 goto +1\n  goto out', 'r0 = *(u8 *)(r2 + 8)')),
  xdp('xdp jmp32 compare proves nothing', XDP_CHECK(8, 'if w4 > w3 goto out', 'r0 = *(u8 *)(r2 + 0)')),
  xdp('xdp at end is decided', `
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 8
  if r4 > r3 goto past
  r0 = 1
  exit
past:
  if r4 > r3 goto out
  r0 = *(u8 *)(r2 + 100)
out:
  r0 = 2
  exit`),
  xdp('xdp unchecked read', `
  r2 = *(u32 *)(r1 + 0)
  r0 = *(u8 *)(r2 + 0)
  exit`),
  xdp('xdp data_end arithmetic', `
  r3 = *(u32 *)(r1 + 4)
  r3 += 1
  r0 = 0
  exit`),
  xdp('xdp variable offset needs a new check', XDP_CHECK(14, 'if r4 > r3 goto out', `r5 = *(u8 *)(r2 + 0)
  r2 += r5
  r0 = *(u8 *)(r2 + 0)`)),
  xdp('xdp variable offset checked again', XDP_CHECK(14, 'if r4 > r3 goto out', `r5 = *(u8 *)(r2 + 0)
  r2 += r5
  r4 = r2
  r4 += 4
  if r4 > r3 goto out
  r0 = *(u32 *)(r2 + 0)`)),
  xdp('xdp unbounded variable offset gets no range', XDP_CHECK(14, 'if r4 > r3 goto out', `r5 = *(u32 *)(r2 + 0)
  r2 += r5
  r4 = r2
  r4 += 4
  if r4 > r3 goto out
  r0 = *(u32 *)(r2 + 0)`)),
  xdp('xdp write into packet', XDP_CHECK(4, 'if r4 > r3 goto out', `r5 = 0
  *(u32 *)(r2 + 0) = r5`)),
  xdp('xdp adjust_head invalidates', XDP_CHECK(4, 'if r4 > r3 goto out', `r6 = r2
  r2 = 0
  call 44
  r0 = *(u8 *)(r6 + 0)`)),
  xdp('xdp range kept in a spilled pointer', XDP_CHECK(4, 'if r4 > r3 goto out', `*(u64 *)(r10 - 8) = r2
  r6 = *(u64 *)(r10 - 8)
  r0 = *(u32 *)(r6 + 0)`)),
  xdp('xdp meta against data', `
  r2 = *(u32 *)(r1 + 8)
  r3 = *(u32 *)(r1 + 0)
  r4 = r2
  r4 += 4
  if r4 > r3 goto +2
  r0 = *(u32 *)(r2 + 0)
  exit
  r0 = 2
  exit`),
  xdp('xdp packet as map key', XDP_CHECK(4, 'if r4 > r3 goto out', `r1 = map_fd(counts) ll
  call 1`)),
  xdp('xdp packet as map key too short', XDP_CHECK(2, 'if r4 > r3 goto out', `r1 = map_fd(counts) ll
  call 1`)),
  xdp('xdp packet to a helper without packet access', XDP_CHECK(8, 'if r4 > r3 goto out', `r1 = map_fd(rb) ll
  r3 = 4
  r4 = 0
  call 130`)),
  tc('tc bounded read', `
  r2 = *(u32 *)(r1 + 76)
  r3 = *(u32 *)(r1 + 80)
  r4 = r2
  r4 += 14
  if r4 > r3 goto +2
  r0 = *(u16 *)(r2 + 12)
  exit
  r0 = 0
  exit`),
  tc('tc store_bytes invalidates packet pointers', `
  r6 = r1
  r2 = *(u32 *)(r1 + 76)
  r3 = *(u32 *)(r1 + 80)
  r4 = r2
  r4 += 14
  if r4 > r3 goto out
  r7 = r2
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  r1 = r6
  r2 = 0
  r3 = r10
  r3 += -8
  r4 = 4
  r5 = 0
  call 9
  r0 = *(u8 *)(r7 + 0)
  exit
out:
  r0 = 0
  exit`),
  tc('tc write mark', `
  r2 = 1
  *(u32 *)(r1 + 8) = r2
  r0 = 0
  exit`),
  tc('tc write len', `
  r2 = 1
  *(u32 *)(r1 + 0) = r2
  r0 = 0
  exit`),
  sf('ld_abs with the context in r6', `
  r6 = r1
  r0 = *(u8 *)skb[12]
  r7 = r0
  r0 = *(u16 *)skb[r7 + 2]
  exit`),
  sf('ld_abs without the context in r6', `
  r0 = *(u8 *)skb[12]
  exit`),
  sf('ld_abs clobbers r1', `
  r6 = r1
  r0 = *(u8 *)skb[12]
  r0 = r1
  exit`),
  sf('ld_ind with an unset index', `
  r6 = r1
  r0 = *(u32 *)skb[r8]
  exit`),
  xdp('ld_abs in xdp', `
  r6 = r1
  r0 = *(u8 *)skb[12]
  exit`),
  sf('ld_abs with a ring buffer record held', `
  r6 = r1
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r7 = r0
  r0 = *(u8 *)skb[12]
  r1 = r7
  r2 = 0
  call 133
out:
  r0 = 0
  exit`),
    sf('array key from an aligned immediate store', `
  *(u32 *)(r10 - 8) = 3
  r2 = r10
  r2 += -8
  r1 = map_fd(arr) ll
  call 1
  r0 = *(u64 *)(r0 + 0)
  exit`),
  sf('array key from an unaligned immediate store', `
  *(u32 *)(r10 - 4) = 3
  r2 = r10
  r2 += -4
  r1 = map_fd(arr) ll
  call 1
  r0 = *(u64 *)(r0 + 0)
  exit`),
  sf('array key from an eight-byte spill', `
  r1 = 1
  *(u64 *)(r10 - 8) = r1
  r2 = r10
  r2 += -8
  r1 = map_fd(arr) ll
  call 1
  r0 = *(u64 *)(r0 + 0)
  exit`),
  sf('non-null map value compared with zero', `${LOOKUP('counts')}
  if r0 == 0 goto out
  if r0 != 0 goto ok
  r0 = *(u64 *)(r0 + 100)
ok:
  r0 = 0
out:
  exit`),
  sf('32-bit null check does not refine', `${LOOKUP('counts')}
  if w0 == 0 goto out
  r0 = *(u64 *)(r0 + 0)
out:
  exit`),
  sf('helper reads past a map value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r1 = map_fd(rb) ll
  r2 = r0
  r3 = 16
  r4 = 0
  call 130
out:
  r0 = 0
  exit`),
  sf('helper reads a map value', `${LOOKUP('counts')}
  if r0 == 0 goto out
  r1 = map_fd(rb) ll
  r2 = r0
  r3 = 8
  r4 = 0
  call 130
out:
  r0 = 0
  exit`),
  sf('ringbuf record of size zero', `
  r1 = map_fd(rb) ll
  r2 = 0
  r3 = 0
  call 131
  if r0 == 0 goto out
  r1 = r0
  r2 = 0
  call 133
out:
  r0 = 0
  exit`),
  sf('ringbuf discard through a moved pointer', `
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r0 += 8
  r1 = r0
  r2 = 0
  call 133
out:
  r0 = 0
  exit`),
  sf('tail call holding a record', `
  r6 = r1
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r7 = r0
  r1 = r6
  r2 = map_fd(progs) ll
  r3 = 0
  call 12
  r1 = r7
  r2 = 0
  call 133
out:
  r0 = 0
  exit`),
  sf('strncmp with a writable map as string', `
  r1 = r10
  r1 += -8
  r2 = 0
  *(u64 *)(r10 - 8) = r2
  r2 = 4
  r3 = map_value(glob, 0) ll
  call 182
  exit`),
  sf('trace_printk of a map value', `
  r1 = map_value(glob, 0) ll
  r2 = 16
  call 6
  exit`),
  c('probe_read_kernel into a record', 'kprobe', `
  r6 = r1
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r7 = r0
  r1 = r0
  r2 = 16
  r3 = *(u64 *)(r6 + 112)
  call 113
  r1 = r7
  r2 = 0
  call 132
out:
  r0 = 0
  exit`),
  c('probe_read_kernel past a record', 'kprobe', `
  r6 = r1
  r1 = map_fd(rb) ll
  r2 = 16
  r3 = 0
  call 131
  if r0 == 0 goto out
  r7 = r0
  r1 = r0
  r2 = 17
  r3 = *(u64 *)(r6 + 112)
  call 113
  r1 = r7
  r2 = 0
  call 132
out:
  r0 = 0
  exit`),
  tc('csum_diff over checked packet bytes', `
  r2 = *(u32 *)(r1 + 76)
  r3 = *(u32 *)(r1 + 80)
  r4 = r2
  r4 += 8
  if r4 > r3 goto out
  r1 = r2
  r2 = 8
  r3 = 0
  r4 = 0
  r5 = 0
  call 28
out:
  r0 = 0
  exit`),
  tc('csum_diff past checked packet bytes', `
  r2 = *(u32 *)(r1 + 76)
  r3 = *(u32 *)(r1 + 80)
  r4 = r2
  r4 += 8
  if r4 > r3 goto out
  r1 = r2
  r2 = 12
  r3 = 0
  r4 = 0
  r5 = 0
  call 28
out:
  r0 = 0
  exit`),
  tc('skb_load_bytes into the packet', `
  r2 = *(u32 *)(r1 + 76)
  r3 = *(u32 *)(r1 + 80)
  r4 = r2
  r4 += 8
  if r4 > r3 goto out
  r3 = r2
  r2 = 0
  r4 = 4
  call 26
out:
  r0 = 0
  exit`),
  xdp('xdp meta read without a check', `
  r2 = *(u32 *)(r1 + 8)
  r0 = *(u8 *)(r2 + 0)
  exit`),
  c('kprobe reads regs and comm', 'kprobe', `
  r6 = *(u64 *)(r1 + 112)
  r1 = r10
  r1 += -16
  r2 = 16
  call 16
  r0 = 0
  exit`),
  c('kprobe past pt_regs', 'kprobe', `
  r0 = *(u64 *)(r1 + 168)
  exit`),
];
