import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseBtf, parseBtfExt, CORE_RELOCATION_KIND_NAMES } from '../btf/index.js';
import { parseElf } from '../elf/index.js';
import { buildCommand } from '../cli/build.js';
import {
  build,
  findClang,
  HELPER_PROTOTYPES,
  INCLUDE_DIR,
  KERNEL_BTF_PATH,
  renderHelperHeader,
  targetArch,
  ToolchainError,
  vmlinuxHeader,
  type BpfCpu,
} from './index.js';
import { which } from './clang.js';

// dist/toolchain/x.test.js -> repo root
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MACRO_SOURCES = join(ROOT, 'src/toolchain/testdata');
const FIXTURES = join(ROOT, 'src/object/testdata');
const EXAMPLES = join(ROOT, 'examples');

const work = mkdtempSync(join(tmpdir(), 'tsbpf-toolchain-'));
// A private cache: tests must not depend on, or fill, the user's ~/.cache.
const env = { ...process.env, TSBPF_CACHE_DIR: join(work, 'cache') };
after(() => rmSync(work, { recursive: true, force: true }));

function clangMissing(): string | false {
  try {
    findClang(env);
    return false;
  } catch (e) {
    return `no clang: ${(e as Error).message}`;
  }
}
const kernelBtfMissing = (() => {
  try {
    statSync(KERNEL_BTF_PATH);
    return false;
  } catch {
    return `no kernel BTF at ${KERNEL_BTF_PATH}`;
  }
})();
const cannotCompile = clangMissing() || kernelBtfMissing;

function bufferIo() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string | Uint8Array) => (out += String(t)) }, stderr: { write: (t: string | Uint8Array) => (err += String(t)) } },
    out: () => out,
    err: () => err,
  };
}

describe('helper header', () => {
  test('the committed include/tsbpf/bpf_helper_defs.h is what the generator writes', () => {
    const committed = readFileSync(join(INCLUDE_DIR, 'tsbpf/bpf_helper_defs.h'), 'utf8');
    assert.equal(committed, renderHelperHeader(), 'stale header: run `npx tsc -p . && node scripts/gen-helper-header.mjs`');
  });

  test('declarations take the helper id as the function pointer value', () => {
    const text = renderHelperHeader();
    assert.match(text, /^static long \(\* const bpf_map_update_elem\)\(void \*map, const void \*key, const void \*value, __u64 flags\) = \(void \*\) 2;$/m);
    assert.match(text, /^static void \*\(\* const bpf_map_lookup_elem\)\(void \*map, const void \*key\) = \(void \*\) 1;$/m);
    assert.match(text, /^static struct task_struct \*\(\* const bpf_get_current_task_btf\)\(void\) = \(void \*\) 158;$/m);
  });

  test('names and ids are unique', () => {
    assert.equal(new Set(HELPER_PROTOTYPES.map((p) => p.name)).size, HELPER_PROTOTYPES.length);
    assert.equal(new Set(HELPER_PROTOTYPES.map((p) => p.id)).size, HELPER_PROTOTYPES.length);
  });

  test('every id matches enum bpf_func_id of the running kernel', { skip: kernelBtfMissing }, () => {
    const btf = parseBtf(readFileSync(KERNEL_BTF_PATH));
    const funcIds = btf.types.find((t) => t.kind === 'enum' && t.name === 'bpf_func_id');
    assert.ok(funcIds && funcIds.kind === 'enum', 'kernel BTF has enum bpf_func_id');
    const kernel = new Map(funcIds.values.map((v) => [v.name, Number(v.value)]));
    for (const proto of HELPER_PROTOTYPES) {
      assert.equal(kernel.get(`BPF_FUNC_${proto.name}`), proto.id, `BPF_FUNC_${proto.name}`);
    }
  });
});

