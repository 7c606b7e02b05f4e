import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assemble } from '../asm/index.js';
import { bpfPermission } from '../kernel/index.js';
import { defaultAttachType } from './context.js';
import { verify, KERNEL_HELPERS } from './index.js';
import { SOCKET_CASES, SOCKET_MAPS, SOCKET_MAP_NUMBERS } from './testdata/socket-programs.js';
import { type CaseVerdict, assertKernelVerdict, kernelSocketVerdict } from './testdata/kernel-verdict.js';

// dist/verifier/sockets.test.js → src/verifier/testdata (JSON is not copied to dist).
const verdicts = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/socket-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, CaseVerdict> };

const ours = (c: (typeof SOCKET_CASES)[number]) =>
  verify(assemble(c.source, { maps: SOCKET_MAP_NUMBERS }), {
    programType: c.type, expectedAttachType: defaultAttachType(c.type), helpers: KERNEL_HELPERS, license: 'GPL', maps: SOCKET_MAPS,
  });


test(`socket lookups, casts and releases: same verdict, message and processed count as Linux ${verdicts.kernel}`, async (t) => {
  for (const c of SOCKET_CASES) {
    await t.test(c.name, () => {
      const expected = verdicts.cases[c.name];
      assert.ok(expected, `no recorded kernel verdict for "${c.name}": rerun record-socket-verdicts`);
      assertKernelVerdict(ours(c), expected);
    });
  }
});

test('every socket case has a recorded verdict', () => {
  assert.deepEqual(Object.keys(verdicts.cases).sort(), SOCKET_CASES.map((c) => c.name).sort());
});

test('socket cases, live: Linux still says what socket-verdicts.json recorded', (t) => {
  const permission = bpfPermission();
  if (!permission.permitted) return t.skip(`no kernel to ask: ${permission.reason}`);
  const differ = SOCKET_CASES.filter((c) => JSON.stringify(kernelSocketVerdict(c)) !== JSON.stringify(verdicts.cases[c.name]));
  assert.deepEqual(differ.map((c) => c.name), []);
});

test('an unreleased socket is reported with its reference id and the looking-up instruction', () => {
  const c = SOCKET_CASES.find((x) => x.name === 'sk_lookup_udp without sk_release leaks')!;
  const r = verify(assemble(c.source), { programType: c.type, helpers: KERNEL_HELPERS, logLevel: 1 });
  assert.equal(r.error?.code, 'UNRELEASED_REFERENCE');
  assert.match(r.log, /Unreleased reference id=2 alloc_insn=9\nBPF_EXIT instruction in main prog would lead to reference leak/);
  assert.match(r.error.explanation, /socket looked up at instruction 9/);
});

test('a cast shares the reference of the socket it was given', () => {
  const c = SOCKET_CASES.find((x) => x.name === 'skc_lookup_tcp, sk_fullsock, read type')!;
  const r = verify(assemble(c.source), { programType: 'sched_cls', helpers: KERNEL_HELPERS, logLevel: 2 });
  assert.ok(r.ok, r.error?.message);
  assert.match(r.log, /R0=sock_common_or_null\(id=2,ref_obj_id=2\)/);
  assert.match(r.log, /R0=sock_or_null\(id=3,ref_obj_id=2\)/);
});

test('sk_lookup programs\' own bpf_sk_assign is refused as not modelled, not as unavailable', () => {
  const r = verify(assemble(`
    r2 = 0
    r3 = 0
    call 124
    r0 = 1
    exit`), { programType: 'sk_lookup', helpers: KERNEL_HELPERS });
  assert.equal(r.error?.code, 'UNSUPPORTED');
});
