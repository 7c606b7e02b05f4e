/**
 * Programs that look sockets up, cast them and give them back, with Linux's
 * verdicts in socket-verdicts.json beside this file (recorded as root by
 * `node dist/verifier/testdata/record-socket-verdicts.js`). They cover the
 * reference a lookup acquires: released on every path, dropped by a NULL
 * check, shared by sk_fullsock/tcp_sock casts, gone for every copy once
 * released.
 */
import type { ProgramCase } from './kernel-verdict.js';
import type { MapInfo } from '../state.js';

/** The maps a case may name, by the number `map_fd(NAME)` assembles to. */
export const SOCKET_MAPS: readonly (MapInfo & { readonly name: string })[] = [
  { name: 'rb', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 },
];
export const SOCKET_MAP_NUMBERS: Readonly<Record<string, number>> = Object.fromEntries(SOCKET_MAPS.map((m, i) => [m.name, i]));

export type SocketCase = ProgramCase;

/** `bpf_sk_lookup_*(ctx, &tuple, size, BPF_F_CURRENT_NETNS, 0)` with a zeroed tuple on the stack; the context stays in r6. */
const lookup = (helper = 84, size = 12) => `
  r6 = r1
  r2 = 0
  *(u64 *)(r10 - 8) = r2
  *(u64 *)(r10 - 16) = r2
  r2 = r10
  r2 += -16
  r3 = ${size}
  r4 = -1
  r5 = 0
  call ${helper}`;

const OUT = `
out:
  r0 = 1
  exit`;

/** A socket of skc_lookup_tcp in r6 (out when none), cast by `helper`; `body` runs on the cast's non-NULL side, then r6 is released. */
const cast = (helper: number, body: string) => `${lookup(99)}
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  call ${helper}
  if r0 == 0 goto release${body}
release:
  r1 = r6
  call 86${OUT}`;

/** skb->sk, NULL-checked, in r1. */
const SKB_SK = `
  r1 = *(u64 *)(r1 + 168)
  if r1 == 0 goto out`;

