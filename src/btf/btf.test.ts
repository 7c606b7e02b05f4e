import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BtfError, formatRaw, loadBtf, parseBtf, type BtfType } from './index.js';
import { parseElf } from '../elf/index.js';
import { fixture, sampleObjects, VMLINUX } from './testdata.js';

const { btf } = loadBtf(readFileSync(fixture('kinds.o')));
const one = <K extends BtfType['kind']>(name: string, kind: K) => {
  const t = btf.named(name, kind);
  assert.ok(t, `${kind} ${name} exists`);
  return t;
};

test('void is id 0 and ids are dense from 1', () => {
  assert.deepEqual(btf.type(0), { kind: 'void', id: 0, name: '' });
  btf.types.forEach((t, i) => assert.equal(t.id, i));
  assert.throws(() => btf.type(btf.count), (e: unknown) => e instanceof BtfError && e.code === 'BAD_TYPE_ID');
});

test('struct bits: bitfields with kind_flag, a typedef member, an enum and a char array', () => {
  const bits = one('bits', 'struct');
  assert.equal(bits.size, 32);
  assert.deepEqual(bits.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]), [
    ['a', 0, 3], ['b', 3, 5], ['c', 8, 7], ['d', 64, 0], ['color', 128, 0], ['name', 160, 0],
  ]);
  const c = btf.resolve(bits.members[2]!.type);
  assert.ok(c.kind === 'int' && c.signed && c.size === 4);
  const d = btf.type(bits.members[3]!.type);
  assert.ok(d.kind === 'typedef' && d.name === 'u64');
  assert.equal(btf.sizeof(d.id), 8);
  const name = btf.type(bits.members[5]!.type);
  assert.ok(name.kind === 'array' && name.nelems === 8 && btf.resolve(name.type).name === 'char');
  assert.equal(btf.sizeof(name.id), 8);
});

test('enums: unsigned, signed (kind_flag) and 64-bit', () => {
  const color = one('color', 'enum');
  assert.equal(color.signed, false);
  assert.deepEqual(color.values.map((v) => [v.name, v.value]), [['RED', 0n], ['GREEN', 1n], ['BLUE', 2n]]);
  const delta = one('delta', 'enum');
  assert.equal(delta.signed, true);
  assert.deepEqual(delta.values.map((v) => v.value), [-1n, 1n]);
  const wide = one('wide', 'enum64');
  assert.equal(wide.size, 8);
  assert.deepEqual(wide.values.map((v) => v.value), [1n, 0x123456789n]);
});

test('union, packed struct, anonymous struct, float and function pointer in struct node', () => {
  const either = one('either', 'union');
  assert.deepEqual(either.members.map((m) => [m.name, m.bitOffset]), [['word', 0], ['bytes', 0]]);
  const pair = one('packed_pair', 'struct');
  assert.equal(pair.size, 5);
  assert.equal(btf.alignof(pair.id), 1);
  const node = one('node', 'struct');
  assert.equal(btf.alignof(node.id), 8);
  assert.equal(btf.memberOffset(node.id, 'alias_b').bitOffset, 704, 'members of anonymous unions are found by name');
  assert.throws(() => btf.memberOffset(node.id, 'y'), (e: unknown) => e instanceof BtfError && e.code === 'NOT_FOUND');
  const anon = btf.type(node.members.find((m) => m.name === 'anon')!.type);
  assert.ok(anon.kind === 'struct' && anon.name === '');
  assert.deepEqual(['f', 'd'].map((n) => btf.resolve(node.members.find((m) => m.name === n)!.type)), [
    { kind: 'float', id: btf.named('float')!.id, name: 'float', size: 4 },
    { kind: 'float', id: btf.named('double')!.id, name: 'double', size: 8 },
  ]);
  const callback = btf.type(node.members.find((m) => m.name === 'callback')!.type);
  assert.equal(callback.kind, 'ptr');
  const proto = btf.type((callback as { type: number }).type);
  assert.ok(proto.kind === 'func_proto' && proto.params.length === 2 && !proto.variadic);
  const handlers = btf.type(node.members.find((m) => m.name === 'handlers')!.type);
  assert.ok(handlers.kind === 'array' && handlers.nelems === 2 && btf.resolve(handlers.type).kind === 'ptr');
  assert.deepEqual(['tiny', 'half'].map((n) => btf.sizeof(node.members.find((m) => m.name === n)!.type)), [1, 2]);
});

