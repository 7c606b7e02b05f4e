import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assemble } from '../asm/index.js';
import { bpfPermission } from '../kernel/index.js';
import { defaultAttachType } from './context.js';
import { verify, KERNEL_HELPERS } from './index.js';
import { kernelBtf } from './object.js';
import { iterKfunc } from './iterators.js';
import { ITERATOR_CASES, ITERATOR_MAPS } from './testdata/iterator-programs.js';
import { type CaseVerdict, type ProgramCase, assertKernelVerdict, kernelIteratorVerdict } from './testdata/kernel-verdict.js';
import { kfuncIds } from './kfunc.js';

// dist/verifier/iterators.test.js → src/verifier/testdata (JSON is not copied to dist).
const verdicts = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/iterator-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, CaseVerdict> };

const btf = kernelBtf();
const noBtf = btf ? undefined : 'no kernel BTF at /sys/kernel/btf/vmlinux to number the kfuncs';
const MAP_NUMBERS = Object.fromEntries(ITERATOR_MAPS.map((m, i) => [m.name, i]));

const ours = (c: ProgramCase, logLevel: 0 | 2 = 0) =>
  verify(assemble(c.source, { maps: MAP_NUMBERS, kfuncs: kfuncIds(btf!) }), {
    programType: c.type, expectedAttachType: defaultAttachType(c.type), helpers: KERNEL_HELPERS, license: 'GPL', maps: ITERATOR_MAPS, kernelBtf: btf, logLevel,
  });

test('iterator kfunc names', () => {
  assert.deepEqual(iterKfunc('bpf_iter_num_next'), { kind: 'num', op: 'next' });
  assert.deepEqual(iterKfunc('bpf_iter_task_vma_new'), { kind: 'task_vma', op: 'new' });
  assert.equal(iterKfunc('bpf_loop'), undefined);
});

test(`open-coded iterators: same verdict, message and processed count as Linux ${verdicts.kernel}`, { skip: noBtf }, async (t) => {
  for (const c of ITERATOR_CASES) {
    await t.test(c.name, () => {
      const expected = verdicts.cases[c.name];
      assert.ok(expected, `no recorded kernel verdict for "${c.name}": rerun record-iterator-verdicts`);
      assertKernelVerdict(ours(c), expected);
    });
  }
});

test('every iterator case has a recorded verdict', () => {
  assert.deepEqual(Object.keys(verdicts.cases).sort(), ITERATOR_CASES.map((c) => c.name).sort());
});

test('iterator cases, live: Linux still says what iterator-verdicts.json recorded', (t) => {
  const permission = bpfPermission();
  if (!permission.permitted) return t.skip(`no kernel to ask: ${permission.reason}`);
  if (noBtf) return t.skip(noBtf);
  const differ = ITERATOR_CASES.filter((c) => JSON.stringify(kernelIteratorVerdict(c)) !== JSON.stringify(verdicts.cases[c.name]));
  assert.deepEqual(differ.map((c) => c.name), []);
});

test('the log shows the iterator as Linux prints it, and the leak names the creating instruction', { skip: noBtf }, () => {
  const sum = ours(ITERATOR_CASES.find((c) => c.name === 'sum of the yielded numbers')!, 2);
  assert.match(sum.log, /call bpf_iter_num_new#\d+ +; R0=scalar\(\) fp-8=iter_num\(ref_id=1,state=active,depth=0\)/);
  assert.match(sum.log, /call bpf_iter_num_next#\d+ +; R0=0 fp-8=iter_num\(ref_id=1,state=drained,depth=0\)/);
  assert.match(sum.log, /R0=rdonly_mem\(id=\d+,ref_obj_id=1,sz=4\)/);
  const leak = ours(ITERATOR_CASES.find((c) => c.name === 'new without destroy')!);
  assert.equal(leak.error?.code, 'UNRELEASED_REFERENCE');
  assert.match(leak.error!.explanation, /iterator created at instruction 4 is not destroyed with bpf_iter_num_destroy/);
});

test('iterators other than bpf_iter_num are refused as not modelled', { skip: noBtf }, () => {
  const id = btf!.all('bpf_iter_task_vma_new', 'func')[0]?.id;
  if (id === undefined) return;
  const r = verify(assemble(`r1 = r10\nr1 += -16\nr2 = 0\nr3 = 0\ncall kfunc ${id}\nr0 = 0\nexit`), { programType: 'socket_filter', kernelBtf: btf });
  assert.equal(r.error?.code, 'UNSUPPORTED');
});
