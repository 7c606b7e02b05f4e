import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixture } from '../object/testdata.js';
import { ObjectError, loadObject } from '../object/index.js';
import { KernelMap, NotPermittedError, VerifierError, bpfPermission, kernelVersionCode, loadCollection } from './index.js';

function needsBpf(t: TestContext): boolean {
  const p = bpfPermission();
  if (!p.permitted) t.skip(p.reason ?? 'bpf(2) not permitted');
  return p.permitted;
}

const u32 = (n: number) => new Uint8Array(Uint32Array.of(n).buffer);

/** Pins go to a directory of their own, so tests do not see each other's maps. */
function withPinDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf-test-');
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the fixture objects load into Linux exactly when they should', (t) => {
  if (!needsBpf(t)) return;
  // The kernel's own verdicts (bpftool prog loadall), recorded in src/object/testdata/README.md.
  const verdicts: [string, 'loads' | typeof NotPermittedError | typeof VerifierError | typeof ObjectError][] = [
    ['core.bpf.o', 'loads'],
    ['cpuv4.bpf.o', 'loads'],
    ['globals.bpf.o', 'loads'],
    ['legacy-maps.bpf.o', 'loads'],
    ['maps.bpf.o', 'loads'],
    ['sections.bpf.o', NotPermittedError], // fentry/fexit/lsm are refused with EPERM here
    ['ksym-percpu.bpf.o', VerifierError], // no address for `runqueues` without CONFIG_KALLSYMS_ALL
    ['core-unguarded.bpf.o', ObjectError], // the verifier reaches a poisoned CO-RE access
  ];
  for (const [name, verdict] of verdicts) {
    withPinDir((pinPath) => {
      const spec = fixture(name);
      if (verdict === 'loads') {
        const c = loadCollection(spec, { pinPath });
        try {
          assert.deepEqual([...c.programs.keys()].sort(), spec.programs.map((p) => p.name).sort(), name);
          assert.equal(c.btfWarning, undefined, `${name}: BTF accepted`);
        } finally {
          c.close();
        }
      } else {
        assert.throws(() => loadCollection(spec, { pinPath }), verdict, name);
      }
    });
  }
});

test('every program of sections.bpf.o but the trampoline ones loads on its own', (t) => {
  if (!needsBpf(t)) return;
  const spec = fixture('sections.bpf.o');
  const blocked = new Set(['fentry', 'fexit', 'lsm']);
  const loadable = spec.programs.filter((p) => !blocked.has(p.section.split('/')[0]!)).map((p) => p.name);
  assert.ok(loadable.length >= 15);
  withPinDir((pinPath) => {
    const c = loadCollection(spec, { pinPath, programs: loadable });
    try {
      assert.equal(c.programs.size, loadable.length);
    } finally {
      c.close();
    }
  });
});

test('global data, .rodata frozen, .kconfig filled from the running kernel', (t) => {
  if (!needsBpf(t)) return;
  withPinDir((pinPath) => {
    const spec = fixture('globals.bpf.o');
    const c = loadCollection(spec, { pinPath });
    try {
      const rodata = spec.maps.find((m) => m.name === '.rodata')!;
      assert.deepEqual(new Uint8Array(c.maps.get('.rodata')!.lookup(u32(0))!), rodata.data);
      assert.throws(() => c.maps.get('.rodata')!.update(u32(0), rodata.data!), /EPERM/, '.rodata is frozen');
      const kconfig = c.maps.get('.kconfig')!.lookup(u32(0))!;
      const view = new DataView(kconfig.buffer, kconfig.byteOffset);
      const at = (name: string) => spec.externs.find((e) => e.name === name)!.offset!;
      assert.equal(view.getUint32(at('LINUX_KERNEL_VERSION'), true), kernelVersionCode());
      assert.equal(view.getUint8(at('CONFIG_BPF_SYSCALL')), 1);
    } finally {
      c.close();
    }
  });
});

