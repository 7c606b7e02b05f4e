import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assemble } from '../asm/index.js';
import { verify, KERNEL_HELPERS } from './index.js';
import { kernelBtf } from './object.js';
import { resolveAttachBtf } from './tracing-context.js';
import { BTF_CASES, BTF_UNSUPPORTED, resolveOffsets } from './testdata/btf-corpus.js';

interface KernelVerdict { ok: boolean; message: string | null }
// dist/verifier/tracing.test.js → src/verifier/testdata (JSON is not copied to dist).
const verdicts = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/btf-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, KernelVerdict> };
const vmlinux = kernelBtf();

test(`tp_btf, iter and struct_ops programs: same verdict and message as Linux ${verdicts.kernel}`, { skip: vmlinux ? false : 'no kernel BTF' }, async (t) => {
  for (const c of BTF_CASES) {
    await t.test(c.name, () => {
      const expected = verdicts.cases[c.name];
      assert.ok(expected, `no recorded kernel verdict for "${c.name}": rerun record-btf-verdicts`);
      const attachBtf = resolveAttachBtf(vmlinux!, c.target);
      assert.ok(typeof attachBtf === 'object', String(attachBtf));
      const r = verify(assemble(resolveOffsets(c.source, vmlinux!)), { programType: c.target.type, helpers: KERNEL_HELPERS, attachBtf, kernelBtf: vmlinux! });
      if (expected.ok) assert.ok(!BTF_UNSUPPORTED.includes(c.name), 'only refusals may be unmodelled');
      assert.equal(r.ok, expected.ok, r.error?.message ?? 'accepted');
      if (BTF_UNSUPPORTED.includes(c.name)) assert.equal(r.error!.code, 'UNSUPPORTED');
      else if (!expected.ok) assert.equal(r.error!.kernelMessage, expected.message);
    });
  }
});
