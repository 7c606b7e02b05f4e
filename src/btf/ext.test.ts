import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BtfError, enumValueOf, loadBtf, parseBtfExt, resolveLocalAccess, CORE_RELOCATION_KIND_NAMES } from './index.js';
import { parseElf } from '../elf/index.js';
import { fixture } from './testdata.js';

const bytes = readFileSync(fixture('kinds.o'));
const { btf, ext } = loadBtf(bytes);

test('CO-RE relocations of every kind, in source order, with their access strings', () => {
  assert.ok(ext);
  const relocations = ext.coreRelocations.get('xdp')!;
  // One row per builtin in entry() of kinds.c: [root type, access string, kind].
  const expected: Array<[string, string, string]> = [
    ['node', '0:4:1', 'field_byte_offset'], // ctx->anon.y: member 4 (anon), member 1 (y)
    ['node', '0:3:1:2', 'field_byte_offset'], // ctx->either.bytes[2]
    ['bits', '0:1', 'field_byte_offset'],
    ['bits', '0:1', 'field_byte_size'],
    ['bits', '0:2', 'field_exists'],
    ['bits', '0:2', 'field_signed'],
    ['bits', '0:2', 'field_lshift_u64'],
    ['bits', '0:2', 'field_rshift_u64'],
    ['node', '0', 'type_id_local'],
    ['node', '0', 'type_id_target'],
    ['node', '0', 'type_exists'],
    ['node', '0', 'type_size'],
    ['node', '0', 'type_matches'],
    ['color', '2', 'enumval_exists'], // BLUE is enumerator 2
    ['color', '1', 'enumval_value'], // GREEN is enumerator 1
  ];
  const actual = relocations.map((r) => [btf.type(r.typeId).name, r.accessString, r.kind]);
  assert.deepEqual(actual.slice().sort(), expected.slice().sort());
  assert.equal(new Set(relocations.map((r) => r.kind)).size, CORE_RELOCATION_KIND_NAMES.length, 'every kind appears');
  for (const r of relocations) {
    assert.equal(r.insnOffset % 8, 0);
    assert.deepEqual(r.accessor, r.accessString.split(':').map(Number));
  }
  const offsets = relocations.map((r) => r.insnOffset);
  assert.deepEqual(offsets, offsets.slice().sort((a, b) => a - b));
});

test('the access string of ctx->either.bytes[2] walks struct node to the array element', () => {
  const r = ext!.coreRelocations.get('xdp')!.find((x) => x.accessString === '0:3:1:2')!;
  const node = btf.type(r.typeId);
  assert.ok(node.kind === 'struct');
  const either = node.members[r.accessor[1]!]!;
  assert.equal(either.name, 'either');
  const union = btf.resolve(either.type);
  assert.ok(union.kind === 'union' && union.members[r.accessor[2]!]!.name === 'bytes');
});

test('func info names entry in its section and helper in .text', () => {
  const funcs = Object.fromEntries([...ext!.funcInfo].map(([s, list]) => [s, list.map((f) => [f.insnOffset, btf.type(f.typeId).name])]));
  assert.deepEqual(funcs, { xdp: [[0, 'entry']], '.text': [[0, 'helper']] });
});

test('line info points into kinds.c with lines and columns', () => {
  const source = readFileSync(fixture('kinds.c'), 'utf8').split('\n');
  const elf = parseElf(bytes);
  for (const [section, lines] of ext!.lineInfo) {
    const size = elf.section(section)!.size;
    assert.ok(lines.length > 0);
    for (const l of lines) {
      assert.ok(l.fileName.endsWith('kinds.c'), l.fileName);
      assert.ok(l.insnOffset < size);
      // The recorded text is the source line itself.
      assert.equal(l.line, source[l.lineNumber - 1], `line ${l.lineNumber}`);
    }
  }
  assert.ok(ext!.lineInfo.get('xdp')!.some((l) => l.line.includes('ctx->anon.y') && l.column > 0));
});

const extBytes = parseElf(bytes).section('.BTF.ext')!.data;
const patched = (at: number, value: number) => {
  const copy = new Uint8Array(extBytes);
  new DataView(copy.buffer).setUint32(at, value, true);
  return copy;
};
const malformed: Array<[string, Uint8Array, string]> = [
  ['truncated header', extBytes.subarray(0, 10), 'TRUNCATED'],
  ['bad magic', patched(0, 0x1234), 'BAD_MAGIC'],
  ['header longer than the data', patched(4, 1 << 30), 'BAD_HEADER'],
  ['func info past the end', patched(12, 1 << 30), 'SECTION_OUT_OF_RANGE'],
  ['record size too small', (() => {
    const copy = new Uint8Array(extBytes);
    const v = new DataView(copy.buffer);
    v.setUint32(v.getUint32(4, true) + v.getUint32(8, true), 4, true);
    return copy;
  })(), 'BAD_RECORD_SIZE'],
];
for (const [name, data, code] of malformed) {
  test(`.BTF.ext: ${name} gives ${code}`, () => {
    assert.throws(() => parseBtfExt(data, btf), (e: unknown) => e instanceof BtfError && e.code === code);
  });
}

test('access strings resolve in the local BTF to members, elements and offsets', () => {
  const relocations = ext!.coreRelocations.get('xdp')!;
  const field = (access: string) => resolveLocalAccess(btf, relocations.find((r) => r.accessString === access && r.kind === 'field_byte_offset')!);
  const bytes = field('0:3:1:2');
  assert.equal(bytes.text, 'struct node.either.bytes[2]');
  assert.equal(bytes.bitOffset, 192 + 16, 'either at byte 24, element 2 at byte 26');
  const y = field('0:4:1');
  assert.equal(y.text, 'struct node.anon.y');
  assert.equal(y.bitOffset, 224 + 32);
  const b = field('0:1');
  assert.deepEqual(b.steps.at(-1), { kind: 'member', index: 1, name: 'b', type: b.type, bitfieldSize: 5 });
  const value = relocations.find((r) => r.kind === 'enumval_value')!;
  assert.deepEqual(enumValueOf(btf, value), { name: 'GREEN', value: 1n });
  assert.throws(() => resolveLocalAccess(btf, { typeId: value.typeId, accessor: [0, 7] }), (e: unknown) => e instanceof BtfError && e.code === 'BAD_ACCESS_STRING');
});
