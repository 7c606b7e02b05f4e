import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BtfError, loadBtf, valueToJson, valueToText } from './index.js';
import { parseElf } from '../elf/index.js';
import { fixture } from './testdata.js';

const bytes = readFileSync(fixture('kinds.o'));
const { btf } = loadBtf(bytes);
const elf = parseElf(bytes);
/** The initial bytes of a global variable, found through the symbol table. */
const global = (name: string) => {
  const sym = elf.symbols().find((s) => s.name === name)!;
  return elf.sections[sym.sectionIndex]!.data.subarray(sym.value, sym.value + sym.size);
};

test('struct bits from .data: bitfields, signedness, enum by name, char array as string', () => {
  const id = btf.named('bits', 'struct')!.id;
  // Initialiser in kinds.c: { .a = 5, .b = 17, .c = -3, .d = 0x1122334455667788ULL, .color = BLUE, .name = "hello" }
  assert.deepEqual(valueToJson(btf, id, global('global_bits')), { a: 5, b: 17, c: -3, d: '1234605616436508552', color: 'BLUE', name: 'hello' });
  assert.equal(valueToText(btf, id, global('global_bits')), '{.a = 5, .b = 17, .c = -3, .d = 1234605616436508552, .color = BLUE, .name = "hello"}');
});

test('signed and 64-bit enums by name, unknown values as numbers', () => {
  assert.equal(valueToJson(btf, btf.named('delta', 'enum')!.id, global('delta_value')), 'MINUS');
  assert.equal(valueToJson(btf, btf.named('wide', 'enum64')!.id, global('wide_value')), 'WIDE_BIG');
  assert.equal(valueToJson(btf, btf.named('color', 'enum')!.id, new Uint8Array([9, 0, 0, 0])), 9);
});

test('struct node: pointers in hex, floats, arrays, unions, anonymous members flattened', () => {
  const id = btf.named('node', 'struct')!.id;
  const size = btf.sizeof(id);
  const value = new Uint8Array(size);
  const view = new DataView(value.buffer);
  view.setBigUint64(0, 0xffff888012345678n, true);
  view.setUint32(24, 0x04030201, true);
  view.setInt32(28, -7, true);
  view.setInt32(32, 8, true);
  view.setUint8(36, 0x61);
  view.setUint32(37, 1000, true);
  view.setFloat32(44, 1.5, true);
  view.setFloat64(48, -0.25, true);
  view.setUint8(64, 200);
  view.setUint16(66, 0x1234, true);
  view.setBigUint64(72, 0x1000n, true);
  view.setInt32(88, -1, true);
  const json = valueToJson(btf, id, value) as Record<string, unknown>;
  assert.equal(json.next, '0xffff888012345678');
  assert.deepEqual(json.either, { word: 0x04030201, bytes: [1, 2, 3, 4] });
  assert.deepEqual(json.anon, { x: -7, y: 8 });
  assert.deepEqual(json.pair, { c: 97, n: 1000 });
  assert.equal(json.f, 1.5);
  assert.equal(json.d, -0.25);
  assert.equal(json.tiny, 'TINY_B');
  assert.equal(json.half, 'HALF_B');
  assert.deepEqual(json.handlers, ['0x1000', '0x0']);
  assert.equal(json.alias_a, -1);
  assert.equal(json.alias_b, 0xffffffff);
  assert.match(valueToText(btf, id, value), /\.pair = \{\.c = 97, \.n = 1000\}.*\.alias_a = -1, \.alias_b = 4294967295\}$/);
});

test('a value shorter than its type is a TRUNCATED BtfError', () => {
  assert.throws(() => valueToJson(btf, btf.named('bits', 'struct')!.id, new Uint8Array(8)), (e: unknown) => e instanceof BtfError && e.code === 'TRUNCATED');
});
