import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ElfError, parseElf, SectionType, SymbolBinding, SymbolType, type ElfFile } from './index.js';

const SAMPLES = fileURLToPath(new URL('../../../shared/ebpf-samples/', import.meta.url));

function objects(dir = SAMPLES): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'prevail-expected') out.push(...objects(path));
    } else if (!/\.(md|json|c|h|txt|sh|yaml)$/.test(entry)) {
      out.push(path);
    }
  }
  return out.sort();
}

/** Reads everything the object loader will ask for, so lazy parts are checked too. */
function readAll(elf: ElfFile): void {
  for (const table of elf.sections.filter((s) => s.type === SectionType.SYMTAB)) elf.symbols(table);
  elf.relocationSections();
  for (const s of elf.sections.filter((s) => s.type === SectionType.NOTE)) elf.notes(s);
}

const all = objects();
const isInvalid = (path: string) => path.includes('/invalid/');

test('finds the 262 sample objects', () => {
  assert.equal(all.length, 262);
});

test('parses every valid sample object fully', () => {
  for (const path of all.filter((p) => !isInvalid(p))) {
    const elf = parseElf(readFileSync(path));
    readAll(elf);
    assert.ok(elf.sections.length > 0, path);
    assert.ok([0, 247].includes(elf.header.machine), `${path}: e_machine ${elf.header.machine} is BPF (or unset by old LLVM)`);
  }
});

// PREVAIL's loader rejects these two (elf_inventory.json); so must we, with a typed error.
const expectedInvalid: Array<[string, string]> = [
  ['806cc077e56f0ec32236c99055714f63649e7a38', 'SECTION_OUT_OF_RANGE'],
  ['badsymsize.o', 'BAD_ENTRY_SIZE'],
  // llvm-readelf also refuses it: a section name offset past the name table.
  ['c049438cf649269921736e7306231385350dea58', 'BAD_STRING'],
];
for (const [name, code] of expectedInvalid) {
  test(`rejects invalid/${name} with ${code}`, () => {
    const bytes = readFileSync(join(SAMPLES, 'invalid', name));
    assert.throws(() => readAll(parseElf(bytes)), (e: unknown) => e instanceof ElfError && e.code === code);
  });
}

test('every invalid sample either parses or fails with an ElfError', () => {
  for (const path of all.filter(isInvalid)) {
    try {
      readAll(parseElf(readFileSync(path)));
    } catch (e) {
      assert.ok(e instanceof ElfError, `${path}: ${e}`);
    }
  }
});

