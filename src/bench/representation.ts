/**
 * Why the interpreter keeps registers as int32 halves. Two miniature
 * interpreters with the same decoded form and the same switch dispatch as the
 * real one, differing only in the register file — BigUint64Array (every value
 * a BigInt, stores wrap to 64 bits) or Int32Array halves — run the same
 * programs (sum loop, trial-division primes, FNV-1a over memory).
 *
 * On Node 20, V8 lowers BigInt add/sub/mul/compare on BigUint64Array to plain
 * 64-bit arithmetic, so the BigInt file wins the first two; but byte loads
 * (BigInt(view.getUint8(...))) and shifts allocate, and the halves win FNV
 * and every load- or shift-heavy program (packet parsing: the common case).
 */
import type { Instruction } from '../isa/index.js';
import { type BenchRow, type BenchSuite, measure } from './harness.js';
import { type BenchProgram, fnv1a, primes, sumLoop } from './programs.js';

const enum K { MOV, ADD, SUB, MUL, MOD, XOR, RSH, LDXB, JNE, JEQ, JGT, JLT, JA, LDDW, EXIT }

interface Mini { code: Uint8Array; dst: Uint8Array; src: Int32Array; aux: Int32Array; imm: bigint[] }

/** Decodes the subset both miniatures understand; immediates get register slots 11 + i. */
function decodeMini(program: readonly Instruction[]): Mini {
  const n = program.length;
  const m: Mini = { code: new Uint8Array(n), dst: new Uint8Array(n), src: new Int32Array(n), aux: new Int32Array(n), imm: [] };
  const names: Record<string, K> = { mov: K.MOV, add: K.ADD, sub: K.SUB, mul: K.MUL, mod: K.MOD, xor: K.XOR, rsh: K.RSH, jne: K.JNE, jeq: K.JEQ, jgt: K.JGT, jlt: K.JLT };
  program.forEach((insn, i) => {
    const op = insn.op;
    m.dst[i] = insn.dst;
    m.src[i] = insn.src;
    m.imm[i] = BigInt.asUintN(64, BigInt(insn.imm));
    if (op.kind === 'alu' || op.kind === 'jump') {
      const name = op.kind === 'alu' ? op.name : op.condition;
      if (names[name] === undefined || op.width !== 64) throw new Error(`miniature cannot run ${name}`);
      m.code[i] = names[name]!;
      if (op.operand === 'imm') m.src[i] = 11 + i;
      m.aux[i] = i + 1 + insn.offset;
    } else if (op.kind === 'ja') {
      m.code[i] = K.JA;
      m.aux[i] = i + 1 + insn.offset;
    } else if (op.kind === 'lddw' && op.pseudo === 'imm64') {
      m.code[i] = K.LDDW;
      m.src[i] = 11 + i;
      m.imm[i] = insn.imm64!;
    } else if (op.kind === 'lddw-tail') {
      m.code[i] = K.EXIT; // never reached: LDDW skips it
    } else if (op.kind === 'load' && op.size === 1 && !op.signed) {
      m.code[i] = K.LDXB;
      m.aux[i] = insn.offset;
    } else if (op.kind === 'exit') {
      m.code[i] = K.EXIT;
    } else {
      throw new Error(`miniature cannot run ${op.kind}`);
    }
  });
  return m;
}

/** Input memory at address 0 (r1 = 0, r2 = length); the miniatures do no bounds checks. */
function runBigInt(m: Mini, view: DataView): bigint {
  const { code, dst, src, aux } = m;
  const R = new BigUint64Array(11 + code.length);
  R[2] = BigInt(view.byteLength);
  m.imm.forEach((v, i) => { R[11 + i] = v; });
  let pc = 0;
  for (;;) {
    const i = pc++;
    const d = dst[i]!, s = src[i]!;
    switch (code[i]) {
      case K.MOV: R[d] = R[s]!; break;
      case K.ADD: R[d] = R[d]! + R[s]!; break;
      case K.SUB: R[d] = R[d]! - R[s]!; break;
      case K.MUL: R[d] = R[d]! * R[s]!; break;
      case K.MOD: if (R[s] !== 0n) R[d] = R[d]! % R[s]!; break;
      case K.XOR: R[d] = R[d]! ^ R[s]!; break;
      case K.RSH: R[d] = R[d]! >> (R[s]! & 63n); break;
      case K.LDXB: R[d] = BigInt(view.getUint8(Number(R[s]!) + aux[i]!)); break;
      case K.JNE: if (R[d] !== R[s]) pc = aux[i]!; break;
      case K.JEQ: if (R[d] === R[s]) pc = aux[i]!; break;
      case K.JGT: if (R[d]! > R[s]!) pc = aux[i]!; break;
      case K.JLT: if (R[d]! < R[s]!) pc = aux[i]!; break;
      case K.JA: pc = aux[i]!; break;
      case K.LDDW: R[d] = R[s]!; pc++; break;
      default: return R[0]!;
    }
  }
}

