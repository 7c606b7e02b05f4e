import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CallSrc, PseudoSrc, branchTarget, type Instruction } from '../isa/index.js';
import { sampleObjects } from '../btf/testdata.js';
import { BtfError } from '../btf/index.js';
import { ElfError } from '../elf/index.js';
import { ObjectError, loadObject, sectionKind, type ProgramSpec } from './index.js';
import { fixture } from './testdata.js';

/** A struct_ops object of the shared sample corpus (Linux's selftests), when it is checked out beside this repository. */
const DCTCP = new URL('../../../shared/ebpf-samples/linux-selftests/bpf_dctcp.o', import.meta.url).pathname;

const program = (spec: { programs: readonly ProgramSpec[] }, name: string) => {
  const p = spec.programs.find((x) => x.name === name);
  assert.ok(p, `program ${name}`);
  return p;
};

/** The function of a linked program that holds instruction `index`. */
const functionAt = (p: ProgramSpec, index: number) => p.functions.find((f) => index >= f.start && index < f.start + f.length)?.name;

test('section names map to program and attach types as in libbpf', () => {
  const cases: [string, string, string | undefined, string, boolean][] = [
    ['socket', 'socket_filter', undefined, '', false],
    ['xdp', 'xdp', 'xdp', '', false],
    ['xdp.frags', 'xdp', 'xdp', '', false],
    ['tc', 'sched_cls', undefined, '', false],
    ['tc/ingress', 'sched_cls', 'tcx_ingress', '', false],
    ['tcx/egress', 'sched_cls', 'tcx_egress', '', false],
    ['classifier', 'sched_cls', undefined, '', false],
    ['tracepoint/syscalls/sys_enter_openat', 'tracepoint', undefined, 'syscalls/sys_enter_openat', false],
    ['tp/sched/sched_process_exec', 'tracepoint', undefined, 'sched/sched_process_exec', false],
    ['raw_tp/sys_enter', 'raw_tracepoint', undefined, 'sys_enter', false],
    ['raw_tracepoint.w/x', 'raw_tracepoint_writable', undefined, 'x', false],
    ['tp_btf/sched_switch', 'tracing', 'trace_raw_tp', 'sched_switch', false],
    ['fentry/do_unlinkat', 'tracing', 'trace_fentry', 'do_unlinkat', false],
    ['fexit/do_unlinkat', 'tracing', 'trace_fexit', 'do_unlinkat', false],
    ['fentry.s/do_unlinkat', 'tracing', 'trace_fentry', 'do_unlinkat', true],
    ['fmod_ret/f', 'tracing', 'modify_return', 'f', false],
    ['kprobe/do_sys_openat2', 'kprobe', undefined, 'do_sys_openat2', false],
    ['kretprobe/x', 'kprobe', undefined, 'x', false],
    ['uprobe//bin/bash:readline', 'kprobe', undefined, '/bin/bash:readline', false],
    ['uretprobe.s/x', 'kprobe', undefined, 'x', true],
    ['usdt', 'kprobe', undefined, '', false],
    ['perf_event', 'perf_event', undefined, '', false],
    ['cgroup_skb/ingress', 'cgroup_skb', 'cgroup_inet_ingress', '', false],
    ['cgroup/connect4', 'cgroup_sock_addr', 'cgroup_inet4_connect', '', false],
    ['cgroup/sysctl', 'cgroup_sysctl', 'cgroup_sysctl', '', false],
    ['sk_msg', 'sk_msg', 'sk_msg_verdict', '', false],
    ['sk_skb/stream_parser', 'sk_skb', 'sk_skb_stream_parser', '', false],
    ['lsm/file_open', 'lsm', 'lsm_mac', 'file_open', false],
    ['lsm.s/file_open', 'lsm', 'lsm_mac', 'file_open', true],
    ['iter/task', 'tracing', 'trace_iter', 'task', false],
    ['struct_ops/cubictcp_init', 'struct_ops', undefined, 'cubictcp_init', false],
    ['syscall', 'syscall', undefined, '', true],
  ];
  for (const [section, type, attachType, attachTo, sleepable] of cases) {
    const kind = sectionKind(section);
    assert.ok(kind, section);
    assert.deepEqual([kind.type, kind.attachType, kind.attachTo, kind.sleepable], [type, attachType, attachTo, sleepable], section);
  }
  assert.equal(sectionKind('my_custom_section'), undefined);
  assert.equal(sectionKind('xdpfoo'), undefined, 'a prefix only matches whole words');
});

