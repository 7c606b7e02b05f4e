/**
 * The verifier corpus against the running kernel, live: each program is
 * loaded with bpf(2) and Linux's verdict, error line and processed count are
 * compared with this verifier's. kernel-verdicts.json keeps the same facts
 * for machines without BPF; this test shows they still hold here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelProgram, VerifierError as KernelVerifierError, bpfPermission } from '../kernel/index.js';
import { verify } from './index.js';
import { CORPUS } from './testdata/corpus.js';

/** What Linux said: accepted or the last line before the summary, and the processed count. */
function kernelVerdict(type: string, insns: (typeof CORPUS)[number]['insns']): { ok: boolean; message?: string; processed?: number } {
  const processedIn = (log: string) => Number(/processed (\d+) insns/.exec(log)?.[1] ?? NaN);
  try {
    const program = KernelProgram.load({ type: type as never, instructions: insns, license: 'GPL', logLevel: 1 });
    const processed = processedIn(program.log);
    program.close();
    return { ok: true, processed };
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    const lines = e.log.trimEnd().split('\n').filter((l) => l.trim() && !/^(processed |verification time|cur state:|old state:)/.test(l));
    const processed = processedIn(e.log);
    return { ok: false, message: lines[lines.length - 1] ?? '', ...(Number.isNaN(processed) ? {} : { processed }) };
  }
}

test('corpus, live: Linux and this verifier agree on verdict, message and processed count', (t) => {
  const permission = bpfPermission();
  if (!permission.permitted) return t.skip(`no kernel to ask: ${permission.reason}`);
  const disagreements: string[] = [];
  for (const c of CORPUS) {
    const linux = kernelVerdict(c.programType, c.insns);
    const ours = verify(c.insns, { programType: c.programType });
    const mine = { ok: ours.ok, ...(ours.ok ? {} : { message: ours.error!.kernelMessage }) };
    if (linux.ok !== mine.ok || (!linux.ok && linux.message !== mine.message)) {
      disagreements.push(`${c.name}: Linux ${linux.ok ? 'accepts' : `says "${linux.message}"`}, tsbpf ${mine.ok ? 'accepts' : `says "${mine.message}"`}`);
    } else if (linux.processed !== undefined && linux.processed !== ours.processed) {
      disagreements.push(`${c.name}: Linux processed ${linux.processed} instructions, tsbpf ${ours.processed}`);
    }
  }
  t.diagnostic(`${CORPUS.length} programs loaded into Linux`);
  assert.deepEqual(disagreements, []);
});