describe('finding clang', () => {
  test('TSBPF_CLANG pointing at nothing is CLANG_NOT_FOUND', () => {
    assert.throws(() => findClang({ TSBPF_CLANG: '/nonexistent/clang', PATH: '' }), (e: unknown) => e instanceof ToolchainError && e.code === 'CLANG_NOT_FOUND' && /TSBPF_CLANG/.test(e.message));
  });

  test('no clang on PATH names the Debian package', () => {
    assert.throws(
      () => findClang({ PATH: work }),
      (e: unknown) => e instanceof ToolchainError && e.code === 'CLANG_NOT_FOUND' && e.message.includes('apt-get install clang-19'),
    );
  });

  test('TSBPF_CLANG wins over PATH', { skip: clangMissing() }, () => {
    const path = which('clang-19') ?? which('clang')!;
    assert.deepEqual(findClang({ TSBPF_CLANG: path, PATH: '' }), { path, source: 'TSBPF_CLANG' });
  });

  test('build without clang fails before touching the output', async () => {
    const output = join(work, 'never.o');
    await assert.rejects(
      build({ source: join(EXAMPLES, 'hello.bpf.c'), output, env: { PATH: work } }),
      (e: unknown) => e instanceof ToolchainError && e.code === 'CLANG_NOT_FOUND',
    );
    assert.throws(() => statSync(output));
  });

  test('x64 maps to __TARGET_ARCH_x86, unknown architectures are refused', () => {
    assert.equal(targetArch('x64'), 'x86');
    assert.equal(targetArch('arm64'), 'arm64');
    assert.throws(() => targetArch('vax'), (e: unknown) => e instanceof ToolchainError && e.code === 'BAD_OPTION');
  });
});

describe('vmlinux.h', { skip: kernelBtfMissing }, () => {
  const producers = [
    { producer: 'tsbpf' as const, skip: false as string | false },
    { producer: 'bpftool' as const, skip: which('bpftool', `${process.env.PATH}:/usr/sbin`) ? false : 'bpftool not installed' },
  ];
  for (const { producer, skip } of producers) {
    test(`${producer} dumps once, then the cache answers`, { skip }, async () => {
      const cacheDir = join(work, `cache-${producer}`);
      const first = await vmlinuxHeader({ producer, cacheDir });
      assert.equal(first.cached, false);
      assert.equal(first.producer, producer);
      const text = readFileSync(first.path, 'utf8');
      assert.match(text, /struct task_struct \{/);
      assert.match(text, /BPF_MAP_TYPE_RINGBUF = 27,/);
      const second = await vmlinuxHeader({ producer, cacheDir });
      assert.deepEqual(second, { ...first, cached: true });
    });
  }

  test('unreadable BTF is VMLINUX_UNAVAILABLE', async () => {
    await assert.rejects(vmlinuxHeader({ btfPath: join(work, 'missing'), cacheDir: work }), (e: unknown) => e instanceof ToolchainError && e.code === 'VMLINUX_UNAVAILABLE');
  });

  test('TSBPF_VMLINUX_PRODUCER must name a producer', async () => {
    await assert.rejects(vmlinuxHeader({ cacheDir: work }, { TSBPF_VMLINUX_PRODUCER: 'gcc' }), (e: unknown) => e instanceof ToolchainError && e.code === 'BAD_OPTION');
  });
});

/** Compiles and returns clang's stderr; fails the test on a compile error. */
async function compile(source: string, output: string, cpu: BpfCpu = 'v3'): Promise<string> {
  const result = await build({ source, output, cpu, env });
  assert.ok(statSync(output).size > 0);
  return result.diagnostics;
}

describe('compiling with tsbpf headers', { skip: cannotCompile }, () => {
  const macroSources = readdirSync(MACRO_SOURCES).filter((f) => f.endsWith('.bpf.c'));
  test('there are macro programs to compile', () => assert.ok(macroSources.length >= 3));
  for (const name of macroSources) {
    test(`${name} compiles with -Wall and no warnings`, async () => {
      assert.equal(await compile(join(MACRO_SOURCES, name), join(work, `${name}.o`)), '');
    });
  }

  test('a compile error carries clang diagnostics', async () => {
    const source = join(work, 'broken.bpf.c');
    writeFileSync(source, '#include "vmlinux.h"\nint f(void) { return undeclared_name; }\n');
    await assert.rejects(build({ source, output: join(work, 'broken.o'), env }), (e: unknown) => {
      assert.ok(e instanceof ToolchainError);
      assert.equal(e.code, 'COMPILE_FAILED');
      assert.equal(e.details.exitCode, 1);
      assert.match(e.details.diagnostics ?? '', /broken\.bpf\.c:2:\d+: error: use of undeclared identifier 'undeclared_name'/);
      return true;
    });
  });

  test('v4 instructions need --cpu v4', async () => {
    const source = join(FIXTURES, 'cpuv4.bpf.c');
    await assert.rejects(compile(source, join(work, 'v3.o'), 'v3'), (e: unknown) => e instanceof ToolchainError && /signed division/.test(e.details.diagnostics ?? ''));
    assert.equal(await compile(source, join(work, 'v4.o'), 'v4'), '');
  });

  test('a given vmlinux.h is used as is', async () => {
    const header = await vmlinuxHeader({ cacheDir: join(work, 'given') });
    const result = await build({ source: join(EXAMPLES, 'hello.bpf.c'), output: join(work, 'given.o'), vmlinuxHeader: header.path, env: { ...env, TSBPF_CACHE_DIR: join(work, 'unused') } });
    assert.deepEqual(result.vmlinux, { path: header.path, producer: 'given', cached: false });
    assert.throws(() => statSync(join(work, 'unused')));
    await assert.rejects(build({ source: join(EXAMPLES, 'hello.bpf.c'), output: join(work, 'given.o'), vmlinuxHeader: join(ROOT, 'package.json'), env }), (e: unknown) => e instanceof ToolchainError && e.code === 'BAD_OPTION');
  });

  test('-D and -I pass through to clang', async () => {
    const dir = join(work, 'inc');
    rmSync(dir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'extra.h'), '#define FROM_EXTRA 3\n');
    const source = join(work, 'flags.bpf.c');
    writeFileSync(source, '#include "vmlinux.h"\n#include <tsbpf/bpf_helpers.h>\n#include "extra.h"\nSEC("socket") int f(void *ctx) { return FROM_EXTRA + VALUE; }\nLICENSE("GPL");\n');
    const result = await build({ source, output: join(work, 'flags.o'), includeDirs: [dir], defines: ['VALUE=4'], env });
    assert.ok(result.argv.includes('-DVALUE=4') && result.argv.includes(`-I${dir}`));
    assert.ok(result.argv.includes('-D__TARGET_ARCH_x86') || process.arch !== 'x64');
  });
});

