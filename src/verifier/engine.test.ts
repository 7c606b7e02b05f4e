import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { make } from '../isa/index.js';
import { verify, VerifierError, formatKernelInsn } from './index.js';
import { RANDOM_CALL_COUNT, RANDOM_COUNT, randomCallProgram, randomProgram } from './testdata/random.js';
import { CORPUS, mov, movR, jI, aluI, exit, ldx, stx, call, callLocal, ja } from './testdata/corpus.js';

interface KernelVerdict { ok: boolean; processed: number | null; message: string | null; errno: number }
// dist/verifier/engine.test.js → src/verifier/testdata (JSON is not copied to dist).
const verdicts = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/kernel-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, KernelVerdict> };

test(`corpus: same verdict, message and processed count as Linux ${verdicts.kernel}`, async (t) => {
  let accepted = 0, sameCount = 0;
  for (const c of CORPUS) {
    const expected = verdicts.cases[c.name];
    await t.test(c.name, () => {
      assert.ok(expected, `no recorded kernel verdict for "${c.name}": rerun scripts/verifier-kernel-verdicts.py`);
      const r = verify(c.insns, { programType: c.programType });
      assert.equal(r.ok, expected.ok, r.error?.message ?? 'accepted');
      if (expected.ok) {
        accepted++;
        if (r.processed === expected.processed) sameCount++;
        assert.equal(r.processed, expected.processed, 'processed instruction count');
      } else {
        assert.ok(r.error instanceof VerifierError);
        assert.equal(r.error.kernelMessage, expected.message);
        if (expected.processed !== null) assert.equal(r.processed, expected.processed, 'processed before rejecting');
      }
    });
  }
  t.diagnostic(`accepted programs with the kernel's processed count: ${sameCount}/${accepted}`);
});

test('every corpus case has a recorded verdict and vice versa', () => {
  assert.deepEqual(Object.keys(verdicts.cases).sort(), CORPUS.map((c) => c.name).sort());
});

test('error locates the fault: instruction, disassembly, state, path', () => {
  // r0 = random; if r0 > 7 goto +1; exit-path reads r3 uninitialised on the jump side.
  const r = verify([call(7), jI('jgt', 0, 7, 2), mov(0, 0), exit(), movR(0, 3), exit()]);
  assert.equal(r.ok, false);
  const e = r.error!;
  assert.equal(e.code, 'UNINIT_REGISTER');
  assert.equal(e.insn, 4);
  assert.equal(e.disassembly, '(bf) r0 = r3');
  assert.deepEqual(e.path, [{ from: 1, to: 4 }]);
  assert.equal(e.state, 'R0=scalar(umin=8) R10=fp0');
  assert.match(e.message, /R3 is read before anything was written/);
});

test('whole-program faults have no path', () => {
  const r = verify([mov(0, 0), exit(), mov(0, 1), exit()]);
  assert.equal(r.error?.code, 'UNREACHABLE');
  assert.equal(r.error?.insn, 2);
  assert.equal(r.processed, 0);
});

test('log level 2 prints instructions, touched registers and the summary line', () => {
  const r = verify([mov(1, 5), jI('jgt', 1, 10, 1), mov(0, 0), exit()], { logLevel: 2 });
  assert.ok(r.ok);
  const lines = r.log.trimEnd().split('\n');
  assert.equal(lines[0], '0: R1=ctx() R10=fp0');
  assert.equal(lines[1], '0: (b7) r1 = 5                        ; R1=5');
  assert.equal(lines[2], '1: (25) if r1 > 0xa goto pc+1         ; R1=5');
  assert.equal(lines.at(-1), 'processed 4 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0');
});

test('log level 2 shows a spill: the register and the stack slot it went to', () => {
  const r = verify([call(7), aluI('and', 0, 15), stx(8, 10, 0, -8), ldx(8, 1, 10, -8), mov(0, 0), exit()], { logLevel: 2 });
  assert.ok(r.ok, r.error?.message);
  const spill = r.log.split('\n').find((l) => l.startsWith('2: '));
  assert.equal(spill, '2: (7b) *(u64 *)(r10 -8) = r0         ; R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf)) R10=fp0 fp-8=scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))');
});

test('log level 0 is empty on success', () => {
  assert.equal(verify([mov(0, 0), exit()]).log, '');
});

test('unknown helpers are refused unless a prototype is supplied', () => {
  const prog = [call(1234), exit()];
  assert.equal(verify(prog).error?.kernelMessage, 'invalid func unknown#1234');
  const helpers = { get: (id: number) => (id === 1234 ? { name: 'mine', proto: { args: [], ret: 'integer' as const } } : undefined) };
  const r = verify(prog, { helpers });
  assert.ok(r.ok, r.error?.message);
});

test('a gpl-only helper needs a GPL license', () => {
  const prog = [stx(8, 10, 1, -8), movR(1, 10), aluI('add', 1, -8), mov(2, 8), call(6), mov(0, 0), exit()];
  assert.ok(verify(prog, { license: 'GPL' }).ok);
  assert.equal(verify(prog, { license: 'Proprietary' }).error?.code, 'HELPER_ARGUMENT');
});

