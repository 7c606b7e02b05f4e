import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BtfError, dumpC, formatRaw, parseBtf, parseBtfExt, valueToJson, type Btf } from './index.js';
import { parseElf } from '../elf/index.js';
import { fixture, sampleObjects, VMLINUX } from './testdata.js';

let seed = 0x2545f491;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};

/** Everything a user of a parsed BTF might do; all of it must end in a value or a BtfError. */
function exercise(btf: Btf): void {
  formatRaw(btf);
  dumpC(btf);
  const zeros = new Uint8Array(256);
  for (let id = 1; id < Math.min(btf.count, 400); id++) {
    for (const probe of [() => btf.sizeof(id), () => btf.alignof(id), () => btf.resolve(id), () => valueToJson(btf, id, zeros)]) {
      try {
        probe();
      } catch (e) {
        if (!(e instanceof BtfError)) throw e;
      }
    }
  }
}

function attempt(bytes: Uint8Array, counts: { errors: number; parsed: number }, extBytes?: Uint8Array): void {
  try {
    const btf = parseBtf(bytes);
    counts.parsed++;
    exercise(btf);
    if (extBytes) parseBtfExt(extBytes, btf);
  } catch (e) {
    if (!(e instanceof BtfError)) throw new Error(`not a BtfError: ${e}`, { cause: e });
    counts.errors++;
  }
}

function mutate(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const flips = 1 + Math.floor(random() * 6);
  for (let i = 0; i < flips; i++) {
    const at = from + Math.floor(random() * (to - from));
    const r = random();
    // Large values and small ones are where forged sizes and ids come from.
    out[at] = r < 0.3 ? 0xff : r < 0.5 ? 0 : Math.floor(random() * 256);
  }
  return out;
}

test('fuzz: .BTF and .BTF.ext of the fixture and samples, truncated at every type and mutated', () => {
  const started = Date.now();
  const arrayBuffers = process.memoryUsage().arrayBuffers;
  const counts = { errors: 0, parsed: 0 };
  const objects = [fixture('kinds.o'), ...sampleObjects().filter((_, i) => i % 25 === 0)];
  for (const path of objects) {
    const elf = parseElf(readFileSync(path));
    const btfSection = elf.section('.BTF');
    if (!btfSection) continue;
    const bytes = btfSection.data;
    const ext = elf.section('.BTF.ext')?.data;
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 200))) attempt(bytes.subarray(0, cut), counts);
    for (let i = 0; i < 80; i++) attempt(mutate(bytes, 0, Math.min(bytes.length, 4096)), counts, ext);
    if (ext) {
      const btf = parseBtf(bytes);
      for (let i = 0; i < 100; i++) {
        try {
          parseBtfExt(mutate(ext, 0, ext.length), btf);
        } catch (e) {
          if (!(e instanceof BtfError)) throw e;
        }
      }
      for (let cut = 0; cut < ext.length; cut += Math.max(1, Math.floor(ext.length / 50))) {
        try {
          parseBtfExt(ext.subarray(0, cut), btf);
        } catch (e) {
          if (!(e instanceof BtfError)) throw e;
        }
      }
    }
  }
  assert.ok(counts.errors > 100 && counts.parsed > 10, JSON.stringify(counts));
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.ok(process.memoryUsage().arrayBuffers - arrayBuffers < 256 << 20, 'a forged size caused a large allocation');
});

test('fuzz: slices of the kernel BTF with mutated types', { skip: existsSync(VMLINUX) ? false : `${VMLINUX} is missing` }, () => {
  const started = Date.now();
  const full = readFileSync(VMLINUX);
  const v = new DataView(full.buffer, full.byteOffset, full.byteLength);
  const headerLength = v.getUint32(4, true);
  const strOff = v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  const counts = { errors: 0, parsed: 0 };
  for (let n = 0; n < 40; n++) {
    // A slice: the header, a prefix of the type section, and the whole string section after it.
    const typeLength = 1024 + Math.floor(random() * 16384);
    const slice = new Uint8Array(headerLength + typeLength + strLen);
    slice.set(full.subarray(0, headerLength));
    slice.set(full.subarray(headerLength, headerLength + typeLength), headerLength);
    slice.set(full.subarray(headerLength + strOff, headerLength + strOff + strLen), headerLength + typeLength);
    const sv = new DataView(slice.buffer);
    sv.setUint32(8, 0, true);
    sv.setUint32(12, typeLength, true);
    sv.setUint32(16, typeLength, true);
    attempt(slice, counts);
    attempt(mutate(slice, 0, headerLength + typeLength), counts);
  }
  assert.ok(counts.errors > 10, JSON.stringify(counts));
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('forged counts are rejected before allocation', () => {
  const { data } = parseElf(readFileSync(fixture('kinds.o'))).section('.BTF')!;
  const forged = new Uint8Array(data);
  const v = new DataView(forged.buffer);
  const typeStart = v.getUint32(4, true) + v.getUint32(8, true);
  // The first type's vlen to 0xffff, and its kind to struct: 786 KB of members that are not there.
  v.setUint32(typeStart + 4, (4 << 24) | 0xffff, true);
  assert.throws(() => parseBtf(forged), (e: unknown) => e instanceof BtfError && e.code === 'TRUNCATED');
  const header = new Uint8Array(data);
  new DataView(header.buffer).setUint32(20, 0xfffffff0, true);
  assert.throws(() => parseBtf(header), (e: unknown) => e instanceof BtfError && e.code === 'SECTION_OUT_OF_RANGE');
});