test('finds every program of every section, with several per section', () => {
  const spec = fixture('sections.bpf.o');
  const expected: Record<string, [string, string, string | undefined]> = {
    socket_first: ['socket', 'socket_filter', undefined],
    socket_second: ['socket', 'socket_filter', undefined],
    xdp_pass: ['xdp', 'xdp', 'xdp'],
    xdp_drop_short: ['xdp', 'xdp', 'xdp'],
    tc_count: ['tc', 'sched_cls', undefined],
    classifier_legacy: ['classifier', 'sched_cls', undefined],
    tracepoint_openat: ['tracepoint/syscalls/sys_enter_openat', 'tracepoint', undefined],
    tp_exec: ['tp/sched/sched_process_exec', 'tracepoint', undefined],
    raw_tp_enter: ['raw_tp/sys_enter', 'raw_tracepoint', undefined],
    tp_btf_switch: ['tp_btf/sched_switch', 'tracing', 'trace_raw_tp'],
    fentry_unlinkat: ['fentry/do_unlinkat', 'tracing', 'trace_fentry'],
    fexit_unlinkat: ['fexit/do_unlinkat', 'tracing', 'trace_fexit'],
  };
  for (const [name, [section, type, attachType]] of Object.entries(expected)) {
    const p = program(spec, name);
    assert.deepEqual([p.section, p.type, p.attachType], [section, type, attachType], name);
  }
  assert.deepEqual(spec.subprograms.map((s) => s.name).sort(), ['add_index', 'bump', 'clamp_len', 'mix', 'sum_values']);
  assert.equal(spec.license, 'GPL');
  assert.ok(spec.programs.every((p) => p.name !== 'mix'), '.text functions are subprograms, not programs');
});

test('links the subprograms each program calls, and only those, with calls retargeted', () => {
  const spec = fixture('sections.bpf.o');
  const cases: Record<string, string[]> = {
    socket_first: ['socket_first', 'clamp_len'],
    socket_second: ['socket_second', 'mix'],
    xdp_drop_short: ['xdp_drop_short'],
    tc_count: ['tc_count', 'bump', 'clamp_len'],
    tracepoint_openat: ['tracepoint_openat', 'add_index', 'bump'],
    tracepoint_openat_again: ['tracepoint_openat_again', 'sum_values', 'mix'],
  };
  for (const [name, functions] of Object.entries(cases)) {
    const p = program(spec, name);
    assert.deepEqual(p.functions.map((f) => f.name), functions, name);
    assert.equal(p.instructions.length, p.functions.reduce((n, f) => n + f.length, 0));
    p.instructions.forEach((insn: Instruction, i) => {
      if (insn.op.kind === 'call' && insn.src === CallSrc.LOCAL) {
        const target = branchTarget(insn, i)!;
        const callee = p.functions.find((f) => f.start === target);
        assert.ok(callee && callee.start > 0, `${name}: call at ${i} lands on the start of a linked function`);
      }
    });
  }
  // bpf_loop and for_each callbacks: ld_imm64 of a function becomes a BPF_PSEUDO_FUNC reference to its copy.
  for (const [name, callback] of [['tracepoint_openat', 'add_index'], ['tracepoint_openat_again', 'sum_values']] as const) {
    const p = program(spec, name);
    const at = p.instructions.findIndex((insn) => insn.op.kind === 'lddw' && insn.src === PseudoSrc.FUNC);
    assert.ok(at >= 0, name);
    assert.equal(functionAt(p, at + p.instructions[at]!.imm + 1), callback);
    assert.equal(p.functions.find((f) => f.name === callback)!.start, at + p.instructions[at]!.imm + 1);
  }
});

test('renumbers func_info, line_info and CO-RE records into the linked program', () => {
  const p = program(fixture('sections.bpf.o'), 'tc_count');
  assert.deepEqual(p.funcInfo.map((f) => f.index), p.functions.map((f) => f.start), 'one func_info per function, at its start');
  assert.ok(p.lineInfo.length >= p.functions.length);
  assert.ok(p.lineInfo.every((l, i) => l.index < p.instructions.length && (i === 0 || l.index >= p.lineInfo[i - 1]!.index)));
  assert.match(p.lineInfo[0]!.fileName, /sections\.bpf\.c$/);
  for (const fn of p.functions) assert.ok(p.lineInfo.some((l) => l.index === fn.start), `a line at the start of ${fn.name}`);
});

