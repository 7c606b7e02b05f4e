import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bpfPermission } from '../kernel/index.js';
import { runCli } from './testing.js';

const LINE = /^\d+\.\d{6} +node +\d+ +\/etc\/hostname$/m;

test('trace-open on the userspace target prints TIME(s) COMM PID FILE for this process\'s opens', async () => {
  const r = await runCli('trace-open', '--duration', '0.3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^TIME\(s\) +COMM +PID +FILE\n/);
  assert.match(r.out, LINE);
  assert.ok(r.out.includes(` ${process.pid} `), 'the events are this process\'s');
});

test('hello on the userspace target prints Hello, World! lines from the trace pipe', async () => {
  const r = await runCli('hello', '--duration', '0.3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ +node-\d+ +\[000\] \S+ +\d+\.\d{6}: bpf_trace_printk: Hello, World!$/m);
});

test('trace-open and hello on the kernel target see this process open a file', async (t) => {
  if (!bpfPermission().permitted) return t.skip('bpf(2) not permitted');
  const opener = setInterval(() => readFileSync('/etc/hostname'), 100);
  try {
    const r = await runCli('trace-open', '--target', 'kernel', '--duration', '1.5');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, LINE);
    const h = await runCli('hello', '--target', 'kernel', '--duration', '1.5');
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, new RegExp(`-${process.pid} .*bpf_trace_printk: Hello, World!`));
  } finally {
    clearInterval(opener);
  }
});
