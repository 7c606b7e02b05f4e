/**
 * The disassembler: instructions → text in LLVM's syntax (as llvm-objdump 19
 * prints it, hex immediates) or the conformance suite's. What it prints, the
 * assembler reads back to the same bytes.
 */
import { type Instruction, type AluName, helperName } from '../isa/index.js';

export type Syntax = 'llvm' | 'conformance';

export interface FormatOptions {
  readonly syntax?: Syntax;
  /** LLVM syntax: print helper calls by name (`call bpf_map_lookup_elem`) rather than id. Default true. */
  readonly helperNames?: boolean;
}

const hex = (n: number | bigint): string => {
  const v = BigInt(n);
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
};
const signed = (n: number): string => (n < 0 ? `-${hex(-n)}` : `+${hex(n)}`);
const decSigned = (n: number): string => (n < 0 ? `${n}` : `+${n}`);

const LLVM_OPS: Record<AluName, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  neg: '', mod: '%=', smod: 's%=', xor: '^=', mov: '=', movsx8: '=', movsx16: '=', movsx32: '=', arsh: 's>>=',
};

const LLVM_CONDITIONS: Record<string, string> = {
  jeq: '==', jne: '!=', jgt: '>', jge: '>=', jlt: '<', jle: '<=', jsgt: 's>', jsge: 's>=', jslt: 's<', jsle: 's<=', jset: '&',
};

const LOCK_TOKENS: Record<string, string> = { add: '+=', or: '|=', and: '&=', xor: '^=' };

function pseudoText(insn: Instruction): string {
  const op = insn.op;
  if (op.kind !== 'lddw') return '';
  const imm64 = insn.imm64 ?? BigInt(insn.imm >>> 0);
  const low = Number(BigInt.asIntN(32, imm64));
  const high = Number(BigInt.asIntN(32, imm64 >> 32n));
  if (op.pseudo === 'imm64') return '';
  const first = op.pseudo === 'func' ? decSigned(low) : `${low}`;
  // The second slot's imm means an offset for the *_value forms; elsewhere it is printed only when set.
  const second = op.pseudo === 'map_value' || op.pseudo === 'map_idx_value' || high !== 0 ? `, ${high}` : '';
  return `${op.pseudo}(${first}${second})`;
}

function llvm(insn: Instruction, options: FormatOptions): string {
  const op = insn.op;
  const r = (n: number, width: 32 | 64 = 64) => `${width === 32 ? 'w' : 'r'}${n}`;
  const mem = (base: number, offset: number) => `(r${base} ${offset < 0 ? '-' : '+'} ${hex(Math.abs(offset))})`;
  switch (op.kind) {
    case 'alu': {
      const dst = r(insn.dst, op.width);
      if (op.name === 'neg') return `${dst} = -${dst}`;
      const src = op.operand === 'reg' ? r(insn.src, op.width) : hex(insn.imm);
      if (op.name.startsWith('movsx')) return `${dst} = (s${op.name.slice(5)})${src}`;
      return `${dst} ${LLVM_OPS[op.name]} ${src}`;
    }
    case 'endian': return `r${insn.dst} = ${op.order === 'swap' ? 'bswap' : op.order}${op.bits} r${insn.dst}`;
    case 'ja': return op.wide ? `gotol ${signed(insn.imm)}` : `goto ${signed(insn.offset)}`;
    case 'jump': {
      const src = op.operand === 'reg' ? r(insn.src, op.width) : hex(insn.imm);
      return `if ${r(insn.dst, op.width)} ${LLVM_CONDITIONS[op.condition]} ${src} goto ${signed(insn.offset)}`;
    }
    case 'call': {
      if (op.target === 'local') return `call pc${decSigned(insn.imm)}`;
      if (op.target === 'kfunc') return insn.offset ? `call kfunc(${insn.imm}, ${insn.offset})` : `call kfunc(${insn.imm})`;
      const name = options.helperNames === false ? undefined : helperName(insn.imm);
      return name ? `call bpf_${name}` : `call ${hex(insn.imm)}`;
    }
    case 'callx': return `callx r${insn.dst}`;
    case 'exit': return 'exit';
    case 'load': return `r${insn.dst} = *(${op.signed ? 's' : 'u'}${op.size * 8} *)${mem(insn.src, insn.offset)}`;
    case 'store': {
      const value = op.operand === 'reg' ? `r${insn.src}` : hex(insn.imm);
      return `*(u${op.size * 8} *)${mem(insn.dst, insn.offset)} = ${value}`;
    }
    case 'atomic': {
      const w = op.size === 4 ? 32 : 64;
      const src = r(insn.src, w);
      const at = `${mem(insn.dst, insn.offset)}`;
      const bare = at.slice(1, -1);
      if (op.name === 'xchg') return `${src} = ${op.size === 4 ? 'xchg32_32' : 'xchg_64'}(${bare}, ${src})`;
      if (op.name === 'cmpxchg') return `${r(0, w)} = ${op.size === 4 ? 'cmpxchg32_32' : 'cmpxchg_64'}(${bare}, ${r(0, w)}, ${src})`;
      if (op.fetch) return `${src} = atomic_fetch_${op.name}((u${w} *)${at}, ${src})`;
      return `lock *(u${w} *)${at} ${LOCK_TOKENS[op.name]} ${src}`;
    }
    case 'lddw': {
      const pseudo = pseudoText(insn);
      return `r${insn.dst} = ${pseudo || hex(insn.imm64 ?? 0n)} ll`;
    }
    case 'lddw-tail': return `.tail ${hex(insn.imm)}`;
    case 'packet-load': {
      const where = op.mode === 'abs' ? hex(insn.imm) : `r${insn.src} ${insn.imm < 0 ? '-' : '+'} ${hex(Math.abs(insn.imm))}`;
      return `r0 = *(u${op.size * 8} *)skb[${where}]`;
    }
  }
}