test('reads BTF-defined maps: types, sizes, flags, pinning, inner maps and initial slots', () => {
  const spec = fixture('maps.bpf.o');
  const map = (name: string) => {
    const m = spec.maps.find((x) => x.name === name);
    assert.ok(m, name);
    return m;
  };
  const table: [string, string, number, number, number, number][] = [
    ['array', 'array', 4, 16, 4, 0],
    ['hash', 'hash', 4, 8, 1024, 1],
    ['percpu_hash', 'percpu_hash', 8, 8, 64, 0],
    ['lru_numa', 'lru_hash', 4, 4, 128, 4],
    ['lpm', 'lpm_trie', 8, 4, 256, 1],
    ['queue', 'queue', 0, 4, 32, 0],
    ['stack', 'stack', 0, 8, 32, 0],
    ['bloom', 'bloom_filter', 0, 4, 100, 0],
    ['ringbuf', 'ringbuf', 0, 0, 4096, 0],
    ['perf_events', 'perf_event_array', 4, 4, 0, 0],
  ];
  for (const [name, type, keySize, valueSize, maxEntries, flags] of table) {
    const m = map(name);
    assert.deepEqual([m.type, m.keySize, m.valueSize, m.maxEntries, m.flags], [type, keySize, valueSize, maxEntries, flags], name);
  }
  assert.equal(map('lru_pinned').pinning, 'by-name');
  assert.equal(map('array').pinning, 'none');
  assert.equal(map('bloom').mapExtra, 3);
  assert.ok(map('lru_numa').numaNode !== undefined);
  assert.deepEqual([...map('outer_array').initialSlots!], [[0, 'inner_a'], [2, 'inner_b']]);
  assert.equal(map('outer_array').innerMap?.type, 'array');
  assert.equal(map('outer_anonymous').innerMap?.type, 'hash');
  assert.deepEqual([...map('jump_table').initialSlots!], [[0, 'tail_target'], [3, 'tail_target']]);
  assert.equal(spec.btf!.type(map('array').valueType!).kind !== 'void', true);
  const use = program(spec, 'use_maps');
  const referenced = new Set(use.references.flatMap((r) => (r.kind === 'map' ? [r.map] : [])));
  for (const name of ['array', 'hash', 'ringbuf', 'queue', 'bloom', 'lpm']) assert.ok(referenced.has(name), `use_maps refers to ${name}`);
  for (const r of use.references) assert.equal(use.instructions[r.index]!.src, r.kind === 'map' ? PseudoSrc.MAP_FD : PseudoSrc.MAP_VALUE);
});

test('reads legacy bpf_map_def maps and the version section', () => {
  const spec = fixture('legacy-maps.bpf.o');
  assert.deepEqual(spec.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.origin]), [
    ['legacy_counts', 'array', 4, 8, 16, 0, 'legacy'],
    ['legacy_hash', 'hash', 4, 4, 64, 1, 'legacy'],
  ]);
  assert.equal(typeof spec.kernelVersion, 'number');
});

test('turns global data into array maps, with variables, externs and map-value references', () => {
  const spec = fixture('globals.bpf.o');
  const data = spec.maps.filter((m) => m.origin === 'data').map((m) => [m.name, m.valueSize, m.readOnly]);
  assert.deepEqual(data.sort(), [
    ['.bss', 24, false], ['.data', 8, false], ['.data.custom', 4, false], ['.rodata', 72, true],
    ['.rodata.custom', 7, true], ['.rodata.str1.1', 6, true],
  ].sort());
  const bss = spec.maps.find((m) => m.name === '.bss')!;
  assert.ok(bss.data!.every((b) => b === 0));
  const vars = Object.fromEntries(spec.variables.map((v) => [v.name, [v.map, v.offset, v.size]]));
  assert.deepEqual(vars.seen, ['.bss', 8, 16]);
  assert.deepEqual(vars.prefix, ['.rodata', 4, 8]);
  assert.deepEqual(vars.custom_counter, ['.data.custom', 0, 4]);
  assert.equal(spec.license, 'Dual MIT/GPL');
  assert.equal(spec.kernelVersion, 1);
  const externs = Object.fromEntries(spec.externs.map((e) => [e.name, [e.kind, e.weak]]));
  assert.deepEqual(externs, {
    LINUX_KERNEL_VERSION: ['kconfig', false], CONFIG_HZ: ['kconfig', true], CONFIG_BPF_SYSCALL: ['kconfig', false],
    _stext: ['ksym-var', false], bpf_task_from_pid: ['ksym-func', false], bpf_task_release: ['ksym-func', false],
  });
  const kconfig = spec.maps.find((m) => m.name === '.kconfig')!;
  assert.ok(kconfig.readOnly && kconfig.valueSize >= 9);
  const count = program(spec, 'count_opens');
  const seen = count.references.find((r) => r.kind === 'map-value' && r.map === '.bss' && r.offset === 8);
  assert.ok(seen, 'the address of `seen` is .bss + 8');
  const onSwitch = program(spec, 'on_switch');
  const kfuncs = onSwitch.references.filter((r) => r.kind === 'kfunc').map((r) => r.kind === 'kfunc' && r.name);
  assert.deepEqual(kfuncs.sort(), ['bpf_task_from_pid', 'bpf_task_release']);
  for (const r of onSwitch.references) if (r.kind === 'kfunc') assert.equal(onSwitch.instructions[r.index]!.src, CallSrc.KFUNC);
});

