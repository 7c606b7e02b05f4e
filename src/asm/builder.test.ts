import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Add, AsmError, Call, JEq, JaLong, Label, LoadImm64, LoadMapPtr, LoadMem, Mov, R0, R1, R2, R10, Return, StoreImm,
  assemble, build,
} from './index.js';
import { encode } from '../isa/index.js';

const same = (a: ReturnType<typeof build>, source: string) =>
  assert.equal(Buffer.from(encode(a)).toString('hex'), Buffer.from(encode(assemble(source))).toString('hex'));

test('builds the same bytes as the assembler, with labels resolved', () => {
  same(build([
    Mov.imm(R0, 0),
    LoadMem(R2, R1, 8, 8),
    JEq.imm(R2, 0, 'out'),
    Add.reg(R0, R2),
    StoreImm(R10, -8, 7, 4),
    LoadImm64(R1, 0x1122334455667788n),
    Call('map_lookup_elem'),
    Label('out'),
    Return(),
  ]), `
    r0 = 0
    r2 = *(u64 *)(r1 + 8)
    if r2 == 0 goto out
    r0 += r2
    *(u32 *)(r10 - 8) = 7
    r1 = 0x1122334455667788 ll
    call bpf_map_lookup_elem
  out:
    exit`);
});

test('counts a lddw as two slots when resolving labels', () => {
  const program = build([JaLong('end'), LoadMapPtr(R1, 3), Label('end'), Return()]);
  assert.equal(program[0]!.imm, 2);
  assert.equal(program.length, 4);
});

test('reports undefined labels and unknown helpers as typed errors', () => {
  assert.throws(() => build([JEq.imm(R1, 0, 'nowhere'), Return()]), (e: unknown) => e instanceof AsmError && e.code === 'UNDEFINED_LABEL');
  assert.throws(() => Call('no_such_helper'), (e: unknown) => e instanceof AsmError && e.code === 'UNKNOWN_HELPER');
  assert.throws(() => build([Mov.imm(11, 0)]), (e: unknown) => e instanceof AsmError && e.code === 'INVALID_INSTRUCTION');
});
