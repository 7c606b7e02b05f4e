import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { runSamples, summarize } from './testdata/samples.js';

const ROOT = new URL('../../../shared/ebpf-samples/', import.meta.url).pathname;

/**
 * Share of the modelled kernel-accepted programs this verifier accepts, as
 * reached when this test was written; it may rise, never fall. The misses are
 * cilium programs that exceed the one-million-instruction budget here (no
 * precision tracking, so pruning is weaker than Linux's).
 */
const PRECISION_FLOOR = 0.90;

test('real objects: every program Linux rejects is rejected, and most it accepts are accepted', (t) => {
  if (!existsSync(`${ROOT}kernel-results.json`)) {
    t.skip(`no sample objects at ${ROOT}`);
    return;
  }
  const outcomes = runSamples(ROOT);
  const s = summarize(outcomes);
  t.diagnostic(`${s.total} programs with a kernel verdict; ${s.total - s.unmodelled} verified here, ${s.unmodelled} use what is not modelled yet`);
  t.diagnostic(`kernel-accepted: ${s.agreeAccepted}/${s.kernelAccepted} accepted here (precision ${(s.precision * 100).toFixed(1)}%; ${(s.precisionOverall * 100).toFixed(1)}% of all kernel-accepted programs)`);
  t.diagnostic(`kernel-rejected: ${s.agreeRejected}/${s.kernelRejected} rejected here (soundness ${s.kernelRejected ? ((s.agreeRejected / s.kernelRejected) * 100).toFixed(1) : '100.0'}%)`);
  const reasons = new Map<string, number>();
  for (const o of outcomes) {
    if (o.ours !== 'unmodelled') continue;
    const key = o.reason!.replace(/\d+/g, 'N').slice(0, 60);
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12)) t.diagnostic(`  not modelled: ${n} × ${reason}`);
  for (const o of s.stricter) t.diagnostic(`  stricter than Linux: ${o.object} ${o.function}: ${o.reason}`);
  // A kernel-rejected program is never accepted, modelled or not.
  assert.deepEqual(s.unsound.map((o) => `${o.object} ${o.section} ${o.function}: Linux says "${o.kernelMessage}"`), []);
  assert.equal(s.agreeRejected, s.kernelRejected);
  assert.ok(s.precision >= PRECISION_FLOOR, `precision ${s.precision} fell below ${PRECISION_FLOOR}`);
});