test('qualifiers and type tags: const volatile int *restrict, int __tag("user") *', () => {
  const node = one('node', 'struct');
  const chain = (id: number) => {
    const kinds: string[] = [];
    for (let t = btf.type(id); ; t = btf.type((t as { type: number }).type)) {
      kinds.push(t.kind === 'type_tag' ? `type_tag:${t.name}` : t.kind);
      if (!('type' in t)) break;
    }
    return kinds;
  };
  assert.deepEqual(chain(node.members.find((m) => m.name === 'cv')!.type), ['restrict', 'ptr', 'const', 'volatile', 'int']);
  assert.deepEqual(chain(node.members.find((m) => m.name === 'user_ptr')!.type), ['ptr', 'type_tag:user', 'int']);
});

test('functions, prototypes (variadic), vars, datasecs, decl tags and forward declarations', () => {
  const helper = one('helper', 'func');
  assert.equal(helper.linkage, 'static');
  const proto = btf.type(helper.type);
  assert.ok(proto.kind === 'func_proto' && proto.variadic && proto.params.length === 1 && proto.params[0]!.name === 'x');
  assert.equal(one('entry', 'func').linkage, 'global');
  assert.equal(one('config_value', 'var').linkage, 'global');
  const rodata = one('.rodata', 'datasec');
  assert.deepEqual(rodata.vars.map((v) => btf.type(v.type).name), ['config_value']);
  assert.deepEqual(one('.data', 'datasec').vars.map((v) => btf.type(v.type).name), ['global_bits', 'wide_value', 'delta_value']);
  assert.ok(one('.data.counters', 'datasec'));
  const tags = btf.types.filter((t) => t.kind === 'decl_tag').map((t) => [t.name, btf.type(t.type).name, t.componentIdx]);
  assert.deepEqual(tags.sort(), [['bits_tag', 'bits', -1], ['cfg', 'config_value', -1], ['func_tag', 'helper', -1], ['member_tag', 'bits', 3]]);
  assert.deepEqual(one('opaque', 'fwd').fwdKind, 'struct');
  assert.throws(() => btf.sizeof(one('opaque', 'fwd').id), (e: unknown) => e instanceof BtfError && e.code === 'NO_SIZE');
});

test('every kind but restrict-free ones is present in the fixture', () => {
  const kinds = new Set(btf.types.map((t) => t.kind));
  for (const kind of ['int', 'ptr', 'array', 'struct', 'union', 'enum', 'enum64', 'fwd', 'typedef', 'volatile', 'const', 'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag']) {
    assert.ok(kinds.has(kind as BtfType['kind']), kind);
  }
});

test('parses the running kernel BTF and resolves task_struct', { skip: existsSync(VMLINUX) ? false : `${VMLINUX} is missing` }, () => {
  const vmlinux = parseBtf(readFileSync(VMLINUX));
  assert.ok(vmlinux.count > 10_000);
  const task = vmlinux.named('task_struct', 'struct')!;
  assert.ok(task.size > 1000);
  assert.equal(vmlinux.memberOffset(task.id, 'pid').member.name, 'pid');
  assert.equal(vmlinux.sizeof(vmlinux.named('pid_t', 'typedef')!.id), 4);
});

/** Encodes raw type records and strings as a BTF blob (little-endian). */
function encodeBtf(records: number[][], strings: string, le = true): Uint8Array {
  const words = records.flat();
  const stringBytes = new TextEncoder().encode(strings);
  const out = new Uint8Array(24 + words.length * 4 + stringBytes.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, le);
  v.setUint8(2, 1);
  v.setUint32(4, 24, le);
  v.setUint32(8, 0, le);
  v.setUint32(12, words.length * 4, le);
  v.setUint32(16, words.length * 4, le);
  v.setUint32(20, stringBytes.length, le);
  words.forEach((w, i) => v.setUint32(24 + i * 4, w, le));
  out.set(stringBytes, 24 + words.length * 4);
  return out;
}

