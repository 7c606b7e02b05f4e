/**
 * The C rule fixtures (testdata/c/*.bpf.c): one program per verifier rule,
 * kept and broken. tsbpf must give Linux's verdict and Linux's message for
 * each; Linux's answers are recorded in rules-verdicts.json and asked again
 * live where bpf(2) is permitted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bpfPermission } from '../kernel/index.js';
import { verifyObjectProgram } from './index.js';
import { RULE_OBJECTS, askLinux, fixture, type KernelVerdict } from './testdata/c/verdicts.js';

const recorded = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/c/rules-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; objects: Record<string, Record<string, KernelVerdict>> };

for (const name of RULE_OBJECTS) {
  test(`${name}: every rule as Linux ${recorded.kernel} judges it`, async (t) => {
    const spec = fixture(name);
    const verdicts = recorded.objects[name]!;
    assert.deepEqual(spec.programs.map((p) => p.name).sort(), Object.keys(verdicts).sort(), 'rerun dist/verifier/testdata/c/verdicts.js');
    let sameCount = 0;
    for (const program of spec.programs) {
      await t.test(program.name, () => {
        const linux = verdicts[program.name]!;
        // The fixture's names say what each program is for; Linux agrees, or the fixture is wrong.
        assert.equal(linux.ok, program.name.startsWith('ok_'), `Linux ${linux.ok ? 'accepts' : 'refuses'} ${program.name}`);
        const r = verifyObjectProgram(spec, program);
        assert.equal(r.ok, linux.ok, r.error?.message ?? 'accepted');
        if (!linux.ok) assert.equal(r.error!.kernelMessage, linux.message);
        if (r.processed === linux.processed) sameCount++;
      });
    }
    t.diagnostic(`processed counts equal to Linux's on ${sameCount} of ${spec.programs.length} programs`);
  });
}

test('rule fixtures, live: Linux still judges them as recorded', (t) => {
  const permission = bpfPermission();
  if (!permission.permitted) return t.skip(`no kernel to ask: ${permission.reason}`);
  for (const name of RULE_OBJECTS) {
    const spec = fixture(name);
    for (const program of spec.programs) {
      const { ok, message } = askLinux(spec, program.name);
      const want = recorded.objects[name]![program.name]!;
      assert.deepEqual({ ok, message }, { ok: want.ok, message: want.message }, program.name);
    }
  }
});

test('a refusal names the C line of the faulting instruction (BTF line info)', () => {
  const spec = fixture('rules.bpf.o');
  const r = verifyObjectProgram(spec, spec.programs.find((p) => p.name === 'bad_packet_off_by_one')!);
  assert.equal(r.ok, false);
  assert.match(r.error!.source!.file, /rules\.bpf\.c$/);
  assert.equal(r.error!.source!.text.trim(), 'return *(__u16 *)(data + 12);');
  assert.match(r.error!.message, /source: .*rules\.bpf\.c:\d+:\d+: return \*\(__u16 \*\)\(data \+ 12\);/);
});
