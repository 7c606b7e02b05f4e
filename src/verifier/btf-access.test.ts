import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BTF_RCU, BTF_TRUSTED, BTF_UNTRUSTED, structAccess, structIdsMatch, walkedPointerFlags, type WalkResult } from './btf-access.js';
import { kernelBtf } from './object.js';
import { btfReturnRange, resolveAttachBtf, tracingCtxAccess, tcpCaWrite } from './tracing-context.js';

const vmlinux = kernelBtf();
const skip = vmlinux ? false : 'no kernel BTF at /sys/kernel/btf/vmlinux';
const id = (name: string) => vmlinux!.named(name, 'struct')!.id;
/** Byte offset of a (dotted) member path, from this kernel's BTF. */
function offsetOf(struct: string, path: string): number {
  let tid = id(struct);
  let off = 0;
  for (const part of path.split('.')) {
    const { bitOffset, member } = vmlinux!.memberOffset(tid, part);
    off += bitOffset / 8;
    tid = member.type;
  }
  return off;
}
const shape = (r: WalkResult) => (r.kind === 'ptr' ? `ptr ${vmlinux!.type(r.id).name}${r.union ? ' via union' : ''}` : r.kind === 'error' ? `error: ${r.message}` : r.kind);

test('btf_struct_walk on real kernel structs', { skip }, () => {
  const cases: [string, string, (o: number) => number, number, string][] = [
    ['task_struct', 'pid', (o) => o, 4, 'scalar'],
    ['task_struct', 'pid (inside the member)', (o) => o + 1, 2, 'scalar'],
    ['task_struct', 'comm (char array as scratch)', (o) => o, 8, 'scalar'],
    ['task_struct', 'mm', (o) => o, 8, 'ptr mm_struct'],
    ['task_struct', 'real_parent', (o) => o, 8, 'ptr task_struct'],
    ['task_struct', 'mm (narrow)', (o) => o, 4, 'error: cannot access ptr member mm with moff %o in struct task_struct with off %o size 4'],
    ['sk_buff', 'head', (o) => o, 8, 'untrusted_mem'],
    ['sk_buff', 'dev', (o) => o, 8, 'ptr net_device via union'],
    ['tcp_sock', 'snd_cwnd', (o) => o, 4, 'scalar'],
    ['tcp_sock', 'inet_conn.icsk_inet.sk.__sk_common.skc_family', (o) => o, 2, 'scalar'],
    ['sock', '__sk_common.skc_family', (o) => o, 2, 'scalar'],
  ];
  for (const [struct, field, at, size, expected] of cases) {
    const o = at(offsetOf(struct, field.split(' ')[0]!));
    const want = expected.replaceAll('%o', String(o));
    assert.equal(shape(structAccess(vmlinux!, id(struct), o, size)), want, `${struct}.${field}`);
  }
  const size = vmlinux!.sizeof(id('task_struct'));
  assert.equal(shape(structAccess(vmlinux!, id('task_struct'), size, 4)), `error: access beyond struct task_struct at off ${size} size 4`);
});

test('btf_struct_ids_match walks first members and nested structs', { skip }, () => {
  assert.ok(structIdsMatch(vmlinux!, id('tcp_sock'), 0, id('sock'), false));
  assert.ok(structIdsMatch(vmlinux!, id('tcp_sock'), 0, id('inet_connection_sock'), false));
  assert.ok(!structIdsMatch(vmlinux!, id('tcp_sock'), 0, id('sock'), true));
  assert.ok(!structIdsMatch(vmlinux!, id('sock'), 0, id('tcp_sock'), false));
  assert.ok(!structIdsMatch(vmlinux!, id('task_struct'), 0, id('sock'), false));
});

test('pointers walked from trusted ones: the kernel\'s safe-field lists', { skip }, () => {
  const cases: [string, string, number, { flags: number; maybeNull: boolean }][] = [
    ['task_struct', 'real_parent', BTF_TRUSTED, { flags: BTF_RCU, maybeNull: false }],
    ['task_struct', 'mm', BTF_TRUSTED, { flags: 0, maybeNull: false }],
    ['sk_buff', 'sk', BTF_TRUSTED, { flags: BTF_RCU, maybeNull: true }],
    ['socket', 'sk', BTF_TRUSTED, { flags: BTF_TRUSTED, maybeNull: true }],
    ['bpf_iter_meta', 'seq', BTF_TRUSTED, { flags: BTF_TRUSTED, maybeNull: false }],
    ['task_struct', 'real_parent', 0, { flags: 0, maybeNull: false }],
    ['task_struct', 'real_parent', BTF_UNTRUSTED, { flags: BTF_UNTRUSTED, maybeNull: false }],
  ];
  for (const [struct, field, base, expected] of cases) {
    assert.deepEqual(walkedPointerFlags(vmlinux!, id(struct), base, field, false), expected, `${struct}.${field} from flags ${base}`);
  }
});

