/**
 * `tsbpf verify FILE` — run tsbpf's own verifier (modelled on Linux 6.18's)
 * over an object's programs or an assembly/bytecode program, without a kernel.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { assemble } from '../asm/index.js';
import { type Instruction, decodeProgram } from '../isa/index.js';
import { MAP_TYPE_IDS } from '../maps/map.js';
import { loadObject } from '../object/index.js';
import {
  KERNEL_HELPERS, PROGRAM_TYPES, isModelledType, kernelBtf, kfuncIds, verify, verifyObjectProgram, type MapInfo, type ProgramType, type VerifyResult,
} from '../verifier/index.js';
import { type Command, UsageError, parseOptions } from './command.js';
import { detectProgramFile } from './source.js';

const USAGE = `usage: tsbpf verify FILE [--prog NAME] [--type TYPE] [--log 1|2] [--map NAME:TYPE:KEY:VALUE:MAX[:FLAGS]]... [--json]
  FILE: an ELF object (every program, or --prog NAME), assembly or raw bytecode
  --type: ${PROGRAM_TYPES.join(', ')} (also socket, tc); objects default to their section's type, other files to socket_filter
  --map defines a map for assembly, referred to as map_fd(NAME) or map_value(NAME, OFFSET)
  exit status: 0 when every program is accepted, 1 otherwise`;

const ALIASES: Record<string, ProgramType> = { socket: 'socket_filter', tc: 'sched_cls' };

interface Verdict {
  readonly program: string;
  readonly type: string;
  readonly ok: boolean;
  readonly processed: number;
  readonly ms: number;
  readonly error?: { readonly code: string; readonly kernelMessage: string; readonly insn: number; readonly message: string };
  readonly log?: string;
}

export const verifyCommand: Command = async (args, io) => {
  const { values, positionals } = parseOptions(() => parseArgs({
    args,
    allowPositionals: true,
    options: {
      prog: { type: 'string' },
      type: { type: 'string' },
      log: { type: 'string' },
      map: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }), USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  const logLevel = values.log === undefined ? 0 : values.log === '1' ? 1 : values.log === '2' ? 2 : undefined;
  if (logLevel === undefined) throw new UsageError(`--log must be 1 or 2, not '${values.log}'`);
  let type: ProgramType | undefined;
  if (values.type !== undefined) {
    const t = ALIASES[values.type] ?? values.type;
    if (!isModelledType(t)) throw new UsageError(`--type must be one of ${PROGRAM_TYPES.join(', ')}, not '${values.type}'`);
    type = t;
  }
  const path = positionals[0]!;
  const bytes = new Uint8Array(await readFile(path));
  const kind = detectProgramFile(path, bytes);
  const verdicts: Verdict[] = [];
  if (kind === 'elf') {
    if (values.map?.length) throw new UsageError('--map is for assembly; an object brings its own maps');
    const spec = loadObject(bytes);
    const programs = values.prog === undefined ? spec.programs : spec.programs.filter((p) => p.name === values.prog);
    if (!programs.length) {
      throw new UsageError(values.prog === undefined ? `${path} has no programs` : `${path} has no program '${values.prog}' (programs: ${spec.programs.map((p) => p.name).join(', ')})`);
    }
    for (const p of programs) {
      const start = performance.now();
      let r: VerifyResult;
      try {
        r = verifyObjectProgram(spec, p, { programType: type, logLevel });
      } catch (e) {
        verdicts.push({ program: p.name, type: type ?? p.type, ok: false, processed: 0, ms: performance.now() - start, error: { code: 'UNSUPPORTED', kernelMessage: '', insn: -1, message: (e as Error).message } });
        continue;
      }
      verdicts.push(verdict(p.name, type ?? p.type, r, performance.now() - start, logLevel));
    }
  } else {
    if (kind === 'data') throw new UsageError(`${path} is a conformance .data file: verify its assembly instead`);
    if (values.prog !== undefined) throw new UsageError('--prog picks a program of an ELF object');
    const maps = (values.map ?? []).map(parseMap);
    const numbers = Object.fromEntries(maps.map((m, i) => [m.name!, i]));
    let insns: Instruction[];
    try {
      // Kernel functions are named in assembly and numbered by the running kernel's BTF.
      const btf = kernelBtf();
      insns = kind === 'asm' ? assemble(Buffer.from(bytes).toString('utf8'), { maps: numbers, ...(btf ? { kfuncs: kfuncIds(btf) } : {}) }) : decodeProgram(bytes);
    } catch (e) {
      throw new UsageError(`${path}: ${(e as Error).message}`);
    }
    const start = performance.now();
    const kfuncCalls = insns.some((i) => i.op.kind === 'call' && i.op.target === 'kfunc');
    const r = verify(insns, { programType: type ?? 'socket_filter', helpers: KERNEL_HELPERS, logLevel, maps, ...(kfuncCalls ? { kernelBtf: kernelBtf() } : {}) });
    verdicts.push(verdict(path, type ?? 'socket_filter', r, performance.now() - start, logLevel));
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(verdicts.length === 1 && kind !== 'elf' ? verdicts[0] : verdicts, null, 2)}\n`);
  } else {
    for (const v of verdicts) {
      if (v.log) io.stdout.write(v.log.endsWith('\n') ? v.log : `${v.log}\n`);
      const ms = v.ms < 10 ? v.ms.toFixed(2) : v.ms.toFixed(0);
      io.stdout.write(`${v.program} (${v.type}): ${v.ok ? 'accepted' : 'rejected'}, ${v.processed} instructions processed, ${ms} ms\n`);
      if (v.error) io.stdout.write(`${v.error.message.replace(/^/gm, '  ')}\n`);
    }
  }
  return verdicts.every((v) => v.ok) ? 0 : 1;
};

function verdict(program: string, type: string, r: VerifyResult, ms: number, logLevel: number): Verdict {
  const e = r.error;
  return {
    program, type, ok: r.ok, processed: r.processed, ms,
    ...(e ? { error: { code: e.code, kernelMessage: e.kernelMessage, insn: e.insn, message: e.message } } : {}),
    ...(logLevel ? { log: r.log } : {}),
  };
}

function parseMap(text: string): MapInfo {
  const parts = text.split(':');
  const [name, type, key, value, max, flags = '0'] = parts;
  if (parts.length < 5 || parts.length > 6 || !name) throw new UsageError(`--map ${text}: expected NAME:TYPE:KEY:VALUE:MAX[:FLAGS]`);
  if (!(type! in MAP_TYPE_IDS)) throw new UsageError(`--map ${text}: unknown map type '${type}'`);
  const numbers = [key, value, max, flags].map((n) => Number(n));
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new UsageError(`--map ${text}: sizes, max entries and flags are non-negative integers`);
  const [keySize, valueSize, maxEntries, mapFlags] = numbers as [number, number, number, number];
  return { name, type: type!, keySize, valueSize, maxEntries, flags: mapFlags };
}