test('split BTF continues the base ids and string offsets', () => {
  const base = btf;
  const baseStrings = parseElf(readFileSync(fixture('kinds.o'))).section('.BTF')!.data;
  const baseStringLength = new DataView(baseStrings.buffer, baseStrings.byteOffset).getUint32(20, true);
  const bits = base.named('bits', 'struct')!.id;
  const int = base.named('int', 'int')!.id;
  const first = base.count;
  // [first] PTR -> bits; [first+1] TYPEDEF bits_ptr -> first; [first+2] STRUCT holder { int n; bits_ptr p; }
  const split = parseBtf(encodeBtf([
    [0, 2 << 24, bits],
    [baseStringLength, 8 << 24, first],
    [baseStringLength + 9, (4 << 24) | 2, 16, baseStringLength + 16, int, 0, baseStringLength + 18, first + 1, 64],
  ], 'bits_ptr\0holder\0n\0p\0'), { base });
  assert.equal(split.count, first + 3);
  assert.equal(split.type(bits), base.type(bits));
  assert.deepEqual(split.type(first + 1), { kind: 'typedef', id: first + 1, name: 'bits_ptr', type: first });
  const holder = split.named('holder', 'struct')!;
  assert.deepEqual(holder.members.map((m) => [m.name, m.bitOffset]), [['n', 0], ['p', 64]]);
  assert.equal(split.sizeof(holder.id), 16);
  assert.equal(split.resolve(first + 1).kind, 'ptr');
  assert.equal(formatRaw(split).split('\n')[0], `[${first}] PTR '(anon)' type_id=${bits}`);
  // A reference past the split's own types is caught.
  assert.throws(() => parseBtf(encodeBtf([[0, 2 << 24, first + 5]], ''), { base }), (e: unknown) => e instanceof BtfError && e.code === 'BAD_TYPE_ID');
});

test('big-endian BTF reads the same as little-endian', () => {
  // [1] INT int size 4 signed 32 bits; [2] ENUM e { A = -2 } signed; [3] STRUCT s { int x: 3 (kind_flag) }
  const records = [
    [1, 1 << 24, 4, (1 << 24) | 32],
    [5, (1 << 31) | (6 << 24) | 1, 4, 7, 0xfffffffe],
    [9, (1 << 31) | (4 << 24) | 1, 4, 11, 1, (3 << 24) | 0],
  ];
  const strings = '\0int\0e\0A\0s\0x\0';
  const little = parseBtf(encodeBtf(records, strings));
  const big = parseBtf(encodeBtf(records, strings, false));
  assert.equal(big.littleEndian, false);
  assert.deepEqual(big.types, little.types);
  assert.deepEqual(big.named('e', 'enum')!.values, [{ name: 'A', value: -2n }]);
  assert.deepEqual(big.named('s', 'struct')!.members, [{ name: 'x', type: 1, bitOffset: 0, bitfieldSize: 3 }]);
});

test('kernel module BTF splits over vmlinux', { skip: existsSync(VMLINUX) && readdirSync('/sys/kernel/btf').length > 1 ? false : 'no module BTF in /sys/kernel/btf' }, () => {
  const base = parseBtf(readFileSync(VMLINUX));
  const module = readdirSync('/sys/kernel/btf').find((m) => m !== 'vmlinux')!;
  const split = parseBtf(readFileSync(`/sys/kernel/btf/${module}`), { base });
  assert.ok(split.count > base.count);
});

const bpftool = (() => {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('raw listing is byte-identical to bpftool for the fixture and sample objects', { skip: bpftool ? false : 'bpftool is not installed' }, () => {
  const files = [fixture('kinds.o'), ...sampleObjects().filter((p) => parseElf(readFileSync(p)).section('.BTF')).filter((_, i) => i % 10 === 0)];
  assert.ok(files.length > 5);
  for (const path of files) {
    const expected = execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(formatRaw(loadBtf(readFileSync(path)).btf), expected, path);
  }
});

test('every sample object with .BTF parses, with its .BTF.ext', () => {
  let withBtf = 0;
  for (const path of sampleObjects()) {
    const elf = parseElf(readFileSync(path));
    if (!elf.section('.BTF')) continue;
    const { btf: parsed, ext } = loadBtf(readFileSync(path));
    assert.ok(parsed.count > 1, path);
    if (elf.section('.BTF.ext')) assert.ok(ext, path);
    withBtf++;
  }
  assert.ok(withBtf > 50, `${withBtf} objects with BTF`);
});
