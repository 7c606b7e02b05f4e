import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type Instruction, classify, encode, isMalformation, lddwTail, make,
} from '../isa/index.js';
import { assemble, disassemble, type Syntax } from './index.js';

const DSTS = [0, 1, 9, 10];
const SRCS = [0, 1, 9, 10];
const OFFSETS = [-32768, -1, 0, 1, 8, 16, 32, 32767];
const IMMS = [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 16, 32, 64, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];
const IMM64S = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x123456789abcdef0n, (1n << 63n), (1n << 64n) - 1n];

/** Every valid encoding over all opcodes and the edge values of each field. */
function everyEncoding(): Instruction[] {
  const out: Instruction[] = [];
  for (let opcode = 0; opcode < 256; opcode++) {
    for (const dst of DSTS) for (const src of SRCS) for (const offset of OFFSETS) for (const imm of IMMS) {
      const op = classify(opcode, dst, src, offset, imm);
      if (isMalformation(op)) continue;
      if (op.kind === 'lddw') {
        for (const imm64 of IMM64S) {
          const lo = Number(BigInt.asIntN(32, imm64));
          const hi = Number(BigInt.asIntN(32, imm64 >> 32n));
          out.push({ ...make(opcode, dst, src, offset, lo), imm64 }, lddwTail(hi));
        }
        continue;
      }
      out.push({ opcode, dst, src, offset, imm, op });
    }
  }
  return out;
}

const all = everyEncoding();
const bytes = encode(all);

for (const syntax of ['llvm', 'conformance'] as Syntax[]) {
  test(`assemble(disassemble(x)) == x for all ${all.length} valid encodings, ${syntax} syntax`, () => {
    const text = disassemble(all, { syntax });
    const back = encode(assemble(text, { syntax, checkJumps: false }));
    assert.equal(back.length, bytes.length);
    for (let i = 0; i < bytes.length; i += 8) {
      if (!Buffer.from(back.subarray(i, i + 8)).equals(Buffer.from(bytes.subarray(i, i + 8)))) {
        assert.fail(`slot ${i / 8}: ${text.split('\n')[0]}… differs: ${Buffer.from(bytes.subarray(i, i + 8)).toString('hex')} → ${Buffer.from(back.subarray(i, i + 8)).toString('hex')}`);
      }
    }
  });
}

test('the round trip covers every opcode the instruction set defines', () => {
  const opcodes = new Set(all.filter((i) => i.op.kind !== 'lddw-tail').map((i) => i.opcode));
  // ALU 27 + ALU64 26 + JMP 26 + JMP32 23 + LDX 7 + ST 4 + STX 6 + LD 7 (lddw, LD_ABS/LD_IND ×3).
  assert.equal(opcodes.size, 126);
  for (const op of [0x18, 0x20, 0x40, 0x85, 0x8d, 0x95, 0xd7, 0xdb, 0xc3, 0x91, 0x06]) assert.ok(opcodes.has(op), `0x${op.toString(16)}`);
});

const OBJDUMP = '/usr/bin/llvm-objdump-19';
const FIXTURES = fileURLToPath(new URL('../../src/object/testdata/', import.meta.url));

/** The objects' sections as llvm-objdump-19 prints them, with and without raw bytes. */
function objdumpSections(t: { skip(reason: string): void }): Array<{ name: string; withBytes: string; text: string }> | undefined {
  if (!existsSync(OBJDUMP)) {
    t.skip(`${OBJDUMP} is not installed (apt-get install llvm-19)`);
    return undefined;
  }
  const out: Array<{ name: string; withBytes: string; text: string }> = [];
  for (const object of readdirSync(FIXTURES).filter((f) => f.endsWith('.o'))) {
    const split = (s: string) => s.split(/\n(?=Disassembly of section)/).slice(1);
    const withBytes = split(execFileSync(OBJDUMP, ['-d', FIXTURES + object], { encoding: 'utf8' }));
    const text = split(execFileSync(OBJDUMP, ['-d', '--no-show-raw-insn', FIXTURES + object], { encoding: 'utf8' }));
    withBytes.forEach((section, i) => out.push({ name: `${object}: ${section.split('\n')[0]}`, withBytes: section, text: text[i]! }));
  }
  assert.ok(out.length > 0);
  return out;
}

const bytesOf = (section: string) =>
  [...section.matchAll(/^\s*\d+:\t([0-9a-f]{2}(?: [0-9a-f]{2})*)/gm)].map((m) => m[1]!.replace(/ /g, '')).join('');

test('reads an llvm-objdump-19 listing with raw bytes back to exactly those bytes', (t) => {
  for (const { name, withBytes } of objdumpSections(t) ?? []) {
    assert.equal(Buffer.from(encode(assemble(withBytes, { checkJumps: false }))).toString('hex'), bytesOf(withBytes), name);
  }
});

test('reads the text of an llvm-objdump-19 listing to the same instructions, but for local calls', (t) => {
  // Without bytes, llvm-objdump prints a bpf-to-bpf call (src 1) as `call -0x1`, like a helper call.
  const clearCallSrc = (hex: string) =>
    (hex.match(/.{16}/g) ?? []).map((slot) => (slot.startsWith("85") ? `850${slot[3]}${slot.slice(4)}` : slot)).join('');
  for (const { name, withBytes, text } of objdumpSections(t) ?? []) {
    const got = Buffer.from(encode(assemble(text, { checkJumps: false }))).toString('hex');
    assert.equal(clearCallSrc(got), clearCallSrc(bytesOf(withBytes)), name);
  }
});