const readelf = ['llvm-readelf-19', 'llvm-readelf-14'].find((tool) => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

test('section and symbol tables agree with llvm-readelf', { skip: readelf ? false : 'llvm-readelf is not installed' }, () => {
  const sample = all.filter((p) => !isInvalid(p)).filter((_, i) => i % 13 === 0);
  assert.ok(sample.length >= 15);
  for (const path of sample) {
    const elf = parseElf(readFileSync(path));
    const out = execFileSync(readelf!, ['-S', '-s', '--wide', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const sectionCount = Number(/There are (\d+) section headers/.exec(out)![1]);
    assert.equal(elf.sections.length, sectionCount, path);
    const names = [...out.matchAll(/^\s*\[\s*(\d+)\]\s(\S*)\s+([A-Z_0-9]+)\s/gm)].map((m) => m[2]);
    assert.deepEqual(elf.sections.slice(1).map((s) => s.name), names.slice(1).map((n) => n ?? ''), path);
    const symMatch = /Symbol table '\.symtab' contains (\d+) entries/.exec(out);
    assert.equal(elf.symbols().length, symMatch ? Number(symMatch[1]) : 0, path);
    // Spot-check binding and type of global functions against readelf's table.
    const rows = [...out.matchAll(/^\s*(\d+): ([0-9a-f]+)\s+(\d+) (\w+)\s+(\w+)\s+\w+\s+\S+ (\S+)$/gm)];
    for (const row of rows) {
      const sym = elf.symbols()[Number(row[1])]!;
      assert.equal(sym.value, parseInt(row[2]!, 16), `${path} symbol ${row[1]}`);
      assert.equal(sym.size, Number(row[3]), `${path} symbol ${row[1]}`);
      const type = { NOTYPE: SymbolType.NOTYPE, OBJECT: SymbolType.OBJECT, FUNC: SymbolType.FUNC, SECTION: SymbolType.SECTION, FILE: SymbolType.FILE }[row[4]!];
      if (type !== undefined) assert.equal(sym.type, type, `${path} symbol ${row[1]} type`);
      const binding = { LOCAL: SymbolBinding.LOCAL, GLOBAL: SymbolBinding.GLOBAL, WEAK: SymbolBinding.WEAK }[row[5]!];
      if (binding !== undefined) assert.equal(sym.binding, binding, `${path} symbol ${row[1]} binding`);
    }
  }
});

test('reads REL relocations of a legacy-maps object', () => {
  const elf = parseElf(readFileSync(join(SAMPLES, 'invalid', 'badsymsize.o')));
  const rel = elf.relocationSections().find((r) => r.section.name === '.relxdp_redirect_map')!;
  assert.equal(rel.target.name, 'xdp_redirect_map');
  assert.equal(rel.entries.length, 2);
  assert.equal(rel.entries[0]!.addend, undefined);
});

const header = (patch: (b: Uint8Array) => void) => {
  const b = new Uint8Array(readFileSync(all.find((p) => !isInvalid(p))!));
  patch(b);
  return b;
};
const malformed: Array<[string, Uint8Array, string]> = [
  ['empty input', new Uint8Array(0), 'TRUNCATED'],
  ['bad magic', header((b) => (b[1] = 0x46)), 'BAD_MAGIC'],
  ['ELF32', header((b) => (b[4] = 1)), 'UNSUPPORTED_CLASS'],
  ['unknown class', header((b) => (b[4] = 9)), 'UNSUPPORTED_CLASS'],
  ['unknown byte order', header((b) => (b[5] = 3)), 'BAD_ENDIANNESS'],
  ['bad version', header((b) => (b[20] = 7)), 'BAD_VERSION'],
  ['short header', header((b) => b.fill(0, 16)).subarray(0, 40), 'TRUNCATED'],
  ['forged section count', header((b) => new DataView(b.buffer).setUint16(60, 0xfff0, true)), 'SECTION_OUT_OF_RANGE'],
  ['section headers past the end', header((b) => new DataView(b.buffer).setBigUint64(40, 1n << 40n, true)), 'SECTION_OUT_OF_RANGE'],
  ['name table index out of range', header((b) => new DataView(b.buffer).setUint16(62, 0xfff0, true)), 'BAD_SECTION_INDEX'],
  ['small section entry size', header((b) => new DataView(b.buffer).setUint16(58, 10, true)), 'BAD_ENTRY_SIZE'],
];
for (const [name, bytes, code] of malformed) {
  test(`rejects ${name} with ${code}`, () => {
    assert.throws(() => readAll(parseElf(bytes)), (e: unknown) => e instanceof ElfError && e.code === code);
  });
}

test('reads a big-endian object the same as its little-endian twin', () => {
  const le = join(SAMPLES, 'cilium-ebpf');
  const files = readdirSync(le).filter((f) => f.endsWith('-el.elf'));
  assert.ok(files.length > 0);
  // No big-endian sample is shipped, so byte-swap a little-endian one field by field.
  const bytes = new Uint8Array(readFileSync(join(le, files[0]!)));
  const little = parseElf(bytes);
  const big = toBigEndian(bytes, little);
  const parsed = parseElf(big);
  assert.equal(parsed.header.littleEndian, false);
  assert.deepEqual(parsed.sections.map((s) => [s.name, s.type, s.size]), little.sections.map((s) => [s.name, s.type, s.size]));
  assert.deepEqual(parsed.symbols(), little.symbols());
  assert.deepEqual(parsed.relocationSections().map((r) => r.entries), little.relocationSections().map((r) => r.entries));
});

/** Rewrites the header, section headers, symbols and relocations of an object in big-endian order. */
function toBigEndian(src: Uint8Array, elf: ElfFile): Uint8Array {
  const out = new Uint8Array(src);
  const r = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const w = new DataView(out.buffer);
  const swap = (at: number, size: 2 | 4 | 8) => {
    if (size === 2) w.setUint16(at, r.getUint16(at, true));
    else if (size === 4) w.setUint32(at, r.getUint32(at, true));
    else w.setBigUint64(at, r.getBigUint64(at, true));
  };
  out[5] = 2;
  for (const [at, size] of [[16, 2], [18, 2], [20, 4], [24, 8], [32, 8], [40, 8], [48, 4], [52, 2], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2]] as const) swap(at, size);
  for (let i = 0; i < elf.sections.length; i++) {
    const base = elf.header.sectionHeaderOffset + i * 64;
    for (const [at, size] of [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8]] as const) swap(base + at, size);
    const s = elf.sections[i]!;
    if (s.type === SectionType.SYMTAB) {
      for (let at = s.offset; at < s.offset + s.size; at += 24) {
        swap(at, 4);
        swap(at + 6, 2);
        swap(at + 8, 8);
        swap(at + 16, 8);
      }
    }
    if (s.type === SectionType.REL || s.type === SectionType.RELA) {
      const entry = s.type === SectionType.REL ? 16 : 24;
      for (let at = s.offset; at < s.offset + s.size; at += entry) {
        swap(at, 8);
        // r_info is one 64-bit field: symbol in the high half, type in the low half.
        swap(at + 8, 8);
        if (entry === 24) swap(at + 16, 8);
      }
    }
  }
  return out;
}

test('fuzz: truncations and mutations give only ElfError, fast, and never allocate from forged sizes', () => {
  let seed = 0x1234567;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const pick = all.filter((p) => statSync(p).size < 200_000);
  const started = Date.now();
  const heapBefore = process.memoryUsage().arrayBuffers;
  let errors = 0;
  const attempt = (bytes: Uint8Array) => {
    try {
      readAll(parseElf(bytes));
    } catch (e) {
      if (!(e instanceof ElfError)) throw new Error(`non-ElfError: ${e}`, { cause: e });
      errors++;
    }
  };
  for (let n = 0; n < 12; n++) {
    const bytes = new Uint8Array(readFileSync(pick[Math.floor(random() * pick.length)]!));
    const elf = parseElf(bytes);
    // Truncate at every structural boundary: header, each section header, each section's start and end.
    const cuts = new Set<number>([0, 4, 15, 16, 63, 64]);
    for (const s of elf.sections) {
      cuts.add(s.offset).add(s.offset + s.size - 1).add(s.offset + Math.floor(s.size / 2));
      cuts.add(elf.header.sectionHeaderOffset + s.index * 64 + 32);
    }
    for (const cut of cuts) if (cut >= 0 && cut < bytes.length) attempt(bytes.subarray(0, cut));
    for (let m = 0; m < 300; m++) {
      const mutated = new Uint8Array(bytes);
      const flips = 1 + Math.floor(random() * 8);
      for (let f = 0; f < flips; f++) {
        // Aim half the mutations at the header and section headers, where sizes live.
        const inHeaders = random() < 0.5;
        const at = inHeaders
          ? random() < 0.3 ? Math.floor(random() * 64) : elf.header.sectionHeaderOffset + Math.floor(random() * elf.sections.length * 64)
          : Math.floor(random() * bytes.length);
        if (at < mutated.length) mutated[at] = random() < 0.5 ? 0xff : Math.floor(random() * 256);
      }
      attempt(mutated);
    }
  }
  assert.ok(errors > 100, `only ${errors} mutated inputs were rejected`);
  assert.ok(Date.now() - started < 10_000, 'fuzzing took too long');
  assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 256 << 20, 'a forged size caused a large allocation');
});

