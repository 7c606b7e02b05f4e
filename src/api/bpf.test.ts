import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bpfPermission } from '../kernel/index.js';
import { BPF, formatLog2Histogram } from './index.js';

const OBJECT = fileURLToPath(new URL('../../src/api/testdata/opens-by-comm.bpf.o', import.meta.url));

for (const target of ['user', 'kernel'] as const) {
  test(`the facade loads, attaches and reads maps decoded from BTF (${target})`, async (t) => {
    if (target === 'kernel' && !bpfPermission().permitted) return t.skip('bpf(2) not permitted');
    const bpf = await BPF.load({ object: OBJECT, target });
    try {
      bpf.attachAll();
      for (let i = 0; i < 5; i++) readFileSync('/etc/hostname');
      await new Promise((r) => setTimeout(r, 20));
      const byComm = new Map([...bpf.table('opens').entries()].map(({ key, value }) => [(key as { comm: string }).comm, value]));
      assert.ok((byComm.get('node') as bigint | number) >= 5, `node opened files: ${JSON.stringify([...byComm], (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
      const histogram = bpf.table('name_lengths').log2Histogram('name length');
      assert.match(histogram, /^ +name length +: count +distribution\n/);
      assert.match(histogram, /\s+8 -> 15 +: \d+ +\|\*+ *\|/, '/etc/hostname is 13 characters and a NUL');
    } finally {
      bpf.close();
    }
  });
}

test('print_log2_hist layout', () => {
  assert.equal(formatLog2Histogram([0n, 2n, 4n], 'usecs'),
    `${'usecs'.padStart(24)}          : count    distribution\n` +
    `${'0'.padStart(20)} -> 0           : 0        |${' '.repeat(40)}|\n` +
    `${'1'.padStart(20)} -> 1           : 2        |${'*'.repeat(20).padEnd(40)}|\n` +
    `${'2'.padStart(20)} -> 3           : 4        |${'*'.repeat(40)}|\n`);
  assert.equal(formatLog2Histogram([]), '');
});

for (const target of ['user', 'kernel'] as const) {
  test(`the facade streams a perf event array (${target})`, async (t) => {
    if (target === 'kernel' && !bpfPermission().permitted) return t.skip('bpf(2) not permitted');
    const bpf = await BPF.load({ object: OBJECT, target });
    const abort = new AbortController();
    try {
      const events = bpf.perfBuffer('name_events', { signal: abort.signal });
      const first = events.next();
      bpf.attachAll();
      const opener = setInterval(() => readFileSync('/etc/hostname'), 20);
      try {
        const { value } = await first;
        assert.ok(value && value.type === 'sample', JSON.stringify(value));
        if (value.type === 'sample') assert.ok(new DataView(value.data.buffer, value.data.byteOffset).getUint32(0, true) > 0);
      } finally {
        clearInterval(opener);
        abort.abort();
        await events.return(undefined);
      }
    } finally {
      bpf.close();
    }
  });
}
