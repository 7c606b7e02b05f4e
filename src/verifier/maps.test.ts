import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assemble } from '../asm/index.js';
import { verify, KERNEL_HELPERS, VerifierError } from './index.js';
import { MAPS, MAP_CASES, MAP_NUMBERS } from './testdata/map-corpus.js';

interface KernelVerdict { ok: boolean; processed: number | null; message: string | null }
// dist/verifier/maps.test.js → src/verifier/testdata (JSON is not copied to dist).
const verdicts = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/map-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, KernelVerdict> };

/**
 * Cases Linux accepts and this verifier refuses, with the reason. Never the
 * other way round.
 */
const STRICTER: Record<string, string> = {
  'map pointer dereference': 'reading struct bpf_map fields through BTF (check_ptr_to_map_access) is not modelled',
};

test(`maps, packets and ring buffers: same verdict and message as Linux ${verdicts.kernel}`, async (t) => {
  let accepted = 0, sameCount = 0;
  for (const c of MAP_CASES) {
    const expected = verdicts.cases[c.name];
    await t.test(c.name, () => {
      assert.ok(expected, `no recorded kernel verdict for "${c.name}": rerun record-map-verdicts`);
      const insns = assemble(c.source, { maps: MAP_NUMBERS });
      const r = verify(insns, { programType: c.type, helpers: KERNEL_HELPERS, maps: MAPS });
      if (STRICTER[c.name]) {
        assert.ok(expected.ok && !r.ok, `${c.name}: now agrees with Linux, drop it from STRICTER`);
        return;
      }
      assert.equal(r.ok, expected.ok, r.error?.message ?? 'accepted');
      if (expected.ok) {
        accepted++;
        assert.equal(r.processed, expected.processed, 'processed instruction count');
        sameCount++;
      } else {
        assert.ok(r.error instanceof VerifierError);
        assert.equal(r.error.kernelMessage, expected.message);
      }
    });
  }
  t.diagnostic(`accepted programs with the kernel's processed count: ${sameCount}/${accepted}`);
});

test('every map case has a recorded verdict', () => {
  assert.deepEqual(Object.keys(verdicts.cases).sort(), MAP_CASES.map((c) => c.name).sort());
});

test('an unreleased ring buffer record is reported with the id and the reserving instruction', () => {
  const insns = assemble(`
    r1 = map_fd(rb) ll
    r2 = 16
    r3 = 0
    call 131
    r0 = 0
    exit`, { maps: MAP_NUMBERS });
  const r = verify(insns, { helpers: KERNEL_HELPERS, maps: MAPS, logLevel: 1 });
  assert.equal(r.ok, false);
  assert.equal(r.error!.code, 'UNRELEASED_REFERENCE');
  assert.match(r.log, /Unreleased reference id=2 alloc_insn=4\nBPF_EXIT instruction in main prog would lead to reference leak/);
});

test('a packet access beyond the proven range names the offset, size and range', () => {
  const insns = assemble(`
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 2)
  out:
    r0 = 2
    exit`);
  const r = verify(insns, { programType: 'xdp', helpers: KERNEL_HELPERS });
  assert.equal(r.error?.kernelMessage, 'R2 offset is outside of the packet');
  assert.match(r.log, /invalid access to packet, off=2 size=4, R2\(id=0,off=2,r=4\)/);
  assert.match(r.error!.message, /invalid access to packet/);
});

test('map values print as the kernel prints them', () => {
  const insns = assemble(`
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(counts) ll
    call 1
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
  out:
    exit`, { maps: MAP_NUMBERS });
  const r = verify(insns, { helpers: KERNEL_HELPERS, maps: MAPS, logLevel: 2 });
  assert.ok(r.ok);
  assert.match(r.log, /R1=map_ptr\(map=counts,ks=4,vs=8\)/);
  assert.match(r.log, /R0=map_value_or_null\(id=1,map=counts,ks=4,vs=8\)/);
});

test('a lddw naming a map the verifier was not given is refused', () => {
  const insns = assemble('r1 = map_fd(9) ll\nr0 = 0\nexit');
  const r = verify(insns, { helpers: KERNEL_HELPERS });
  assert.equal(r.error?.kernelMessage, 'fd 9 is not pointing to valid bpf_map');
});

test('frozen read-only data reads as known numbers, so dead branches are skipped', () => {
  const data = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
  const rodata = { name: '.rodata', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 1 << 7, frozenData: data };
  const insns = assemble(`
    r1 = map_value(0, 0) ll
    r2 = *(u32 *)(r1 + 0)
    if r2 == 1 goto out
    r0 = *(u64 *)(r2 + 0)
  out:
    r0 = 0
    exit`);
  assert.ok(verify(insns, { helpers: KERNEL_HELPERS, maps: [rodata] }).ok);
  assert.equal(verify(insns, { helpers: KERNEL_HELPERS, maps: [{ ...rodata, frozenData: undefined }] }).ok, false);
});
