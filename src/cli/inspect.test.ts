import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixturePath } from '../object/testdata.js';
import { runCli } from './testing.js';

test('inspect lists programs, maps, globals, externs and CO-RE relocations', async () => {
  const r = await runCli('inspect', fixturePath('globals.bpf.o'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /count_opens\s+tracepoint\/syscalls\/sys_enter_openat\s+tracepoint\s+syscalls\/sys_enter_openat\s+72\s+starts_with_etc/);
  assert.match(r.out, /\.rodata\s+array\s+4\s+72\s+1\s+0x480\s+data/);
  assert.match(r.out, /seen\s+\.bss\s+8\s+16/);
  assert.match(r.out, /CONFIG_HZ\s+kconfig\s+yes/);
  assert.match(r.out, /on_switch\s+14\s+field_byte_offset\s+struct task_struct 0:92/);
});

test('inspect --json gives the same facts as data', async () => {
  const r = await runCli('inspect', '--json', fixturePath('maps.bpf.o'));
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out) as { programs: { name: string }[]; maps: { name: string; type: string; inner?: string; pinning: string }[] };
  assert.deepEqual(summary.programs.map((p) => p.name).sort(), ['tail_target', 'use_maps']);
  assert.deepEqual(summary.maps.find((m) => m.name === 'outer_hash'), { ...summary.maps.find((m) => m.name === 'outer_hash'), type: 'hash_of_maps', inner: 'array' });
  assert.equal(summary.maps.find((m) => m.name === 'lru_pinned')?.pinning, 'by-name');
});

test('disasm of an object names functions, maps, globals, callees and source lines', async () => {
  const r = await runCli('disasm', fixturePath('sections.bpf.o'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^tc_count {2}\(section tc, sched_cls\):$/m);
  assert.match(r.out, /call pc\+\d+ {2}; calls bump/);
  assert.match(r.out, /^bump:$/m);
  assert.match(r.out, /map_fd\(0\) ll {2}; map counters/);
  assert.match(r.out, /; .*bpf_loop\(16, add_index, &state, 0\);.*\/\/ sections\.bpf\.c:\d+/);
  assert.match(r.out, /func\(\+\d+\) ll {2}; address of add_index/);
  const bare = await runCli('disasm', '--no-source', fixturePath('sections.bpf.o'));
  assert.doesNotMatch(bare.out, /\/\/ sections\.bpf\.c/);
});

test('inspect reports a malformed object as one line naming the fault', async () => {
  const r = await runCli('inspect', fixturePath('sections.bpf.c'));
  assert.equal(r.code, 1);
  assert.match(r.err, /^tsbpf inspect: ElfError: /);
});
