import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeProgram, encode, make, makeLddw } from './index.js';

const bytes = (...words: bigint[]) => {
  const out = new Uint8Array(words.length * 8);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, w, true));
  return out;
};

test('decodes and re-encodes a lddw pair with its 64-bit immediate', () => {
  const program = bytes(0x5566778800000018n, 0x1122334400000000n, 0x95n);
  const insns = decodeProgram(program);
  assert.equal(insns.length, 3);
  assert.equal(insns[0]!.imm64, 0x1122334455667788n);
  assert.equal(insns[1]!.op.kind, 'lddw-tail');
  assert.deepEqual(encode(insns), program);
});

test('normalises signed division, movsx and atomics', () => {
  assert.deepEqual(make(0x3f, 1, 2, 1, 0).op, { kind: 'alu', width: 64, name: 'sdiv', operand: 'reg' });
  assert.deepEqual(make(0xbc, 1, 2, 16, 0).op, { kind: 'alu', width: 32, name: 'movsx16', operand: 'reg' });
  assert.deepEqual(make(0xdb, 10, 1, -8, 0xf1).op, { kind: 'atomic', size: 8, name: 'cmpxchg', fetch: true });
  assert.deepEqual(makeLddw(1, -1n)[0].imm64, 0xffffffffffffffffn);
});

const malformed: Array<[string, Uint8Array, string, number]> = [
  ['unknown opcode', bytes(0xffn, 0x95n), 'UNKNOWN_OPCODE', 0],
  ['bad register', bytes(0x0bn << 8n | 0xb7n, 0x95n), 'BAD_REGISTER', 0],
  ['non-zero reserved src on imm ALU', bytes(0x10n << 8n | 0x07n, 0x95n), 'RESERVED_FIELD', 0],
  ['truncated program', new Uint8Array(12), 'TRUNCATED', 1],
  ['truncated lddw', bytes(0x95n, 0x18n), 'TRUNCATED_LDDW', 1],
  ['jump past the end', bytes(0x0005n | 5n << 16n, 0x95n), 'JUMP_OUT_OF_RANGE', 0],
  ['jump into a lddw', bytes(0x0005n | 1n << 16n, 0x18n, 0n, 0x95n), 'JUMP_INTO_LDDW', 0],
  ['bad movsx width', bytes(0xbfn | 0x21n << 8n | 7n << 16n, 0x95n), 'BAD_OFFSET', 0],
];

for (const [name, program, code, index] of malformed) {
  test(`rejects ${name}`, () => {
    assert.throws(() => decodeProgram(program), (e: unknown) =>
      e instanceof DecodeError && e.code === code && e.index === index);
  });
}