function runHalves(m: Mini, view: DataView): bigint {
  const { code, dst, src, aux } = m;
  const L = new Int32Array(11 + code.length);
  const H = new Int32Array(11 + code.length);
  L[2] = view.byteLength;
  m.imm.forEach((v, i) => { L[11 + i] = Number(BigInt.asIntN(32, v)); H[11 + i] = Number(BigInt.asIntN(32, v >> 32n)); });
  const ugt = (ah: number, al: number, bh: number, bl: number) => (ah !== bh ? (ah >>> 0) > (bh >>> 0) : (al >>> 0) > (bl >>> 0));
  let pc = 0;
  for (;;) {
    const i = pc++;
    const d = dst[i]!, s = src[i]!;
    switch (code[i]) {
      case K.MOV: L[d] = L[s]!; H[d] = H[s]!; break;
      case K.ADD: { const lo = (L[d]! >>> 0) + (L[s]! >>> 0); L[d] = lo | 0; H[d] = (H[d]! + H[s]! + (lo > 0xffffffff ? 1 : 0)) | 0; break; }
      case K.SUB: { const lo = (L[d]! >>> 0) - (L[s]! >>> 0); L[d] = lo | 0; H[d] = (H[d]! - H[s]! - (lo < 0 ? 1 : 0)) | 0; break; }
      case K.MUL: {
        const a = L[d]! >>> 0, b = L[s]! >>> 0;
        const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
        const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
        const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
        const high = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
        H[d] = (high + Math.imul(L[d]!, H[s]!) + Math.imul(H[d]!, L[s]!)) | 0;
        L[d] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
        break;
      }
      case K.MOD:
        if (H[d] === 0 && H[s] === 0) { const b = L[s]! >>> 0; if (b !== 0) L[d] = ((L[d]! >>> 0) % b) | 0; }
        else throw new Error('miniature: 64-bit mod not implemented');
        break;
      case K.XOR: L[d] = L[d]! ^ L[s]!; H[d] = H[d]! ^ H[s]!; break;
      case K.RSH: {
        const n = L[s]! & 63;
        if (n >= 32) L[d] = H[d]! >>> (n - 32), H[d] = 0;
        else if (n !== 0) L[d] = (L[d]! >>> n) | (H[d]! << (32 - n)), H[d] = H[d]! >>> n;
        break;
      }
      case K.LDXB: L[d] = view.getUint8(H[s]! * 4294967296 + (L[s]! >>> 0) + aux[i]!); H[d] = 0; break;
      case K.JNE: if (L[d] !== L[s] || H[d] !== H[s]) pc = aux[i]!; break;
      case K.JEQ: if (L[d] === L[s] && H[d] === H[s]) pc = aux[i]!; break;
      case K.JGT: if (ugt(H[d]!, L[d]!, H[s]!, L[s]!)) pc = aux[i]!; break;
      case K.JLT: if (ugt(H[s]!, L[s]!, H[d]!, L[d]!)) pc = aux[i]!; break;
      case K.JA: pc = aux[i]!; break;
      case K.LDDW: L[d] = L[s]!; H[d] = H[s]!; pc++; break;
      default: return (BigInt(H[0]! >>> 0) << 32n) | BigInt(L[0]! >>> 0);
    }
  }
}

export const representationSuite: BenchSuite = {
  name: 'registers',
  run(): BenchRow[] {
    const rows: BenchRow[] = [];
    const programs: BenchProgram[] = [sumLoop(100_000), primes(10_000), fnv1a(65_536)];
    for (const p of programs) {
      const mini = decodeMini(p.program);
      const view = new DataView((p.memory ?? new Uint8Array(0)).slice().buffer);
      for (const [name, fn] of [['BigUint64Array', runBigInt], ['int32 halves', runHalves]] as const) {
        if (fn(mini, view) !== p.expected) throw new Error(`${name} miniature computed a wrong ${p.name}`);
        rows.push({ case: `${p.name}, ${name}`, nsPerRun: measure(() => fn(mini, view), { samples: 9 }) });
      }
    }
    return rows;
  },
};