test('every sample object reads into an ObjectSpec or fails with a typed error', () => {
  let loaded = 0;
  let programs = 0;
  for (const path of sampleObjects()) {
    try {
      const spec = loadObject(readFileSync(path));
      loaded++;
      programs += spec.programs.length;
      for (const p of spec.programs) assert.ok(p.instructions.length > 0, `${path}: ${p.name}`);
    } catch (e) {
      assert.ok(e instanceof ObjectError || e instanceof ElfError || e instanceof BtfError, `${path}: ${(e as Error).stack}`);
    }
  }
  // 251 objects outside invalid/; those that fail are x86 objects, a .text-only prog array, a legacy static map and an undeclared extern call.
  assert.ok(loaded >= 245, `${loaded} objects read`);
  assert.ok(programs >= 580, `${programs} programs`);
});

test('malformed objects: not BPF, bad relocation targets, bad map definitions', () => {
  const elf = readFileSync(new URL('../../src/object/testdata/sections.bpf.o', import.meta.url));
  const x86 = Uint8Array.from(elf);
  new DataView(x86.buffer).setUint16(18, 62, true);
  assert.throws(() => loadObject(x86), (e: unknown) => e instanceof ObjectError && e.code === 'NOT_BPF');
  assert.throws(() => loadObject(new Uint8Array(10)), ElfError);
});

test('global .text functions become programs on request, as PREVAIL reads pre-SEC() objects', () => {
  const bytes = readFileSync(new URL('../../../shared/ebpf-samples/build/prog_array.o', import.meta.url));
  assert.throws(() => loadObject(bytes), /slot \d+ names func\d, which is not a program/);
  const spec = loadObject(bytes, { textFunctionsAsPrograms: true });
  assert.deepEqual(spec.programs.map((p) => p.name).sort(), ['func', 'func0', 'func1', 'func2', 'func3']);
  assert.ok(spec.programs.every((p) => p.type === 'unspec' && p.section === '.text'));
  const table = spec.maps.find((m) => m.type === 'prog_array')!;
  assert.equal(table.initialSlots?.size, 4);
});

test('struct_ops maps say which program fills which member', { skip: !existsSync(DCTCP) && 'no ebpf-samples checkout' }, () => {
  const spec = loadObject(new Uint8Array(readFileSync(DCTCP)));
  const byName = new Map((spec.structOps ?? []).map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()].sort(), ['dctcp', 'dctcp_nouse']);
  const dctcp = byName.get('dctcp')!;
  assert.equal(dctcp.typeName, 'tcp_congestion_ops');
  assert.equal(dctcp.section, '.struct_ops');
  assert.deepEqual(Object.fromEntries(dctcp.members), {
    init: 'bpf_dctcp_init', in_ack_event: 'bpf_dctcp_update_alpha', cwnd_event: 'bpf_dctcp_cwnd_event', ssthresh: 'bpf_dctcp_ssthresh',
    cong_avoid: 'bpf_dctcp_cong_avoid', set_state: 'bpf_dctcp_state', undo_cwnd: 'bpf_dctcp_cwnd_undo',
  });
  assert.deepEqual(Object.fromEntries(byName.get('dctcp_nouse')!.members), { init: 'bpf_dctcp_init', set_state: 'bpf_dctcp_state' });
});
