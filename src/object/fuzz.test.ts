import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BtfError } from '../btf/index.js';
import { ElfError } from '../elf/index.js';
import { ObjectError, loadObject } from './index.js';
import { FIXTURES, fixturePath } from './testdata.js';

let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};

/** Flips bytes, favouring the places a forged value does harm: headers, tables, relocations. */
function mutate(original: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(original);
  const flips = 1 + Math.floor(random() * 8);
  for (let i = 0; i < flips; i++) {
    const roll = random();
    const at = roll < 0.3 ? Math.floor(random() * 64) // the ELF header
      : roll < 0.5 ? bytes.length - 1 - Math.floor(random() * Math.min(bytes.length, 4096)) // section headers and symbols, at the end
      : Math.floor(random() * bytes.length);
    bytes[at] = random() < 0.5 ? Math.floor(random() * 256) : [0, 0xff, 0x7f, 0x80][Math.floor(random() * 4)]!;
  }
  return bytes;
}

test('mutated objects give a typed error or a spec, never a crash or a hang', () => {
  const counts = { specs: 0, errors: 0 };
  const started = Date.now();
  for (const name of FIXTURES) {
    const original = readFileSync(fixturePath(name));
    for (let i = 0; i < 300; i++) {
      const input = mutate(original);
      try {
        loadObject(input);
        counts.specs++;
      } catch (e) {
        assert.ok(e instanceof ObjectError || e instanceof ElfError || e instanceof BtfError, `${name} mutation ${i}: ${(e as Error).stack}`);
        counts.errors++;
      }
    }
  }
  assert.ok(counts.errors > 100 && counts.specs > 100, JSON.stringify(counts));
  assert.ok(Date.now() - started < 120_000, 'no input takes long (a hang would time the test out)');
});

test('truncated objects give typed errors at every length', () => {
  const original = readFileSync(fixturePath('globals.bpf.o'));
  for (let length = 0; length < original.length; length += Math.max(1, Math.floor(original.length / 400))) {
    try {
      loadObject(original.subarray(0, length));
    } catch (e) {
      assert.ok(e instanceof ObjectError || e instanceof ElfError || e instanceof BtfError, `length ${length}: ${(e as Error).stack}`);
    }
  }
});
