import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bpfPermission } from '../kernel/index.js';
import { type ProgramType, PROGRAM_TYPES, bpfSockCommonValid, bpfSockValid, ctxAccess, returnRange } from './context.js';
import { CTX_PROGRAMS } from './testdata/ctx-programs.js';
import { PROBE_FROM, RETURN_PROBES, SIZES, SOCK_PROBED, type ProbeContext, ask, contextKey, probeContexts, probeCtx, probeReturn, probeSock, probeTo } from './testdata/ctx-probe.js';
import { verify } from './engine.js';
import { make } from '../isa/index.js';

interface Verdicts { allowed: Record<string, number[]> }
const recorded = JSON.parse(readFileSync(new URL('../../src/verifier/testdata/ctx-access.json', import.meta.url), 'utf8')) as {
  kernel: string;
  contexts: Record<string, { read: Verdicts; write: Verdicts; returns: Record<string, string> }>;
  sockets: Record<string, { read: Verdicts; write: Verdicts }>;
};

/** Every (offset, size) where `ours` and the recorded kernel differ. */
function differences(v: Verdicts, to: number, ours: (off: number, size: number) => boolean): string[] {
  const out: string[] = [];
  for (const size of SIZES) {
    const kernel = new Set(v.allowed[size]);
    for (let off = PROBE_FROM; off < to; off++) {
      if (kernel.has(off) !== ours(off, size)) out.push(`off=${off} size=${size}: kernel ${kernel.has(off) ? 'allows' : 'refuses'}`);
    }
  }
  return out;
}

const contexts = probeContexts(PROGRAM_TYPES);

test(`every program type's context was recorded from Linux ${recorded.kernel}`, () => {
  assert.deepEqual(Object.keys(recorded.contexts).sort(), contexts.map(contextKey).sort());
});

for (const c of contexts) {
  test(`${contextKey(c)}: ctxAccess allows exactly the reads and writes Linux allows`, () => {
    const r = recorded.contexts[contextKey(c)]!;
    for (const write of [false, true]) {
      const diff = differences(write ? r.write : r.read, probeTo(c.type), (off, size) => ctxAccess(c.type, off, size, write, c.attach) !== undefined);
      assert.deepEqual(diff, [], `${write ? 'writes' : 'reads'}`);
    }
  });

  test(`${contextKey(c)}: the return values Linux accepts, and its messages`, () => {
    const r = recorded.contexts[contextKey(c)]!;
    for (const v of RETURN_PROBES) {
      const insns = v === 'ctx' ? [make(0xbf, 0, 1, 0, 0), make(0x95, 0, 0, 0, 0)] : [make(0xb7, 0, 0, 0, v), make(0x95, 0, 0, 0, 0)];
      const ours = verify(insns, { programType: c.type, expectedAttachType: c.attach });
      const kernel = r.returns[String(v)]!;
      assert.equal(ours.ok ? 'accepted' : ours.error!.kernelMessage, kernel, `r0 = ${v}`);
    }
    const range = returnRange(c.type, c.attach);
    if (range) assert.equal(r.returns[String(range[1] + 1)] === 'accepted', false);
  });
}

test('socket reads through sock and sock_common pointers agree with Linux', () => {
  const diffSock = differences(recorded.sockets.sock!.read, SOCK_PROBED, bpfSockValid);
  const diffCommon = differences(recorded.sockets.sock_common!.read, SOCK_PROBED, bpfSockCommonValid);
  assert.deepEqual([...diffSock, ...diffCommon], []);
  for (const kind of ['sock', 'sock_common']) assert.deepEqual(Object.values(recorded.sockets[kind]!.write.allowed).flat(), [], `${kind} writes`);
});

/** A sample of each context (every offset, one size in turn), asked of the running kernel again. */
function needsBpf(t: TestContext): boolean {
  const p = bpfPermission();
  if (!p.permitted) t.skip(p.reason ?? 'bpf(2) not permitted');
  return p.permitted;
}

const LIVE_TYPES: readonly ProgramType[] = ['cgroup_skb', 'sock_ops', 'cgroup_sock_addr', 'sk_lookup', 'sk_msg', 'perf_event'];

test('the running kernel still agrees (a sample of offsets, live)', (t) => {
  if (!needsBpf(t)) return;
  const sample: ProbeContext[] = contexts.filter((c) => LIVE_TYPES.includes(c.type));
  for (const c of sample) {
    for (let off = PROBE_FROM; off < probeTo(c.type); off += 3) {
      const size = SIZES[(off - PROBE_FROM) % SIZES.length]!;
      for (const write of [false, true]) {
        const kernel = probeCtx(c, off, size, write) === 'accepted';
        assert.equal(ctxAccess(c.type, off, size, write, c.attach) !== undefined, kernel, `${contextKey(c)} off=${off} size=${size} ${write ? 'write' : 'read'}`);
      }
    }
    const range = returnRange(c.type, c.attach);
    if (range) assert.equal(probeReturn(c, range[1] + 1) === 'accepted', false);
  }
  assert.equal(probeSock('sock', 4, 4, false), 'accepted');
  assert.equal(probeSock('sock_common', 8, 4, false) === 'accepted', false);
});

test('small programs over sockets, packets and return values get the verdict Linux gave them', (t) => {
  const live = bpfPermission().permitted;
  for (const p of CTX_PROGRAMS) {
    const r = verify(p.insns, { programType: p.context.type, expectedAttachType: p.context.attach, license: 'GPL' });
    assert.equal(r.ok ? 'accepted' : r.error!.kernelMessage, p.kernel, p.name);
    if (live) assert.equal(ask(p.context, p.insns), p.kernel, `${p.name} (live)`);
  }
  if (!live) t.diagnostic('bpf(2) not permitted: recorded verdicts only');
});
