import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interpreter } from '../vm/index.js';
import { formatTable, measure } from './harness.js';
import { benchPrograms, fnv1aReference } from './programs.js';

for (const p of benchPrograms()) {
  test(`bench program computes its expected result: ${p.name}`, () => {
    const result = new Interpreter(p.program).run(p.memory !== undefined ? { memory: p.memory } : {});
    assert.equal(result.r0, p.expected);
    assert.ok(result.executed >= 50_000 && result.executed <= 2_000_000, `${result.executed} executed`);
  });
}

test('fnv1a reference matches the published test vector', () => {
  assert.equal(fnv1aReference(new TextEncoder().encode('a')), 0xaf63dc4c8601ec8cn);
});

test('harness: measure returns a positive median, the table aligns columns', () => {
  let calls = 0;
  const ns = measure(() => calls++, { warmup: 1, samples: 3, minSampleMs: 1 });
  assert.ok(ns > 0 && calls > 3);
  const table = formatTable([{ suite: 's', rows: [{ case: 'c', nsPerRun: 1500, derived: { 'ns/insn': '2.0' } }] }]);
  assert.equal(table, 'suite  case  time/run  derived\ns      c     1.50 µs   ns/insn=2.0\n');
});