export const SOCKET_CASES: readonly SocketCase[] = [
  { name: 'sk_lookup_tcp, NULL check, sk_release', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'sk_lookup_udp without sk_release leaks', type: 'sched_cls', source: `${lookup(85)}${OUT}` },
  { name: 'a path that skips sk_release leaks', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = *(u32 *)(r0 + 4)
  if r7 == 2 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'bpf_sock fields read between lookup and release', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = *(u32 *)(r0 + 4)
  r8 = *(u32 *)(r0 + 12)
  r9 = *(u16 *)(r0 + 48)
  r7 = *(u32 *)(r0 + 72)
  r1 = r0
  call 86${OUT}` },
  { name: 'read before the NULL check', type: 'sched_cls', source: `${lookup()}
  r7 = *(u32 *)(r0 + 4)${OUT}` },
  { name: 'read past the end of bpf_sock', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = *(u32 *)(r0 + 80)
  r1 = r0
  call 86${OUT}` },
  { name: 'write into a looked-up socket', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r1 = 0
  *(u32 *)(r0 + 16) = r1
  r1 = r0
  call 86${OUT}` },
  { name: 'sk_release twice', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = r0
  call 86
  r1 = r7
  call 86${OUT}` },
  { name: 'read through a copy after sk_release', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = r0
  call 86
  r0 = *(u32 *)(r7 + 4)${OUT}` },
  { name: 'a spilled copy is released too', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  *(u64 *)(r10 - 24) = r0
  r1 = r0
  call 86
  r7 = *(u64 *)(r10 - 24)
  r0 = *(u32 *)(r7 + 4)${OUT}` },
  { name: 'sk_release of the context socket', type: 'sched_cls', source: `${SKB_SK}
  call 86${OUT}` },
  { name: 'sk_release of NULL', type: 'sched_cls', source: `
  r1 = 0
  call 86${OUT}` },
  { name: 'sk_release before the NULL check', type: 'sched_cls', source: `${lookup()}
  r1 = r0
  call 86${OUT}` },
  { name: 'NULL check through a copy', type: 'sched_cls', source: `${lookup()}
  r7 = r0
  if r7 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'NULL check with jne', type: 'sched_cls', source: `${lookup(85)}
  if r0 != 0 goto found
  goto out
found:
  r1 = r0
  call 86${OUT}` },
  { name: 'skc_lookup_tcp, sk_fullsock, read type', type: 'sched_cls', source: cast(95, `
  r7 = *(u32 *)(r0 + 8)`) },
  { name: 'skc_lookup_tcp gives a sock_common without type', type: 'sched_cls', source: `${lookup(99)}
  if r0 == 0 goto out
  r7 = *(u32 *)(r0 + 8)
  r1 = r0
  call 86${OUT}` },
  { name: 'sk_release through sk_fullsock result', type: 'sched_cls', source: `${lookup(99)}
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  call 95
  if r0 == 0 goto release
  r1 = r0
  call 86
  goto out
release:
  r1 = r6
  call 86${OUT}` },
  { name: 'releasing the cast releases the original', type: 'sched_cls', source: `${lookup(99)}
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  call 95
  if r0 == 0 goto release
  r1 = r0
  call 86
  r0 = *(u32 *)(r6 + 4)
  goto out
release:
  r1 = r6
  call 86${OUT}` },
  { name: 'the NULL side of sk_fullsock still holds the reference', type: 'sched_cls', source: `${lookup(99)}
  if r0 == 0 goto out
  r1 = r0
  call 95
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'tcp_sock fields', type: 'sched_cls', source: cast(96, `
  r7 = *(u32 *)(r0 + 0)
  r7 = *(u64 *)(r0 + 80)
  r7 = *(u64 *)(r0 + 88)
  r7 = *(u32 *)(r0 + 108)`) },
  { name: 'tcp_sock u64 counter read as u32', type: 'sched_cls', source: cast(96, `
  r7 = *(u32 *)(r0 + 80)`) },
  { name: 'tcp_sock narrow read', type: 'sched_cls', source: cast(96, `
  r7 = *(u16 *)(r0 + 0)`) },
  { name: 'tcp_sock past the end', type: 'sched_cls', source: cast(96, `
  r7 = *(u32 *)(r0 + 112)`) },
  { name: 'write into tcp_sock', type: 'sched_cls', source: cast(96, `
  r1 = 0
  *(u32 *)(r0 + 0) = r1`) },
  { name: 'pointer arithmetic on tcp_sock', type: 'sched_cls', source: cast(96, `
  r0 += 4`) },
  { name: 'tcp_sock read before its NULL check', type: 'sched_cls', source: `${lookup(99)}
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  call 96
  r7 = *(u32 *)(r0 + 0)
  r1 = r6
  call 86${OUT}` },
  { name: 'sk_release through tcp_sock result', type: 'sched_cls', source: `${lookup(99)}
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  call 96
  if r0 == 0 goto release
  r1 = r0
  call 86
  goto out
release:
  r1 = r6
  call 86${OUT}` },
  { name: 'tcp_sock of the context socket', type: 'sched_cls', source: `${SKB_SK}
  call 96
  if r0 == 0 goto out
  r0 = *(u32 *)(r0 + 4)${OUT}` },
  { name: 'sk_release of a tcp_sock of the context socket', type: 'sched_cls', source: `${SKB_SK}
  call 96
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'sk_fullsock before the NULL check', type: 'sched_cls', source: `${lookup(99)}
  r6 = r0
  r1 = r0
  call 95${OUT}` },
  { name: 'sk_fullsock of NULL', type: 'sched_cls', source: `
  r1 = 0
  call 95${OUT}` },
  { name: 'get_listener_sock needs no release', type: 'sched_cls', source: cast(98, `
  r7 = *(u32 *)(r0 + 4)`) },
  { name: 'sk_release of get_listener_sock result', type: 'sched_cls', source: `${lookup(99)}
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  call 98
  if r0 == 0 goto release
  r1 = r0
  call 86
release:
  r1 = r6
  call 86${OUT}` },
  { name: 'get_listener_sock of the context socket', type: 'cgroup_skb', source: `${SKB_SK}
  call 98
  if r0 == 0 goto out
  r0 = *(u32 *)(r0 + 12)${OUT}` },
  { name: 'pointer arithmetic on a looked-up socket', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r7 += 4
  r1 = r0
  call 86${OUT}` },
  { name: 'pointer arithmetic before the NULL check', type: 'sched_cls', source: `${lookup()}
  r0 += 4${OUT}` },
  { name: 'tuple in the packet', type: 'sched_cls', source: `
  r6 = r1
  r2 = *(u32 *)(r6 + 76)
  r3 = *(u32 *)(r6 + 80)
  r4 = r2
  r4 += 12
  if r4 > r3 goto out
  r1 = r6
  r3 = 12
  r4 = -1
  r5 = 0
  call 84
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'tuple reaching past the checked packet', type: 'sched_cls', source: `
  r6 = r1
  r2 = *(u32 *)(r6 + 76)
  r3 = *(u32 *)(r6 + 80)
  r4 = r2
  r4 += 12
  if r4 > r3 goto out
  r1 = r6
  r3 = 36
  r4 = -1
  r5 = 0
  call 84
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'zero-sized tuple', type: 'sched_cls', source: `${lookup(84, 0)}
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'variable tuple size', type: 'sched_cls', source: `
  r6 = r1
  r2 = 0
  *(u64 *)(r10 - 8) = r2
  *(u64 *)(r10 - 16) = r2
  r3 = *(u32 *)(r6 + 0)
  r3 &= 15
  r2 = r10
  r2 += -16
  r1 = r6
  r4 = -1
  r5 = 0
  call 84
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'uninitialised tuple', type: 'sched_cls', source: `
  r6 = r1
  r2 = r10
  r2 += -16
  r3 = 12
  r4 = -1
  r5 = 0
  call 84
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'lookup without the context', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = r10
  r1 += -16
  r2 = r10
  r2 += -16
  r3 = 12
  r4 = -1
  r5 = 0
  call 85
  r1 = r7
  call 86${OUT}` },
  { name: 'two lookups, both released', type: 'sched_cls', source: `${lookup()}
  r7 = r0
  r1 = r6
  r2 = r10
  r2 += -16
  r3 = 12
  r4 = -1
  r5 = 0
  call 85
  if r0 == 0 goto one
  r1 = r0
  call 86
one:
  if r7 == 0 goto out
  r1 = r7
  call 86${OUT}` },
  { name: 'two lookups, one leaked', type: 'sched_cls', source: `${lookup()}
  r7 = r0
  r1 = r6
  r2 = r10
  r2 += -16
  r3 = 12
  r4 = -1
  r5 = 0
  call 85
  if r0 == 0 goto out
  r1 = r0
  call 86
  if r7 == 0 goto out${OUT}` },
  { name: 'paths joining before the release', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = *(u32 *)(r6 + 0)
  if r1 > 100 goto a
  r8 = 1
  goto b
a:
  r8 = 2
b:
  r1 = r7
  call 86${OUT}` },
  { name: 'released in a static function', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r1 = r0
  call local give_back${OUT}
give_back:
  call 86
  r0 = 0
  exit` },
  { name: 'looked up in a static function, leaked at exit', type: 'sched_cls', source: `
  call local find
  r0 = 1
  exit
find:${lookup()}
  r0 = 0
  exit` },
  { name: 'LD_ABS while holding a socket', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r0 = *(u8 *)skb[0]
  r1 = r7
  call 86${OUT}` },
  { name: 'sk_assign of a looked-up socket', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = r6
  r2 = r0
  r3 = 0
  call 124
  r1 = r7
  call 86${OUT}` },
  { name: 'sk_assign before the NULL check', type: 'sched_cls', source: `${lookup()}
  r7 = r0
  r1 = r6
  r2 = r0
  r3 = 0
  call 124${OUT}` },
  { name: 'sk_assign of the context socket', type: 'sched_cls', source: `
  r6 = r1${SKB_SK}
  r2 = r1
  r1 = r6
  r3 = 0
  call 124${OUT}` },
  { name: 'sk_lookup: sk_release of the context socket', type: 'sk_lookup', source: `
  r1 = *(u64 *)(r1 + 0)
  if r1 == 0 goto out
  call 86${OUT}` },
  { name: 'skb_ecn_set_ce', type: 'sched_cls', source: `
  call 97${OUT}` },
  { name: 'tcp_check_syncookie of a looked-up socket', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = r0
  r2 = r10
  r2 += -64
  r3 = 20
  r4 = r10
  r4 += -96
  r5 = 20
  call 100
  r1 = r7
  call 86${OUT}` },
  { name: 'a socket and a ring buffer record as arguments of one helper', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = map_fd(rb) ll
  r2 = 32
  r3 = 0
  call 131
  if r0 == 0 goto release
  r8 = r0
  r1 = r7
  r2 = r8
  r3 = 20
  r4 = r10
  r4 += -16
  r5 = 20
  call 100
  r1 = r8
  r2 = 0
  call 133
release:
  r1 = r7
  call 86${OUT}` },
  { name: 'xdp: sk_lookup_tcp and sk_release', type: 'xdp', source: `${lookup()}
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'xdp: skc_lookup_tcp leaked', type: 'xdp', source: `${lookup(99)}${OUT}` },
  { name: 'cgroup_skb: lookup, tcp_sock, release', type: 'cgroup_skb', source: cast(96, `
  r7 = *(u32 *)(r0 + 4)`) },
  { name: 'cgroup_skb: sk_fullsock of the context socket', type: 'cgroup_skb', source: `${SKB_SK}
  call 95
  if r0 == 0 goto out
  r0 = *(u32 *)(r0 + 8)${OUT}` },
  { name: 'cgroup_sock_addr: lookup and release', type: 'cgroup_sock_addr', source: `${lookup(85)}
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'xdp: zero-sized tuple', type: 'xdp', source: `${lookup(85, 0)}
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'cgroup_sock_addr: zero-sized tuple', type: 'cgroup_sock_addr', source: `${lookup(99, 0)}
  if r0 == 0 goto out
  r1 = r0
  call 86${OUT}` },
  { name: 'tcp_check_syncookie with a zero-sized header', type: 'sched_cls', source: `${lookup()}
  if r0 == 0 goto out
  r7 = r0
  r1 = r0
  r2 = r10
  r2 += -64
  r3 = 0
  r4 = r10
  r4 += -96
  r5 = 20
  call 100
  r1 = r7
  call 86${OUT}` },
  { name: 'sk_skb: lookup leaked', type: 'sk_skb', source: `${lookup()}${OUT}` },
  { name: 'socket_filter may not look sockets up', type: 'socket_filter', source: `${lookup()}${OUT}` },
];