/** A minimal ELF64 relocatable: a null section, the given sections, then .shstrtab. */
function buildElf(sections: Array<{ name: string; type: number; data: Uint8Array; link?: number; info?: number; entsize?: number }>): Uint8Array {
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const nameOffsets: number[] = [];
  let table = '';
  for (const n of names) {
    nameOffsets.push(table.length);
    table += `${n}\0`;
  }
  const all = [...sections, { name: '.shstrtab', type: SectionType.STRTAB, data: new TextEncoder().encode(table) }];
  let offset = 64;
  const placed = all.map((s) => {
    const at = offset;
    offset += (s.data.length + 7) & ~7;
    return at;
  });
  const shoff = offset;
  const out = new Uint8Array(shoff + (all.length + 1) * 64);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 1, true);
  v.setUint16(18, 247, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, 64, true);
  v.setUint16(58, 64, true);
  v.setUint16(60, all.length + 1, true);
  v.setUint16(62, all.length, true);
  all.forEach((s, i) => {
    out.set(s.data, placed[i]!);
    const h = shoff + (i + 1) * 64;
    v.setUint32(h, nameOffsets[i + 1]!, true);
    v.setUint32(h + 4, s.type, true);
    v.setBigUint64(h + 24, BigInt(placed[i]!), true);
    v.setBigUint64(h + 32, BigInt(s.data.length), true);
    v.setUint32(h + 40, 'link' in s ? s.link ?? 0 : 0, true);
    v.setUint32(h + 44, 'info' in s ? s.info ?? 0 : 0, true);
    v.setBigUint64(h + 56, BigInt('entsize' in s ? s.entsize ?? 0 : 0), true);
  });
  return out;
}

