import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './testing.js';

test('lists its commands, and every listed command answers --help', async () => {
  const help = await runCli('--help');
  assert.equal(help.code, 0);
  const commands = [...help.out.matchAll(/^ {2}(\w[\w-]*) {2,}/gm)].map((m) => m[1]!);
  assert.deepEqual(commands, ['trace-open', 'hello', 'asm', 'disasm', 'jit', 'inspect', 'run', 'conformance', 'btf', 'build', 'kernel', 'verify']);
  for (const command of commands) {
    const r = await runCli(command, '--help');
    assert.equal(r.code, 0, `${command} --help: ${r.err}`);
    assert.match(r.out, /usage: tsbpf/, command);
  }
});

test('an unknown command is a usage error with the list of commands', async () => {
  const r = await runCli('frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command 'frobnicate'[\s\S]*commands:/);
});