test('map-in-map slots, prog array slots and pinning by name', (t) => {
  if (!needsBpf(t)) return;
  withPinDir((pinPath) => {
    const spec = fixture('maps.bpf.o');
    const c = loadCollection(spec, { pinPath });
    try {
      const outer = c.maps.get('outer_array')!;
      assert.ok(outer.lookup(u32(0)), 'slot 0 holds inner_a');
      assert.equal(outer.lookup(u32(1)), undefined);
      assert.ok(outer.lookup(u32(2)), 'slot 2 holds inner_b');
      const jumps = c.maps.get('jump_table')!;
      assert.ok(jumps.lookup(u32(0)) && jumps.lookup(u32(3)), 'the prog array holds tail_target twice');
      const pinned = KernelMap.openPinned(`${pinPath}/lru_pinned`);
      pinned.update(new Uint8Array(8), new Uint8Array(8).fill(7));
      pinned.close();
      const again = loadCollection(spec, { pinPath });
      try {
        assert.deepEqual(new Uint8Array(again.maps.get('lru_pinned')!.lookup(new Uint8Array(8))!), new Uint8Array(8).fill(7), 'a second load reuses the pinned map');
      } finally {
        again.close();
      }
    } finally {
      c.close();
    }
  });
});

test('a non-weak kconfig extern the kernel lacks is an ObjectError naming it', (t) => {
  if (!needsBpf(t)) return;
  const spec = fixture('globals.bpf.o');
  const renamed = { ...spec, externs: spec.externs.map((e) => (e.name === 'CONFIG_BPF_SYSCALL' ? { ...e, name: 'CONFIG_TSBPF_NOT_A_THING' } : e)) };
  withPinDir((pinPath) => {
    assert.throws(() => loadCollection(renamed, { pinPath }), (e: unknown) => e instanceof ObjectError && /CONFIG_TSBPF_NOT_A_THING/.test(e.message));
  });
});

test('every sample object libbpf loads into this kernel, tsbpf loads too (struct_ops aside)', (t) => {
  if (!needsBpf(t)) return;
  const root = fileURLToPath(new URL('../../../shared/ebpf-samples/', import.meta.url));
  const { objects: results } = JSON.parse(readFileSync(`${root}kernel-results.json`, 'utf8')) as { objects: Record<string, { bpftool_loadall?: { verdict: string } }> };
  const failures: string[] = [];
  let loaded = 0;
  for (const [path, verdict] of Object.entries(results)) {
    if (verdict.bpftool_loadall?.verdict !== 'accepted') continue;
    const spec = loadObject(readFileSync(`${root}${path}`));
    // struct_ops maps need the kernel's struct_ops value types, which tsbpf does not build yet.
    if (spec.maps.some((m) => m.type === 'struct_ops') || spec.programs.some((p) => p.type === 'struct_ops')) continue;
    withPinDir((pinPath) => {
      try {
        loadCollection(spec, { pinPath }).close();
        loaded++;
      } catch (e) {
        failures.push(`${path}: ${(e as Error).message.split('\n').slice(-3).join(' ')}`);
      }
    });
  }
  assert.deepEqual(failures, []);
  assert.ok(loaded >= 55, `${loaded} objects loaded`);
});

test('an unguarded CO-RE access the kernel lacks is explained by its relocation, not as an unknown call', (t) => {
  if (!needsBpf(t)) return;
  withPinDir((pinPath) => {
    assert.throws(() => loadCollection(fixture('core-unguarded.bpf.o'), { pinPath }), (e: unknown) => {
      assert.ok(e instanceof ObjectError, String(e));
      assert.equal(e.code, 'CORE_RELOCATION');
      assert.equal(e.location.program, 'read_old_state');
      assert.match(e.message, /field_byte_offset of struct task_struct___old\.state: no candidate fits: struct task_struct \[\d+\] has no member state/);
      return true;
    });
  });
});
