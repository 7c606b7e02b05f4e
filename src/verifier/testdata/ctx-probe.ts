/**
 * Tiny programs that ask the running kernel one question each: may this
 * program type (with this expected attach type) read or write N bytes of its
 * context at offset O, may it return V, may it read N bytes of a socket at O.
 * The answer is 'accepted' or the verifier's last line. Used by
 * record-ctx-access.ts and, live, by context.test.ts.
 */
import { type Instruction, make } from '../../isa/index.js';
import { KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import { AttachType } from '../../object/program-types.js';
import { CTX_SIZE, type ProgramType, defaultAttachType } from '../context.js';

/** A program type with the expected attach type it is loaded with. */
export interface ProbeContext {
  readonly type: ProgramType;
  readonly attach: number;
}

const A = AttachType;
const ATTACH_VARIANTS: Partial<Record<ProgramType, readonly number[]>> = {
  cgroup_skb: [A.cgroup_inet_ingress, A.cgroup_inet_egress],
  cgroup_sock: [A.cgroup_inet_sock_create, A.cgroup_inet_sock_release, A.cgroup_inet4_post_bind, A.cgroup_inet6_post_bind],
  cgroup_sock_addr: [A.cgroup_inet4_bind, A.cgroup_inet6_bind, A.cgroup_inet4_connect, A.cgroup_inet6_connect, A.cgroup_udp4_sendmsg,
    A.cgroup_udp6_sendmsg, A.cgroup_udp4_recvmsg, A.cgroup_udp6_recvmsg, A.cgroup_inet4_getpeername, A.cgroup_inet6_getpeername,
    A.cgroup_inet4_getsockname, A.cgroup_inet6_getsockname],
  cgroup_sockopt: [A.cgroup_getsockopt, A.cgroup_setsockopt],
  sock_ops: [A.cgroup_sock_ops],
  sk_skb: [A.sk_skb_stream_parser, A.sk_skb_stream_verdict],
  sk_msg: [A.sk_msg_verdict],
  cgroup_device: [A.cgroup_device],
  cgroup_sysctl: [A.cgroup_sysctl],
};

/** Every program type and attach type whose context is recorded. */
export function probeContexts(types: readonly ProgramType[]): ProbeContext[] {
  return types.flatMap((type) => (ATTACH_VARIANTS[type] ?? [defaultAttachType(type)]).map((attach) => ({ type, attach })));
}

export const contextKey = (c: ProbeContext) => `${c.type}/${c.attach}`;

/** Offsets probed: a little before the context, and past its end (tracepoints only their first bytes). */
export const PROBE_FROM = -8;
const TRACEPOINT_PROBED = 256;
export const probeTo = (type: ProgramType) => Math.min(CTX_SIZE[type], TRACEPOINT_PROBED) + 16;
export const SIZES = [1, 2, 4, 8] as const;

const LDX: Record<number, number> = { 1: 0x71, 2: 0x69, 4: 0x61, 8: 0x79 };
const STX: Record<number, number> = { 1: 0x73, 2: 0x6b, 4: 0x63, 8: 0x7b };
const MOV_IMM = 0xb7;
const MOV_REG = 0xbf;
const JEQ_IMM = 0x15;
const EXIT = 0x95;
/** Every hook accepts 1 at exit (sock_addr recvmsg hooks accept only 1). */
const ACCEPTED_RETURN = 1;
const exit = (r0 = ACCEPTED_RETURN) => [make(MOV_IMM, 0, 0, 0, r0), make(EXIT, 0, 0, 0, 0)];

export function ask(c: ProbeContext, insns: readonly Instruction[], license = 'GPL'): string {
  try {
    KernelProgram.load({ type: c.type, instructions: insns, license, logLevel: 1, expectedAttachType: c.attach }).close();
    return 'accepted';
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    const lines = e.log.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('processed '));
    return at > 0 ? lines[at - 1]! : lines[lines.length - 1] ?? e.message;
  }
}

/** `r2 = *(size *)(r1 + off)`, or `*(size *)(r1 + off) = r2` with r2 = 0. */
export function probeCtx(c: ProbeContext, off: number, size: number, write: boolean): string {
  const access = write ? [make(MOV_IMM, 2, 0, 0, 0), make(STX[size]!, 1, 2, off, 0)] : [make(LDX[size]!, 2, 1, off, 0)];
  return ask(c, [...access, ...exit()]);
}

/** `r0 = value; exit`, or `r0 = r1` (the context pointer) when value is 'ctx'. */
export function probeReturn(c: ProbeContext, value: number | 'ctx'): string {
  if (value === 'ctx') return ask(c, [make(MOV_REG, 0, 1, 0, 0), make(EXIT, 0, 0, 0, 0)]);
  return ask(c, exit(value));
}

/** Where a socket pointer comes from: cgroup_sock_addr's `sk` (PTR_TO_SOCKET), cgroup_skb's `sk` (PTR_TO_SOCK_COMMON once checked). */
export const SOCK_SOURCES = {
  sock: { context: { type: 'cgroup_sock_addr', attach: A.cgroup_inet4_connect } as ProbeContext, off: 64, nullable: false },
  sock_common: { context: { type: 'cgroup_skb', attach: A.cgroup_inet_ingress } as ProbeContext, off: 168, nullable: true },
} as const;
export const SOCK_PROBED = 96;

/** `r1 = ctx->sk; [if r1 == 0 goto out;] r2 = *(size *)(r1 + off)` (or a store there). */
export function probeSock(kind: keyof typeof SOCK_SOURCES, off: number, size: number, write: boolean): string {
  const src = SOCK_SOURCES[kind];
  const access = write ? [make(MOV_IMM, 2, 0, 0, 0), make(STX[size]!, 1, 2, off, 0)] : [make(LDX[size]!, 2, 1, off, 0)];
  const check = src.nullable ? [make(JEQ_IMM, 1, 0, access.length, 0)] : [];
  return ask(src.context, [make(LDX[8]!, 1, 1, src.off, 0), ...check, ...access, ...exit()]);
}

/** Return values asked about for every context. */
export const RETURN_PROBES: readonly (number | 'ctx')[] = [-1, 0, 1, 2, 3, 4, 'ctx'];
