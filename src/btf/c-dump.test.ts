import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpC, loadBtf, parseBtf, type Btf } from './index.js';
import { fixture, VMLINUX } from './testdata.js';

const has = (tool: string, arg = '--version') => {
  try {
    execFileSync(tool, [arg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const clang = has('clang-19');
const bpftool = has('bpftool', 'version');
const noClang = clang ? false : 'clang-19 is not installed';
const noVmlinux = existsSync(VMLINUX) ? false : `${VMLINUX} is missing`;

function compile(files: Record<string, string>, main: string, extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-btf-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return execFileSync('clang-19', ['-O2', '-g', '-target', 'bpf', '-Werror', '-c', join(dir, main), '-o', join(dir, 'out.o'), ...extra], { encoding: 'utf8', stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Static assertions on the size of every uniquely named record and the offset of its members. */
function layoutAssertions(btf: Btf, limit: number): string {
  const byName = new Map<string, number>();
  for (const t of btf.types) if ((t.kind === 'struct' || t.kind === 'union') && t.name) byName.set(t.name, (byName.get(t.name) ?? 0) + 1);
  const lines: string[] = [];
  let records = 0;
  for (const t of btf.types) {
    if ((t.kind !== 'struct' && t.kind !== 'union') || !t.name || byName.get(t.name) !== 1) continue;
    // va_list is an array on x86 but a pointer on the BPF target, so records holding one differ by design.
    if (JSON.stringify(t.members.map((m) => btf.type(m.type).name)).includes('va_list')) continue;
    if (btf.all(t.name).some((o) => o.kind === 'enum' || o.kind === 'enum64')) continue;
    if (records++ >= limit) break;
    lines.push(`_Static_assert(sizeof(${t.kind} ${t.name}) == ${t.size}, "size of ${t.name}");`);
    for (const m of t.members) {
      if (m.name && !m.bitfieldSize) lines.push(`_Static_assert(__builtin_offsetof(${t.kind} ${t.name}, ${m.name}) == ${m.bitOffset / 8}, "${t.name}.${m.name}");`);
    }
  }
  return lines.join('\n');
}

const { btf: kinds } = loadBtf(readFileSync(fixture('kinds.o')));

test('the fixture dumps to the declarations of kinds.c', () => {
  const text = dumpC(kinds);
  for (const expected of [
    'struct bits {\n\tunsigned int a: 3;\n\tunsigned int b: 5;\n\tint c: 7;\n\tu64 d;\n\tenum color color;\n\tchar name[8];\n};',
    'struct packed_pair {\n\tchar c;\n\tu32 n;\n} __attribute__((packed));',
    '\tconst volatile int *restrict cv;',
    '\tint __attribute__((btf_type_tag("user"))) *user_ptr;',
    '\tint (*callback)(int, struct bits *);',
    '\tstruct {\n\t\tint x;\n\t\tint y;\n\t} anon;',
    '\tunion {\n\t\tint alias_a;\n\t\tunsigned int alias_b;\n\t};',
    'enum wide {\n\tWIDE_SMALL = 1,\n\tWIDE_BIG = 4886718345LL,\n};',
    'enum delta {\n\tMINUS = -1,\n\tPLUS = 1,\n};',
    'struct opaque;',
    'enum tiny {\n\tTINY_A = 1,\n\tTINY_B = 200,\n} __attribute__((mode(byte)));',
    'enum half {\n\tHALF_A = 1,\n\tHALF_B = 4660,\n} __attribute__((mode(HI)));',
    '\tint (*handlers[2])(void);',
    '#ifndef __VMLINUX_H__',
    '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)',
  ]) {
    assert.ok(text.includes(expected), `missing:\n${expected}\n--- in ---\n${text}`);
  }
  // struct bits is used through a pointer in node's callback before its definition: declared first.
  assert.ok(text.indexOf('struct bits;') < text.indexOf('struct node {'));
  assert.ok(text.indexOf('typedef unsigned int u32;') < text.indexOf('union either {'));
  assert.ok(!text.includes('struct node;'), 'a self-reference needs no forward declaration');
});

test('the fixture header compiles and reproduces the layouts', { skip: noClang }, () => {
  compile({ 'kinds.h': dumpC(kinds), 'main.c': `#include "kinds.h"\n${layoutAssertions(kinds, 1000)}\n_Static_assert(sizeof(enum tiny) == 1 && sizeof(enum half) == 2 && sizeof(enum wide) == 8, "enum sizes");\nint use(struct node *n) { return n->alias_a + n->handlers[1](); }\n` }, 'main.c');
});

test('dump of the running kernel BTF compiles with a CO-RE program using kernel structs', { skip: noClang || noVmlinux }, () => {
  const vmlinux = parseBtf(readFileSync(VMLINUX));
  const header = dumpC(vmlinux);
  const program = `#include "vmlinux.h"
#define SEC(name) __attribute__((section(name), used))
SEC("tp/syscalls/sys_enter_openat")
int handle(struct trace_event_raw_sys_enter *ctx) {
  struct task_struct *task = (struct task_struct *)ctx->args[0];
  struct sk_buff *skb = (struct sk_buff *)ctx->args[1];
  return ctx->id + task->pid + task->tgid + skb->len + sizeof(struct task_struct) + __builtin_preserve_field_info(task->flags, 0);
}
${layoutAssertions(vmlinux, 3000)}
char LICENSE[] SEC("license") = "GPL";
`;
  compile({ 'vmlinux.h': header, 'prog.c': program }, 'prog.c');
});

/** Names defined at top level: struct/union/enum tags and typedef names. */
function definedNames(header: string): Set<string> {
  const names = new Set<string>();
  for (const m of header.matchAll(/^(struct|union|enum) (\w+) \{/gm)) names.add(`${m[1]} ${m[2]!.replace(/___\d+$/, '')}`);
  for (const m of header.matchAll(/^typedef [^;]*?(\w+)(?:\)\(.*\))?(?:\[\d*\])*;$/gm)) names.add(`typedef ${m[1]!.replace(/___\d+$/, '')}`);
  for (const m of header.matchAll(/^\} (?:__attribute__\(\(\w+\)\) )?(\w+);$/gm)) names.add(`typedef ${m[1]!.replace(/___\d+$/, '')}`);
  return names;
}

test('emits the same type names as bpftool btf dump format c', { skip: bpftool ? noVmlinux : 'bpftool is not installed' }, () => {
  const ours = definedNames(dumpC(parseBtf(readFileSync(VMLINUX))));
  const theirs = definedNames(execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], { encoding: 'utf8', maxBuffer: 256 << 20 }));
  const missing = [...theirs].filter((n) => !ours.has(n));
  const extra = [...ours].filter((n) => !theirs.has(n));
  assert.ok(theirs.size > 1000);
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
});
