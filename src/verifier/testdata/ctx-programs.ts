/**
 * Small programs over the new program types' contexts (socket pointers,
 * packet pointers, return values, attach-type-dependent helpers), each with
 * the verdict Linux 6.18 gave it: 'accepted' or the verifier's last line.
 * context.test.ts runs them through verify() and, when bpf(2) is permitted,
 * through the running kernel again.
 */
import { type Instruction, make } from '../../isa/index.js';
import { AttachType } from '../../object/program-types.js';
import type { ProbeContext } from './ctx-probe.js';

const ldx = (size: 1 | 4 | 8, dst: number, src: number, off: number) => make({ 1: 0x71, 4: 0x61, 8: 0x79 }[size], dst, src, off, 0);
const stx = (size: 1 | 4, dst: number, src: number, off: number) => make({ 1: 0x73, 4: 0x63 }[size], dst, src, off, 0);
const mov = (dst: number, imm: number) => make(0xb7, dst, 0, 0, imm);
const movReg = (dst: number, src: number) => make(0xbf, dst, src, 0, 0);
const addImm = (dst: number, imm: number) => make(0x07, dst, 0, 0, imm);
const jeq0 = (dst: number, skip: number) => make(0x15, dst, 0, skip, 0);
const jgtReg = (dst: number, src: number, skip: number) => make(0x2d, dst, src, skip, 0);
const call = (id: number) => make(0x85, 0, 0, 0, id);
const exit = make(0x95, 0, 0, 0, 0);

const SOCK_OPS: ProbeContext = { type: 'sock_ops', attach: AttachType.cgroup_sock_ops };
const CONNECT4: ProbeContext = { type: 'cgroup_sock_addr', attach: AttachType.cgroup_inet4_connect };
const BIND4: ProbeContext = { type: 'cgroup_sock_addr', attach: AttachType.cgroup_inet4_bind };
const EGRESS: ProbeContext = { type: 'cgroup_skb', attach: AttachType.cgroup_inet_egress };
const SK_LOOKUP: ProbeContext = { type: 'sk_lookup', attach: AttachType.sk_lookup };
const SK_MSG: ProbeContext = { type: 'sk_msg', attach: AttachType.sk_msg_verdict };

// Context offsets used below.
const SOCK_OPS_SK = 184;
const SOCK_OPS_SKB_DATA = 192;
const SOCK_OPS_SKB_DATA_END = 200;
const SOCK_FAMILY = 4;
const SOCK_ADDR_SK = 64;
const SK_LOOKUP_SK = 0;
const HELPER_BIND = 64;
const HELPER_GET_NETNS_COOKIE = 122;

/** Reads sock_ops' packet (data in R2, data_end in R3), with one byte proven present. */
const sockOpsPacket = [ldx(8, 2, 1, SOCK_OPS_SKB_DATA), ldx(8, 3, 1, SOCK_OPS_SKB_DATA_END), movReg(4, 2), addImm(4, 1), jgtReg(4, 3, 1)];

export interface CtxProgram {
  readonly name: string;
  readonly context: ProbeContext;
  readonly insns: readonly Instruction[];
  /** What Linux said. */
  readonly kernel: string;
}