test('unprivileged mode refuses reading uninitialised stack', () => {
  const prog = [ldx(8, 0, 10, -8), exit()];
  assert.ok(verify(prog).ok);
  assert.equal(verify(prog, { privileged: false }).error?.kernelMessage, 'invalid read from stack off -8+0 size 8');
});

test('a lowered complexity limit stops a loop the states never repeat in', () => {
  // r1 grows by 2 and is compared for equality with an odd number: never equal, states never repeat.
  const prog = [mov(1, 0), aluI('add', 1, 2), jI('jne', 1, 7, -2), mov(0, 0), exit()];
  const r = verify(prog, { complexityLimit: 5000 });
  assert.equal(r.error?.code, 'COMPLEXITY_LIMIT');
  assert.equal(r.error?.kernelMessage, 'BPF program is too large. Processed 5001 insn');
});

test('the kernel-style printer', () => {
  const cases: [ReturnType<typeof make>, string][] = [
    [mov(0, 0), '(b7) r0 = 0'],
    [stx(8, 10, 1, -8), '(7b) *(u64 *)(r10 -8) = r1'],
    [ldx(4, 0, 1, 0), '(61) r0 = *(u32 *)(r1 +0)'],
    [jI('jlt', 1, 10, -2), '(a5) if r1 < 0xa goto pc-2'],
    [ja(3), '(05) goto pc+3'],
    [callLocal(3), '(85) call pc+3'],
    [exit(), '(95) exit'],
  ];
  for (const [insn, text] of cases) assert.equal(formatKernelInsn(insn), text);
  assert.equal(formatKernelInsn(call(7), () => 'get_prandom_u32'), '(85) call bpf_get_prandom_u32#7');
});

const randomVerdicts = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/random-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, KernelVerdict> };

/**
 * Random programs where the message differs: Linux finds the loop one
 * instruction later (its exact comparison also weighs scalar ids, which this
 * engine does not track).
 */
const RANDOM_MESSAGE_GAP = new Set(['random 245']);

test(`${RANDOM_COUNT} seeded random programs: same verdict, message and count as Linux ${randomVerdicts.kernel}`, (t) => {
  let accepted = 0, sameCount = 0, rejected = 0, sameMessage = 0;
  const failures: string[] = [];
  for (let seed = 1; seed <= RANDOM_COUNT; seed++) {
    const name = `random ${seed}`;
    const expected = randomVerdicts.cases[name];
    assert.ok(expected, `no recorded verdict for ${name}`);
    const r = verify(randomProgram(seed), { programType: 'socket_filter' });
    if (r.ok !== expected.ok) { failures.push(`${name}: kernel ${expected.ok ? 'accepts' : `rejects (${expected.message})`}, engine ${r.ok ? 'accepts' : `rejects (${r.error?.kernelMessage})`}`); continue; }
    if (r.ok) {
      accepted++;
      if (r.processed === expected.processed) sameCount++;
      else failures.push(`${name}: processed ${r.processed}, kernel ${expected.processed}`);
    } else {
      rejected++;
      if (r.error!.kernelMessage === expected.message) sameMessage++;
      else if (!RANDOM_MESSAGE_GAP.has(name)) failures.push(`${name}: "${r.error!.kernelMessage}", kernel "${expected.message}"`);
    }
  }
  t.diagnostic(`accepted ${accepted} (same processed count: ${sameCount}), rejected ${rejected} (same message: ${sameMessage})`);
  assert.deepEqual(failures, []);
});

const callVerdicts = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/random-calls-verdicts.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, KernelVerdict> };

/**
 * Second family (bpf-to-bpf calls, atomics, XDP): verdicts and counts must
 * match; a few messages still differ (atomics whose destination is also the
 * loaded register, loops detected one instruction apart), so messages are
 * held to the agreement measured when the verdicts were recorded.
 */
test(`${RANDOM_CALL_COUNT} seeded random programs with calls and atomics: same verdict and count as Linux ${callVerdicts.kernel}`, (t) => {
  let accepted = 0, rejected = 0, sameMessage = 0;
  const failures: string[] = [];
  for (let seed = 1; seed <= RANDOM_CALL_COUNT; seed++) {
    const name = `calls ${seed}`;
    const expected = callVerdicts.cases[name];
    assert.ok(expected, `no recorded verdict for ${name}`);
    const { programType, insns } = randomCallProgram(seed);
    const r = verify(insns, { programType });
    if (r.ok !== expected.ok) { failures.push(`${name}: kernel ${expected.ok ? 'accepts' : `rejects (${expected.message})`}, engine ${r.ok ? 'accepts' : `rejects (${r.error?.kernelMessage})`}`); continue; }
    if (r.ok) {
      accepted++;
      if (r.processed !== expected.processed) failures.push(`${name}: processed ${r.processed}, kernel ${expected.processed}`);
    } else {
      rejected++;
      if (r.error!.kernelMessage === expected.message) sameMessage++;
    }
  }
  t.diagnostic(`accepted ${accepted}, rejected ${rejected} (same message: ${sameMessage})`);
  assert.deepEqual(failures, []);
  assert.ok(sameMessage >= rejected * 0.99, `only ${sameMessage}/${rejected} messages match`);
});