const SIZE_SUFFIX = { 1: 'b', 2: 'h', 4: 'w', 8: 'dw' } as const;

function conformance(insn: Instruction): string {
  const op = insn.op;
  const r = (n: number) => `%r${n}`;
  const mem = (base: number, offset: number) => `[%r${base}${offset < 0 ? '-' : '+'}${Math.abs(offset)}]`;
  switch (op.kind) {
    case 'alu': {
      const suffix = op.width === 32 ? '32' : '';
      if (op.name === 'neg') return `neg${suffix} ${r(insn.dst)}`;
      if (op.name.startsWith('movsx')) return `movsx${op.name.slice(5)}${op.width} ${r(insn.dst)}, ${r(insn.src)}`;
      const src = op.operand === 'reg' ? r(insn.src) : `${insn.imm}`;
      return `${op.name}${suffix} ${r(insn.dst)}, ${src}`;
    }
    case 'endian': return `${op.order === 'swap' ? 'bswap' : op.order}${op.bits} ${r(insn.dst)}`;
    case 'ja': return op.wide ? `ja32 ${decSigned(insn.imm)}` : `ja ${decSigned(insn.offset)}`;
    case 'jump': {
      const src = op.operand === 'reg' ? r(insn.src) : `${insn.imm}`;
      return `${op.condition}${op.width === 32 ? '32' : ''} ${r(insn.dst)}, ${src}, ${decSigned(insn.offset)}`;
    }
    case 'call':
      if (op.target === 'local') return `call local ${decSigned(insn.imm)}`;
      if (op.target === 'kfunc') return insn.offset ? `call kfunc ${insn.imm}, ${insn.offset}` : `call kfunc ${insn.imm}`;
      return `call ${insn.imm}`;
    case 'callx': return `call ${r(insn.dst)}`;
    case 'exit': return 'exit';
    case 'load': return `ldx${op.signed ? 's' : ''}${SIZE_SUFFIX[op.size]} ${r(insn.dst)}, ${mem(insn.src, insn.offset)}`;
    case 'store':
      return op.operand === 'reg'
        ? `stx${SIZE_SUFFIX[op.size]} ${mem(insn.dst, insn.offset)}, ${r(insn.src)}`
        : `st${SIZE_SUFFIX[op.size]} ${mem(insn.dst, insn.offset)}, ${insn.imm}`;
    case 'atomic': {
      const fetch = op.fetch && op.name !== 'xchg' && op.name !== 'cmpxchg' ? 'fetch ' : '';
      return `lock ${fetch}${op.name}${op.size === 4 ? '32' : ''} ${mem(insn.dst, insn.offset)}, ${r(insn.src)}`;
    }
    case 'lddw': return `lddw ${r(insn.dst)}, ${pseudoText(insn) || hex(insn.imm64 ?? 0n)}`;
    case 'lddw-tail': return `.tail ${insn.imm}`;
    case 'packet-load':
      return op.mode === 'abs'
        ? `ldabs${SIZE_SUFFIX[op.size]} ${insn.imm}`
        : `ldind${SIZE_SUFFIX[op.size]} ${r(insn.src)}, ${insn.imm}`;
  }
}

/**
 * One instruction as text.
 * @example formatInstruction(make(0xb7, 0, 0, 0, 1)) // 'r0 = 0x1'
 */
export function formatInstruction(insn: Instruction, options: FormatOptions = {}): string {
  return (options.syntax ?? 'llvm') === 'llvm' ? llvm(insn, options) : conformance(insn);
}

export interface DisassembleOptions extends FormatOptions {
  /** Prefix each line with its slot number, as llvm-objdump does. Default false. */
  readonly numbered?: boolean;
}

/**
 * A whole program as text, one instruction per line (a lddw's second slot is
 * part of its line). The assembler reads it back to the same bytes.
 */
export function disassemble(insns: readonly Instruction[], options: DisassembleOptions = {}): string {
  const width = String(Math.max(0, insns.length - 1)).length;
  const lines: string[] = [];
  insns.forEach((insn, i) => {
    if (insn.op.kind === 'lddw-tail' && i > 0 && insns[i - 1]!.op.kind === 'lddw') return;
    const text = formatInstruction(insn, options);
    lines.push(options.numbered ? `${String(i).padStart(width)}: ${text}` : text);
  });
  return lines.length ? `${lines.join('\n')}\n` : '';
}
