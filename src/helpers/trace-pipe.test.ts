import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TracePipe, formatTraceLine } from './trace-pipe.js';

/** The layout of a bpf_trace_printk line in /sys/kernel/tracing/trace_pipe. */
const LINE = /^ {0,15}\S{1,15}-\d+ +\[\d{3}\] [.dDbBnNpPhHsSzZ0-9]{4,5} +\d+\.\d{6}: bpf_trace_printk: (.*)$/;

test('trace pipe: lines have the kernel layout', () => {
  const line = formatTraceLine('hello', { comm: 'node', pid: 4242, cpu: 1 }, 12_345_678_901_234n);
  assert.equal(line, '            node-4242    [001] ..... 12345.678901: bpf_trace_printk: hello');
  assert.match(line, LINE);
  assert.match(formatTraceLine('x', { comm: 'a-very-long-command-name', pid: 1, cpu: 12, flags: 'd..31' }, 5n), LINE);
  assert.equal(formatTraceLine('x', { comm: 'sh', pid: 7, cpu: 0 }, 1_500_000n).slice(-29), '0.001500: bpf_trace_printk: x');
});

test('trace pipe: write, read drains, trailing newline and NUL end the message', () => {
  let now = 1_000_000_000n;
  const pipe = new TracePipe({ clock: () => (now += 1000n) });
  pipe.write('one\n', { comm: 'prog', pid: 10, cpu: 2 });
  pipe.write('two\0ignored');
  assert.equal(pipe.size, 2);
  const lines = pipe.read();
  assert.equal(lines.length, 2);
  assert.equal(LINE.exec(lines[0]!)![1], 'one');
  assert.equal(LINE.exec(lines[1]!)![1], 'two');
  assert.match(lines[0]!, /prog-10 +\[002\] ..... +1\.000001:/);
  assert.deepEqual(pipe.read(), []);
});

test('trace pipe: listeners see every line; the cap drops the oldest and counts it', () => {
  const pipe = new TracePipe({ capacity: 3 });
  const seen: string[] = [];
  const off = pipe.on((l) => seen.push(LINE.exec(l)![1]!));
  for (let k = 0; k < 5; k++) pipe.write(`m${k}`);
  off();
  pipe.write('m5');
  assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.equal(pipe.dropped, 3);
  assert.deepEqual(pipe.peek().map((l) => LINE.exec(l)![1]), ['m3', 'm4', 'm5']);
  assert.deepEqual(pipe.read().map((l) => LINE.exec(l)![1]), ['m3', 'm4', 'm5']);
  assert.throws(() => new TracePipe({ capacity: 0 }), RangeError);
});

test('trace pipe: many writes past the cap keep memory bounded and order intact', () => {
  const pipe = new TracePipe({ capacity: 10 });
  for (let k = 0; k < 5000; k++) pipe.write(String(k));
  assert.equal(pipe.size, 10);
  assert.equal(pipe.dropped, 4990);
  assert.deepEqual(pipe.read().map((l) => LINE.exec(l)![1]), Array.from({ length: 10 }, (_, k) => String(4990 + k)));
});