test('reads notes: name, type and descriptor with 4-byte padding', () => {
  const note = new Uint8Array(12 + 4 + 4 + 12 + 8 + 8);
  const v = new DataView(note.buffer);
  v.setUint32(0, 4, true);
  v.setUint32(4, 3, true);
  v.setUint32(8, 0x42, true);
  note.set(new TextEncoder().encode('GNU\0'), 12);
  note.set([1, 2, 3], 16);
  v.setUint32(20, 6, true);
  v.setUint32(24, 8, true);
  v.setUint32(28, 7, true);
  note.set(new TextEncoder().encode('Linux\0'), 32);
  note.set([9, 9, 9, 9, 9, 9, 9, 9], 40);
  const elf = parseElf(buildElf([{ name: '.note.test', type: SectionType.NOTE, data: note }]));
  const notes = elf.notes(elf.section('.note.test')!);
  assert.deepEqual(notes.map((n) => [n.name, n.type, [...n.desc]]), [['GNU', 0x42, [1, 2, 3]], ['Linux', 7, [9, 9, 9, 9, 9, 9, 9, 9]]]);
  const truncated = parseElf(buildElf([{ name: '.note.bad', type: SectionType.NOTE, data: note.subarray(0, 30) }]));
  assert.throws(() => truncated.notes(truncated.section('.note.bad')!), (e: unknown) => e instanceof ElfError && e.code === 'BAD_NOTE' && e.location.sectionName === '.note.bad');
});

test('errors carry the section and file offset of the fault', () => {
  const symbols = new Uint8Array(48);
  new DataView(symbols.buffer).setUint32(24, 999, true);
  const elf = parseElf(buildElf([
    { name: '.strtab', type: SectionType.STRTAB, data: new TextEncoder().encode('\0x\0') },
    { name: '.symtab', type: SectionType.SYMTAB, data: symbols, link: 1, entsize: 24 },
  ]));
  assert.throws(
    () => elf.symbols(),
    (e: unknown) => e instanceof ElfError && e.code === 'BAD_STRING' && e.location.section === 1 && e.location.offset === elf.sections[2]!.offset + 24 && /section 1 \(\.strtab\)/.test(e.message),
  );
  const rela = new Uint8Array(24);
  new DataView(rela.buffer).setBigUint64(8, (5n << 32n) | 1n, true);
  const withRela = parseElf(buildElf([
    { name: '.strtab', type: SectionType.STRTAB, data: new TextEncoder().encode('\0') },
    { name: '.symtab', type: SectionType.SYMTAB, data: new Uint8Array(24), link: 1, entsize: 24 },
    { name: '.rela.text', type: SectionType.RELA, data: rela, link: 2, info: 2, entsize: 24 },
  ]));
  assert.throws(() => withRela.relocationSections(), (e: unknown) => e instanceof ElfError && e.code === 'BAD_RELOCATION' && e.location.sectionName === '.rela.text');
});

test('reads RELA addends', () => {
  const rela = new Uint8Array(24);
  const v = new DataView(rela.buffer);
  v.setBigUint64(0, 8n, true);
  v.setBigUint64(8, (1n << 32n) | 10n, true);
  v.setBigInt64(16, -16n, true);
  const elf = parseElf(buildElf([
    { name: '.strtab', type: SectionType.STRTAB, data: new TextEncoder().encode('\0f\0') },
    { name: '.symtab', type: SectionType.SYMTAB, data: new Uint8Array(48), link: 1, entsize: 24 },
    { name: '.text', type: SectionType.PROGBITS, data: new Uint8Array(16) },
    { name: '.rela.text', type: SectionType.RELA, data: rela, link: 2, info: 3, entsize: 24 },
  ]));
  assert.deepEqual(elf.relocationsFor(elf.section('.text')!), [{ offset: 8, symbolIndex: 1, type: 10, addend: -16n }]);
});