test('btf_ctx_access for tp_btf, iter and struct_ops targets', { skip }, () => {
  const target = (t: Parameters<typeof resolveAttachBtf>[1]) => {
    const a = resolveAttachBtf(vmlinux!, t);
    assert.ok(typeof a === 'object', String(a));
    return a;
  };
  const newtask = target({ type: 'tracing', attachType: 'trace_raw_tp', attachTo: 'task_newtask' });
  assert.deepEqual(tracingCtxAccess(newtask, 0, 8, false), { kind: 'btf', id: id('task_struct'), flags: BTF_TRUSTED, maybeNull: false });
  assert.deepEqual(tracingCtxAccess(newtask, 8, 8, false), { kind: 'scalar' });
  assert.deepEqual(tracingCtxAccess(newtask, 0, 4, false), { kind: 'invalid', lines: ["func 'task_newtask' size 4 must be 8", 'invalid bpf_context access off=0 size=4'] });
  assert.deepEqual(tracingCtxAccess(newtask, 16, 8, false), { kind: 'invalid', lines: ["func 'task_newtask' doesn't have 3-th argument", 'invalid bpf_context access off=16 size=8'] });
  assert.deepEqual(tracingCtxAccess(newtask, 0, 8, true), { kind: 'invalid', lines: ['invalid bpf_context access off=0 size=8'] });
  const kfree = target({ type: 'tracing', attachType: 'trace_raw_tp', attachTo: 'kfree_skb' });
  // rx_sk (arg3) may be NULL: raw_tp_null_args, as recorded from Linux.
  assert.deepEqual(tracingCtxAccess(kfree, 24, 8, false), { kind: 'btf', id: id('sock'), flags: BTF_TRUSTED, maybeNull: true });
  assert.deepEqual(tracingCtxAccess(kfree, 20, 4, false), { kind: 'invalid', lines: ["func 'kfree_skb' offset 20 is not multiple of 8", 'invalid bpf_context access off=20 size=4'] });
  const iter = target({ type: 'tracing', attachType: 'trace_iter', attachTo: 'task' });
  assert.deepEqual(tracingCtxAccess(iter, 8, 8, false), { kind: 'btf', id: id('task_struct'), flags: BTF_TRUSTED, maybeNull: true });
  assert.deepEqual(tracingCtxAccess(iter, 0, 8, false), { kind: 'btf', id: id('bpf_iter_meta'), flags: BTF_TRUSTED, maybeNull: false });
  assert.deepEqual(btfReturnRange(iter), [0, 1]);
  const ca = target({ type: 'struct_ops', attachTo: '', structOps: { typeName: 'tcp_congestion_ops', member: 'cong_avoid' } });
  // bpf_tcp_ca_is_valid_access: the socket is a tcp_sock.
  assert.deepEqual(tracingCtxAccess(ca, 0, 8, false), { kind: 'btf', id: id('tcp_sock'), flags: BTF_TRUSTED, maybeNull: false });
  assert.equal(btfReturnRange(ca), 'void');
  assert.equal(typeof resolveAttachBtf(vmlinux!, { type: 'tracing', attachType: 'trace_raw_tp', attachTo: 'no_such_tracepoint' }), 'string');
});

test('tcp_congestion_ops may write only some tcp_sock fields', { skip }, () => {
  const cwnd = offsetOf('tcp_sock', 'snd_cwnd');
  assert.equal(tcpCaWrite(vmlinux!, id('tcp_sock'), cwnd, 4), undefined);
  assert.equal(tcpCaWrite(vmlinux!, id('tcp_sock'), cwnd + 2, 2), `no write support to tcp_sock at off ${cwnd + 2}`);
  assert.equal(tcpCaWrite(vmlinux!, id('tcp_sock'), cwnd, 8), `write access at off ${cwnd} with size 8 beyond the member of tcp_sock ended at ${cwnd + 4}`);
  assert.equal(tcpCaWrite(vmlinux!, id('sock'), 0, 4), 'only read is supported');
});
