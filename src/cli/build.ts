/**
 * `tsbpf build SRC [-o OUT]`: compiles a BPF C source to an object with clang,
 * tsbpf's headers and a vmlinux.h dumped from the running kernel's BTF.
 */
import { parseArgs } from 'node:util';
import { build, BPF_CPUS, ToolchainError, VMLINUX_PRODUCERS, type BpfCpu, type VmlinuxProducer } from '../toolchain/index.js';
import { type Command, UsageError } from './command.js';

const USAGE =
  'usage: tsbpf build SRC.bpf.c [-o OUT.bpf.o] [--cpu v1|v2|v3|v4] [-I DIR]... [-D NAME[=VALUE]]... [--vmlinux FILE] [--vmlinux-producer tsbpf|bpftool] [-v]';

export const buildCommand: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        cpu: { type: 'string', default: 'v3' },
        include: { type: 'string', short: 'I', multiple: true, default: [] },
        define: { type: 'string', short: 'D', multiple: true, default: [] },
        vmlinux: { type: 'string' },
        'vmlinux-producer': { type: 'string' },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const source = positionals[0]!;
  if (!(BPF_CPUS as readonly string[]).includes(values.cpu)) throw new UsageError(`unknown --cpu ${values.cpu}; ${USAGE}`);
  const producer = values['vmlinux-producer'];
  if (producer !== undefined && !(VMLINUX_PRODUCERS as readonly string[]).includes(producer)) {
    throw new UsageError(`unknown --vmlinux-producer ${producer}; ${USAGE}`);
  }
  const output = values.output ?? source.replace(/\.c$/, '') + '.o';
  try {
    const result = await build({
      source,
      output,
      cpu: values.cpu as BpfCpu,
      includeDirs: values.include,
      defines: values.define,
      ...(values.vmlinux !== undefined ? { vmlinuxHeader: values.vmlinux } : {}),
      ...(producer !== undefined ? { vmlinuxProducer: producer as VmlinuxProducer } : {}),
    });
    if (values.verbose) {
      io.stderr.write(`clang: ${result.clang.path} (from ${result.clang.source})\n`);
      io.stderr.write(`vmlinux.h: ${result.vmlinux.path} (producer ${result.vmlinux.producer}${result.vmlinux.cached ? ', cached' : ''})\n`);
      io.stderr.write(`${result.argv.join(' ')}\n`);
    }
    io.stderr.write(result.diagnostics);
    if (values.verbose) io.stderr.write(`wrote ${output}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ToolchainError) {
      if (e.details.diagnostics) io.stderr.write(e.details.diagnostics);
      io.stderr.write(`tsbpf build: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
};
