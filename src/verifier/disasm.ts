/**
 * Instructions printed as Linux's verifier log prints them (`print_bpf_insn`
 * in kernel/bpf/disasm.c), e.g. `(b7) r0 = 0` or `(15) if r1 == 0x0 goto pc+1`.
 */
import type { Instruction } from '../isa/index.js';

const ALU_SYMBOL: Record<string, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  mod: '%=', smod: 's%=', xor: '^=', mov: '=', arsh: 's>>=',
};
const JUMP_SYMBOL: Record<string, string> = {
  jeq: '==', jgt: '>', jge: '>=', jset: '&', jne: '!=', jsgt: 's>', jsge: 's>=', jlt: '<', jle: '<=', jslt: 's<', jsle: 's<=',
};
const SIZE_NAME: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };
const ATOMIC_SYMBOL: Record<string, string> = { add: '+=', or: '|=', and: '&=', xor: '^=' };

const off = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** A helper's name for the log, when the caller knows it. */
export type HelperNamer = (id: number) => string | undefined;

/** One instruction in the kernel's log syntax, prefixed by its opcode byte. */
export function formatKernelInsn(insn: Instruction, helperName: HelperNamer = () => undefined, kfuncName?: string): string {
  const code = `(${insn.opcode.toString(16).padStart(2, '0')})`;
  const op = insn.op;
  switch (op.kind) {
    case 'alu': {
      const r = op.width === 64 ? 'r' : 'w';
      const dst = `${r}${insn.dst}`;
      if (op.name === 'neg') return `${code} ${dst} = -${dst}`;
      if (op.name.startsWith('movsx')) return `${code} ${dst} = (s${op.name.slice(5)})${r}${insn.src}`;
      const src = op.operand === 'reg' ? `${r}${insn.src}` : `${insn.imm}`;
      return `${code} ${dst} ${ALU_SYMBOL[op.name]} ${src}`;
    }
    case 'endian':
      if (op.order === 'swap') return `${code} r${insn.dst} = bswap${op.bits} r${insn.dst}`;
      return `${code} r${insn.dst} = ${op.order}${op.bits} r${insn.dst}`;
    case 'ja':
      return op.wide ? `${code} gotol pc${off(insn.imm)}` : `${code} goto pc${off(insn.offset)}`;
    case 'jump': {
      const r = op.width === 64 ? 'r' : 'w';
      const src = op.operand === 'reg' ? `${r}${insn.src}` : hex(insn.imm);
      return `${code} if ${r}${insn.dst} ${JUMP_SYMBOL[op.condition]} ${src} goto pc${off(insn.offset)}`;
    }
    case 'call':
      if (op.target === 'local') return `${code} call pc${off(insn.imm)}`;
      if (op.target === 'kfunc') return kfuncName ? `${code} call ${kfuncName}#${insn.imm}` : `${code} call kernel-function`;
      return `${code} call ${helperName(insn.imm) ? `bpf_${helperName(insn.imm)}` : 'unknown'}#${insn.imm}`;
    case 'callx':
      return `${code} callx r${insn.dst}`;
    case 'exit':
      return `${code} exit`;
    case 'load':
      return `${code} r${insn.dst} = *(${op.signed ? 's' : 'u'}${op.size * 8} *)(r${insn.src} ${off(insn.offset)})`;
    case 'store': {
      const value = op.operand === 'reg' ? `r${insn.src}` : `${insn.imm}`;
      return `${code} *(${SIZE_NAME[op.size]} *)(r${insn.dst} ${off(insn.offset)}) = ${value}`;
    }
    case 'atomic': {
      const at = `*(${SIZE_NAME[op.size]} *)(r${insn.dst} ${off(insn.offset)})`;
      const r = op.size === 8 ? 'r' : 'w';
      if (op.name === 'xchg') return `${code} ${r}${insn.src} = atomic${op.size === 8 ? '64' : ''}_xchg(${at}, ${r}${insn.src})`;
      if (op.name === 'cmpxchg') return `${code} r0 = atomic${op.size === 8 ? '64' : ''}_cmpxchg(${at}, r0, ${r}${insn.src})`;
      if (op.fetch) return `${code} ${r}${insn.src} = atomic${op.size === 8 ? '64' : ''}_fetch_${op.name}(${at}, ${r}${insn.src})`;
      return `${code} lock ${at} ${ATOMIC_SYMBOL[op.name]} ${r}${insn.src}`;
    }
    case 'lddw': {
      const value = insn.imm64 ?? BigInt(insn.imm >>> 0);
      if (op.pseudo === 'map_fd') return `${code} r${insn.dst} = map[id:${insn.imm}]`;
      return `${code} r${insn.dst} = 0x${value.toString(16)}`;
    }
    case 'lddw-tail':
      return '(00) (lddw second half)';
    case 'packet-load':
      return op.mode === 'abs'
        ? `${code} r0 = *(${SIZE_NAME[op.size]} *)skb[${insn.imm}]`
        : `${code} r0 = *(${SIZE_NAME[op.size]} *)skb[r${insn.src} + ${insn.imm}]`;
  }
}
