import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfPermission } from '../kernel/index.js';
import { fixturePath } from '../object/testdata.js';
import { runCli } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-kernel-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

test('kernel run prints the same JSON shape as run, plus duration_ns', async (t) => {
  const p = bpfPermission();
  if (!p.permitted) return t.skip(p.reason ?? 'bpf(2) not permitted');
  const r = await runCli('kernel', 'run', file('pass.s', 'r0 = 2\nexit\n'), '--type', 'xdp', '--repeat', '5', '--json');
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { result: string; duration_ns: number };
  assert.equal(json.result, '0x2');
  assert.equal(typeof json.duration_ns, 'number');
});

test('kernel verify prints the verdict and the log, and exits 1 on a refusal', async (t) => {
  const p = bpfPermission();
  if (!p.permitted) return t.skip(p.reason ?? 'bpf(2) not permitted');
  const ok = await runCli('kernel', 'verify', file('ok.s', 'r0 = 0\nexit\n'), '--log', '2');
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^accepted\n[\s\S]*processed 2 insns/);
  const bad = await runCli('kernel', 'verify', file('bad.s', 'r0 = *(u64 *)(r1 + 0)\nexit\n'), '--type', 'xdp');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /^refused \(EACCES\)\n[\s\S]*invalid access to context|^refused \(EACCES\)\n[\s\S]*invalid bpf_context access/);
});

test('kernel run refuses a bad --type as a usage error', async () => {
  const r = await runCli('kernel', 'run', file('x.s', 'exit\n'), '--type', 'kprobe');
  assert.equal(r.code, 2);
  assert.match(r.err, /--type must be xdp, socket or tc/);
});

test('kernel load puts an object into Linux and lists what loaded; a refused program fails the load', async (t) => {
  const p = bpfPermission();
  if (!p.permitted) return t.skip(p.reason ?? 'bpf(2) not permitted');
  const pinPath = mkdtempSync('/sys/fs/bpf/tsbpf-cli-');
  try {
    const r = await runCli('kernel', 'load', fixturePath('maps.bpf.o'), '--pin-path', pinPath, '--json');
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out) as { programs: { name: string; id: number }[]; maps: { name: string }[] };
    assert.deepEqual(json.programs.map((x) => x.name).sort(), ['tail_target', 'use_maps']);
    assert.ok(json.programs.every((x) => x.id > 0));
    assert.ok(json.maps.some((m) => m.name === 'outer_hash'));
    const refused = await runCli('kernel', 'load', fixturePath('sections.bpf.o'), '--pin-path', pinPath);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /NotPermittedError: program f(entry|exit)_unlinkat/);
    const some = await runCli('kernel', 'load', fixturePath('sections.bpf.o'), '--pin-path', pinPath, '--program', 'xdp_pass');
    assert.match(some.out, /^program xdp_pass: xdp, id \d+$/m);
  } finally {
    rmSync(pinPath, { recursive: true, force: true });
  }
});