describe('object fixtures', { skip: cannotCompile }, () => {
  const sources = readdirSync(FIXTURES).filter((f) => f.endsWith('.bpf.c'));
  for (const name of sources) {
    test(`${name} compiles cleanly and has its committed object`, async () => {
      const cpu: BpfCpu = name.startsWith('cpuv4') ? 'v4' : 'v3';
      assert.equal(await compile(join(FIXTURES, name), join(work, `${name}.o`), cpu), '');
      assert.ok(statSync(join(FIXTURES, name.replace(/\.c$/, '.o'))).size > 0, 'run scripts/build-object-fixtures.sh');
    });
  }
});

describe('committed fixture objects', () => {
  const sectionsOf = (name: string) => parseElf(readFileSync(join(FIXTURES, name))).sections.map((s) => s.name);

  test('core.bpf.o records every CO-RE relocation kind', () => {
    const elf = parseElf(readFileSync(join(FIXTURES, 'core.bpf.o')));
    const btf = parseBtf(elf.section('.BTF')!.data);
    const ext = parseBtfExt(elf.section('.BTF.ext')!.data, btf);
    const kinds = new Set([...ext.coreRelocations.values()].flat().map((r) => r.kind));
    for (const kind of CORE_RELOCATION_KIND_NAMES) assert.ok(kinds.has(kind), kind);
  });

  test('sections.bpf.o has programs in every section kind', () => {
    const names = sectionsOf('sections.bpf.o');
    for (const s of ['socket', 'xdp', 'tc', 'classifier', 'tracepoint/syscalls/sys_enter_openat', 'tp/sched/sched_process_exec', 'raw_tp/sys_enter', 'tp_btf/sched_switch', 'fentry/do_unlinkat', 'fexit/do_unlinkat', 'kprobe/do_sys_openat2', 'uprobe', 'cgroup_skb/ingress', 'sk_msg', 'lsm/file_open', 'iter/task', '.text']) {
      assert.ok(names.includes(s), s);
    }
  });

  test('globals.bpf.o has every global data section', () => {
    const names = sectionsOf('globals.bpf.o');
    for (const s of ['.data', '.rodata', '.bss', '.data.custom', '.rodata.custom', '.rodata.str1.1', 'license', 'version']) assert.ok(names.includes(s), s);
  });

  test('legacy-maps.bpf.o declares maps in the legacy section', () => {
    assert.ok(sectionsOf('legacy-maps.bpf.o').includes('maps'));
  });
});