export const CTX_PROGRAMS: readonly CtxProgram[] = [
  { name: 'sock_ops reads sk->family after a NULL check', context: SOCK_OPS, kernel: 'accepted',
    insns: [ldx(8, 1, 1, SOCK_OPS_SK), jeq0(1, 1), ldx(4, 0, 1, SOCK_FAMILY), mov(0, 1), exit] },
  { name: 'sock_ops reads sk without a NULL check', context: SOCK_OPS, kernel: "R1 invalid mem access 'sock_or_null'",
    insns: [ldx(8, 1, 1, SOCK_OPS_SK), ldx(4, 0, 1, SOCK_FAMILY), mov(0, 1), exit] },
  { name: 'sock_ops moves a socket pointer', context: SOCK_OPS, kernel: 'R1 pointer arithmetic on sock prohibited',
    insns: [ldx(8, 1, 1, SOCK_OPS_SK), jeq0(1, 1), addImm(1, 4), mov(0, 1), exit] },
  { name: 'sock_ops writes into a socket', context: SOCK_OPS, kernel: 'R1 cannot write into sock',
    insns: [mov(2, 0), ldx(8, 1, 1, SOCK_OPS_SK), jeq0(1, 1), stx(4, 1, 2, SOCK_FAMILY), mov(0, 1), exit] },
  { name: 'sock_ops reads a socket field that is not there', context: SOCK_OPS, kernel: 'R1 invalid sock access off=50 size=2',
    insns: [ldx(8, 1, 1, SOCK_OPS_SK), jeq0(1, 1), make(0x69, 0, 1, 50, 0), mov(0, 1), exit] },
  { name: 'sock_ops reads its packet', context: SOCK_OPS, kernel: 'accepted',
    insns: [...sockOpsPacket, ldx(1, 0, 2, 0), mov(0, 1), exit] },
  { name: 'sock_ops writes its packet', context: SOCK_OPS, kernel: 'cannot write into packet',
    insns: [mov(5, 0), ...sockOpsPacket, stx(1, 2, 5, 0), mov(0, 1), exit] },
  { name: 'sock_ops asks the netns cookie of NULL', context: SOCK_OPS, kernel: 'accepted',
    insns: [mov(1, 0), call(HELPER_GET_NETNS_COOKIE), mov(0, 1), exit] },
  { name: 'sock_ops returns 2', context: SOCK_OPS, kernel: 'At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]',
    insns: [mov(0, 2), exit] },
  { name: 'connect4 returns its socket', context: CONNECT4, kernel: 'At program exit the register R0 is not a known value (sock)',
    insns: [ldx(8, 0, 1, SOCK_ADDR_SK), exit] },
  { name: 'connect4 reads sk->family', context: CONNECT4, kernel: 'accepted',
    insns: [ldx(8, 1, 1, SOCK_ADDR_SK), ldx(4, 0, 1, SOCK_FAMILY), mov(0, 1), exit] },
  { name: 'connect4 never finds its socket NULL (the branch is dead)', context: CONNECT4, kernel: 'accepted',
    insns: [ldx(8, 2, 1, SOCK_ADDR_SK), jeq0(2, 1), mov(0, 1), exit] },
  { name: 'connect4 binds', context: CONNECT4, kernel: 'accepted',
    insns: [mov(2, 0), stx(4, 10, 2, -8), stx(4, 10, 2, -4), movReg(2, 10), addImm(2, -8), mov(3, 8), call(HELPER_BIND), mov(0, 1), exit] },
  { name: 'bind4 may not bind', context: BIND4, kernel: 'program of this type cannot use helper bpf_bind#64',
    insns: [mov(2, 0), stx(4, 10, 2, -8), stx(4, 10, 2, -4), movReg(2, 10), addImm(2, -8), mov(3, 8), call(HELPER_BIND), mov(0, 1), exit] },
  { name: 'bind4 returns 3', context: BIND4, kernel: 'accepted', insns: [mov(0, 3), exit] },
  { name: 'cgroup_skb egress returns skb->len', context: EGRESS, kernel: 'At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 3]',
    insns: [ldx(4, 0, 1, 0), exit] },
  { name: 'sk_lookup reads sk without a NULL check', context: SK_LOOKUP, kernel: "R1 invalid mem access 'sock_or_null'",
    insns: [ldx(8, 1, 1, SK_LOOKUP_SK), ldx(4, 0, 1, SOCK_FAMILY), mov(0, 1), exit] },
  { name: 'sk_msg writes its packet', context: SK_MSG, kernel: 'accepted',
    insns: [mov(5, 0), ldx(8, 2, 1, 0), ldx(8, 3, 1, 8), movReg(4, 2), addImm(4, 1), jgtReg(4, 3, 1), stx(1, 2, 5, 0), mov(0, 1), exit] },
];
