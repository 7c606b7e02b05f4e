import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parseBtf } from '../btf/index.js';
import { CallSrc } from '../isa/index.js';
import { CORE_POISON_HELPER, ObjectError, applyCoreRelocations, essentialName, type CoreResult, type ProgramSpec } from './index.js';
import { fixture, fixturePath } from './testdata.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

test('essential names cut the ___flavor suffix as libbpf does', () => {
  const cases: [string, string][] = [
    ['task_struct___old', 'task_struct'], ['task_struct', 'task_struct'], ['a___b___c', 'a___b'],
    ['__state', '__state'], ['x____y', 'x____y'], ['bpf_map_type___local', 'bpf_map_type'], ['___x', '___x'],
  ];
  for (const [name, essential] of cases) assert.equal(essentialName(name), essential, name);
});

/** libbpf's verdict per (function, instruction within it): the value patched in, or 'poison'. */
function libbpfCoreLog(object: string): Map<string, string> | undefined {
  if (!existsSync('/usr/sbin/bpftool') && !existsSync('/usr/bin/bpftool')) return undefined;
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf-core-');
  let log = '';
  try {
    execFileSync('bpftool', ['-d', 'prog', 'loadall', object, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    log = String((e as { stderr?: Buffer }).stderr ?? '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!log) {
    // A successful load prints its debug log to stderr as well; run again only to read it.
    const dir2 = mkdtempSync('/sys/fs/bpf/tsbpf-core-');
    try {
      log = execFileSync('bash', ['-c', `bpftool -d prog loadall '${object}' '${dir2}' 2>&1 >/dev/null || true`]).toString();
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  }
  const out = new Map<string, string>();
  for (const line of log.split('\n')) {
    const patched = /prog '([^']+)': relo #\d+: patched insn #(\d+) \([^)]*\) (?:imm|off) (-?\d+) -> (-?\d+)/.exec(line);
    if (patched) out.set(`${patched[1]}:${patched[2]}`, patched[4]!);
    const poisoned = /prog '([^']+)': relo #\d+: substituting insn #(\d+) w\/ invalid insn/.exec(line);
    if (poisoned) out.set(`${poisoned[1]}:${poisoned[2]}`, 'poison');
  }
  return out;
}

/** Our result per (function, instruction within it), in libbpf's numbering. */
function ours(program: ProgramSpec, results: readonly CoreResult[], patched: ReturnType<typeof applyCoreRelocations>['instructions']): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of results) {
    const fn = program.functions.find((f) => r.relocation.index >= f.start && r.relocation.index < f.start + f.length)!;
    const insn = patched[r.relocation.index]!;
    const poisoned = insn.op.kind === 'call' && insn.src === CallSrc.HELPER && insn.imm === CORE_POISON_HELPER;
    const value = poisoned ? 'poison' : insn.op.kind === 'lddw' ? String(BigInt.asIntN(64, insn.imm64!)) : (insn.opcode & 0x07) <= 3 && insn.op.kind !== 'alu' ? String(insn.offset) : String(insn.imm);
    out.set(`${fn.name}:${r.relocation.index - fn.start}`, value);
  }
  return out;
}

function needsKernel(t: TestContext): boolean {
  if (!existsSync(VMLINUX)) {
    t.skip('no kernel BTF at /sys/kernel/btf/vmlinux');
    return false;
  }
  return true;
}

test('CO-RE against this kernel gives what libbpf gives, relocation by relocation', (t) => {
  if (!needsKernel(t)) return;
  const vmlinux = parseBtf(readFileSync(VMLINUX));
  for (const name of ['core.bpf.o', 'cpuv4.bpf.o', 'maps.bpf.o', 'sections.bpf.o', 'globals.bpf.o']) {
    const spec = fixture(name);
    const expected = libbpfCoreLog(fixturePath(name));
    if (!expected) {
      t.skip('bpftool is not installed');
      return;
    }
    const actual = new Map<string, string>();
    for (const p of spec.programs) {
      const { instructions, results } = applyCoreRelocations(p, spec.btf!, vmlinux);
      for (const [k, v] of ours(p, results, instructions)) actual.set(k, v);
    }
    assert.ok(expected.size > 0, `libbpf logged relocations of ${name}`);
    for (const [key, value] of expected) assert.equal(actual.get(key), value, `${name} ${key}`);
  }
});

test('a failed relocation names the access and the types; exists-kinds read 0 instead', (t) => {
  if (!needsKernel(t)) return;
  const vmlinux = parseBtf(readFileSync(VMLINUX));
  const spec = fixture('core.bpf.o');
  const p = spec.programs.find((x) => x.name === 'core_fields')!;
  const { results } = applyCoreRelocations(p, spec.btf!, vmlinux);
  const old = results.find((r) => r.relocation.kind === 'field_byte_offset' && r.access.includes('task_struct___old'));
  assert.ok(old && old.value === undefined);
  assert.match(old.reason!, /struct task_struct \[\d+\] has no member state/);
  const missing = results.find((r) => r.relocation.kind === 'type_exists' && r.access.includes('tsbpf_not_in_kernel'));
  assert.equal(missing?.value, 0n);
  assert.match(missing!.reason!, /no struct named tsbpf_not_in_kernel/);
});

test('candidates that disagree are an ambiguity naming each; the own BTF resolves to itself', () => {
  const spec = fixture('core.bpf.o');
  // A second parse of the same BTF is a target holding task_struct, task_struct___old and task_struct___new:
  // `pid` sits at a different offset in each, which libbpf also refuses as ambiguous.
  const target = parseBtf(spec.btfBytes!);
  const p = spec.programs.find((x) => x.name === 'core_fields')!;
  assert.throws(() => applyCoreRelocations(p, spec.btf!, target), (e: unknown) => {
    assert.ok(e instanceof ObjectError && e.code === 'CORE_RELOCATION');
    assert.equal(e.location.program, 'core_fields');
    assert.match(e.message, /field_byte_offset of struct task_struct\.pid is ambiguous: struct task_struct \[\d+\] gives 1264, struct task_struct___old \[\d+\] gives 8/);
    return true;
  });
  const own = applyCoreRelocations(p, spec.btf!, spec.btf!);
  const pid = own.results.find((r) => r.access === 'struct task_struct.pid')!;
  assert.equal(pid.value, 1264n);
});
