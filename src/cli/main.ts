/**
 * `tsbpf` — the command line, a thin layer over the library.
 */
import { type Command, type Io, UsageError } from './command.js';

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

/** Every command, by name. Modules load lazily. */
const COMMANDS: Record<string, Entry> = {
  'trace-open': { summary: 'print TIME(s) COMM PID FILE for every file opened (this process, or the machine with --target kernel)', load: async () => (await import('./demos.js')).traceOpenCommand },
  hello: { summary: 'bpf_printk("Hello, World!") on every file open, read back from the trace pipe', load: async () => (await import('./demos.js')).helloCommand },
  asm: { summary: 'assemble a source file to raw bytecode', load: async () => (await import('./asm.js')).asmCommand },
  disasm: { summary: 'disassemble raw bytecode, assembly or an ELF object', load: async () => (await import('./disasm.js')).disasmCommand },
  jit: { summary: 'compile a program to WebAssembly and print it as text (or save the module)', load: async () => (await import('./jit.js')).jitCommand },
  inspect: { summary: 'list the programs, maps, globals and CO-RE relocations of an ELF object', load: async () => (await import('./inspect.js')).inspectCommand },
  run: { summary: 'run a program in the interpreter and print r0', load: async () => (await import('./run.js')).runCommand },
  conformance: { summary: 'run every .data file of a conformance directory', load: async () => (await import('./conformance.js')).conformanceCommand },
  btf: { summary: 'dump BTF as a C header or as text', load: async () => (await import('./btf.js')).btfCommand },
  build: { summary: 'compile a BPF C source to an object with clang', load: async () => (await import('./build.js')).buildCommand },
  kernel: { summary: 'load a program into Linux, then test-run it or show the verifier log', load: async () => (await import('./kernel.js')).kernelCommand },
  verify: { summary: "check a program with tsbpf's verifier (Linux 6.18's rules), without a kernel", load: async () => (await import('./verify.js')).verifyCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, e]) => `  ${name.padEnd(width)}  ${e.summary}`);
  return `usage: tsbpf <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tsbpf <command> --help' for a command's options.\n`;
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Io = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout.write('tsbpf 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`tsbpf: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`tsbpf ${name}: ${error.message}\n`);
      return 2;
    }
    const e = error as Error & { code?: unknown };
    io.stderr.write(`tsbpf ${name}: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n`);
    if (process.env.TSBPF_DEBUG) io.stderr.write(`${e?.stack ?? ''}\n`);
    return 1;
  }
}