const mayLoad = cannotCompile || (process.getuid?.() !== 0 ? 'not root: loading BPF needs CAP_BPF' : false) || (which('bpftool', `${process.env.PATH}:/usr/sbin`) ? false : 'bpftool not installed');

describe('demo objects load into the kernel', { skip: mayLoad }, () => {
  for (const name of ['hello', 'trace-open']) {
    test(`examples/${name}.bpf.c verifies`, async (t) => {
      const object = join(work, `${name}.bpf.o`);
      assert.equal(await compile(join(EXAMPLES, `${name}.bpf.c`), object), '');
      const pin = `/sys/fs/bpf/tsbpf-test-${process.pid}-${name}`;
      const bpftool = which('bpftool', `${process.env.PATH}:/usr/sbin`)!;
      try {
        const result = spawnSync(bpftool, ['prog', 'loadall', object, pin], { encoding: 'utf8' });
        if (result.status !== 0 && /Operation not permitted|bpf\(\) syscall/.test(result.stderr) && !/BEGIN PROG LOAD LOG/.test(result.stderr)) {
          t.skip(`bpf(2) not permitted here: ${result.stderr.trim().split('\n')[0]}`);
          return;
        }
        assert.equal(result.status, 0, result.stderr);
        assert.ok(readdirSync(pin).length >= 1);
      } finally {
        rmSync(pin, { recursive: true, force: true });
      }
    });
  }
});

describe('tsbpf build', () => {
  test('no source is a usage error', async () => {
    await assert.rejects(buildCommand([], bufferIo().io), /usage: tsbpf build/);
  });

  test('an unknown cpu is a usage error', async () => {
    await assert.rejects(buildCommand(['x.c', '--cpu', 'v9'], bufferIo().io), /unknown --cpu v9/);
  });

  test('a missing source reports BAD_OPTION and exits 1', async () => {
    const b = bufferIo();
    assert.equal(await buildCommand([join(work, 'absent.bpf.c')], b.io), 1);
    assert.match(b.err(), /BAD_OPTION: source .*absent\.bpf\.c does not exist/);
  });

  test('a compile error passes clang diagnostics through and exits 1', { skip: cannotCompile }, async () => {
    const source = join(work, 'cli-broken.bpf.c');
    writeFileSync(source, 'int f(void) { return missing_symbol; }\n');
    const saved = process.env.TSBPF_CACHE_DIR;
    process.env.TSBPF_CACHE_DIR = env.TSBPF_CACHE_DIR;
    try {
      const b = bufferIo();
      assert.equal(await buildCommand([source, '-o', join(work, 'cli-broken.o')], b.io), 1);
      assert.match(b.err(), /cli-broken\.bpf\.c:1:\d+: error: use of undeclared identifier 'missing_symbol'/);
      assert.match(b.err(), /tsbpf build: COMPILE_FAILED: clang failed on .*cli-broken\.bpf\.c \(exit 1\)/);
    } finally {
      if (saved === undefined) delete process.env.TSBPF_CACHE_DIR;
      else process.env.TSBPF_CACHE_DIR = saved;
    }
  });

  test('--verbose says which clang and which vmlinux.h producer', { skip: cannotCompile }, async () => {
    const saved = process.env.TSBPF_CACHE_DIR;
    process.env.TSBPF_CACHE_DIR = env.TSBPF_CACHE_DIR;
    try {
      const b = bufferIo();
      const output = join(work, 'cli-hello.o');
      assert.equal(await buildCommand([join(EXAMPLES, 'hello.bpf.c'), '-o', output, '-v', '--vmlinux-producer', 'tsbpf'], b.io), 0);
      assert.match(b.err(), /^clang: .*clang/m);
      assert.match(b.err(), /^vmlinux\.h: .* \(producer tsbpf/m);
      assert.match(b.err(), /-target bpf -mcpu=v3/);
      assert.ok(statSync(output).size > 0);
    } finally {
      if (saved === undefined) delete process.env.TSBPF_CACHE_DIR;
      else process.env.TSBPF_CACHE_DIR = saved;
    }
  });
});
