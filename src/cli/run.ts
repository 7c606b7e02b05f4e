/**
 * `tsbpf run FILE [--mem HEX | --mem-file F] [--json] [--budget N]`: runs a
 * `.data` conformance file, an assembly file or raw bytecode in the
 * interpreter and prints r0.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { assemble } from '../asm/index.js';
import { conformanceHelpers, parseDataFile } from '../conformance/index.js';
import { type Instruction, decodeProgram } from '../isa/index.js';
import { Interpreter, JitProgram, JitUnsupportedError, type Executable } from '../vm/index.js';
import { MAP_TYPE_IDS, type BpfMap, type MapSpec, type MapTypeName } from '../maps/map.js';
import { RingBuffer } from '../maps/ringbuf.js';
import { loadObject, type ProgramTypeName } from '../object/index.js';
import { Runtime, type RuntimeProgram } from '../runtime/index.js';
import { type Command, UsageError, parseOptions } from './command.js';
import { detectProgramFile } from './source.js';

const USAGE = `usage: tsbpf run FILE [--mem HEX | --mem-file F] [--json] [--budget N] [--engine jit|interp] [--verify]
       tsbpf run FILE --type xdp|socket|tc|raw_tp|tracing [--data F] [--ctx F] [--repeat N]
                 [--map NAME:TYPE:KEY:VALUE:MAX[:FLAGS]]... [--dump-maps] [--program NAME] [--json]
  FILE: a conformance .data file, assembly, raw bytecode, or an ELF object (its maps are created, --program picks one)
  --map defines a map for assembly, referred to as map_fd(NAME) or map_value(NAME, OFFSET)`;

/** Hex bytes, with or without spaces between them (`aa bb`, `aabb`). */
export function parseHexBytes(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new UsageError(`--mem: '${text}' is not hex bytes`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const runCommand: Command = async (args, io) => {
  const { values, positionals } = parseOptions(() => parseArgs({
    args,
    allowPositionals: true,
    options: {
      mem: { type: 'string' },
      'mem-file': { type: 'string' },
      json: { type: 'boolean', default: false },
      budget: { type: 'string' },
      engine: { type: 'string' },
      verify: { type: 'boolean', default: false },
      type: { type: 'string' },
      data: { type: 'string' },
      ctx: { type: 'string' },
      repeat: { type: 'string' },
      map: { type: 'string', multiple: true },
      'dump-maps': { type: 'boolean', default: false },
      program: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }), USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  if (values.engine !== undefined && values.engine !== 'jit' && values.engine !== 'interp') throw new UsageError(`--engine must be jit or interp, not '${values.engine}'`);
  // Verified programs run on the JIT unless told otherwise; unverified ones on the interpreter, which checks every access.
  values.engine ??= values.verify ? 'jit' : 'interp';
  if (values.mem !== undefined && values['mem-file'] !== undefined) throw new UsageError('give --mem or --mem-file, not both');
  let budget: number | undefined;
  if (values.budget !== undefined) {
    budget = Number(values.budget);
    if (!Number.isSafeInteger(budget) || budget < 1) throw new UsageError(`--budget must be a positive integer, not '${values.budget}'`);
  }

  const file = positionals[0]!;
  const bytes = new Uint8Array(await readFile(file));
  const kind = detectProgramFile(file, bytes);
  if (kind === 'elf' || values.verify || values.type !== undefined || values.map !== undefined || values['dump-maps'] || values.data !== undefined || values.ctx !== undefined) {
    return runInRuntime({ file, bytes, kind, values, budget }, io);
  }
  let program: Instruction[];
  let memory: Uint8Array | undefined;
  let expected: bigint | undefined;
  switch (kind) {
    case 'data': {
      const test = parseDataFile(new TextDecoder().decode(bytes), file);
      program = test.raw !== undefined ? decodeProgram(test.raw) : assemble(test.asm);
      memory = test.memory;
      expected = test.result;
      break;
    }
    case 'asm': program = assemble(new TextDecoder().decode(bytes)); break;
    default: program = decodeProgram(bytes);
  }
  if (values.mem !== undefined) memory = parseHexBytes(values.mem);
  if (values['mem-file'] !== undefined) memory = new Uint8Array(await readFile(values['mem-file']));

  const vm = values.engine === 'interp' ? new Interpreter(program, { helpers: conformanceHelpers() }) : jitOrInterpreter(program);
  const result = vm.run({ ...(memory !== undefined ? { memory } : {}), ...(budget !== undefined ? { budget } : {}) });
  const hex = `0x${result.r0.toString(16)}`;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({
      result: hex,
      executed: result.executed,
      ...(expected !== undefined ? { expected: `0x${expected.toString(16)}` } : {}),
    })}\n`);
  } else {
    io.stdout.write(`${hex}\n`);
  }
  return 0;
};

/** The JIT, or the interpreter for what the JIT does not compile (legacy packet loads). */
function jitOrInterpreter(program: Instruction[]): Executable {
  try {
    return new JitProgram(program, { helpers: conformanceHelpers() });
  } catch (e) {
    if (!(e instanceof JitUnsupportedError)) throw e;
    return new Interpreter(program, { helpers: conformanceHelpers() });
  }
}

const TYPES: Record<string, ProgramTypeName> = {
  xdp: 'xdp', socket: 'socket_filter', socket_filter: 'socket_filter', tc: 'sched_cls', sched_cls: 'sched_cls',
  raw_tp: 'raw_tracepoint', raw_tracepoint: 'raw_tracepoint', tracing: 'tracing', memory: 'unspec',
};

/** `NAME:TYPE:KEY:VALUE:MAX[:FLAGS]`. */
export function parseMapOption(text: string): MapSpec & { name: string } {
  const parts = text.split(':');
  const [name, type, key, value, max, flags = '0'] = parts;
  if (parts.length < 5 || parts.length > 6 || !name) throw new UsageError(`--map ${text}: expected NAME:TYPE:KEY:VALUE:MAX[:FLAGS]`);
  if (!(type! in MAP_TYPE_IDS)) throw new UsageError(`--map ${text}: unknown map type '${type}' (${Object.keys(MAP_TYPE_IDS).filter((t) => t !== 'unspec').join(', ')})`);
  const numbers = [key, value, max, flags].map((n) => Number(n));
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new UsageError(`--map ${text}: sizes, max entries and flags are non-negative integers`);
  return { name, type: type as MapTypeName, keySize: numbers[0]!, valueSize: numbers[1]!, maxEntries: numbers[2]!, flags: numbers[3]! };
}

const toHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Every entry of a map as hex, or what can be said of maps without entries. */
function dumpMap(map: BpfMap): unknown {
  if (map instanceof RingBuffer) return { type: map.spec.type, availableBytes: map.availableBytes, dropped: map.dropped };
  const entries: { key: string; value: string }[] = [];
  try {
    for (let key = map.nextKey(); key !== undefined && entries.length < 100_000; key = map.nextKey(key)) {
      const value = map.lookup(key);
      if (value !== undefined) entries.push({ key: toHex(key), value: toHex(value) });
    }
  } catch (e) {
    return { type: map.spec.type, error: (e as Error).message };
  }
  return { type: map.spec.type, entries };
}

interface RuntimeRun {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly kind: string;
  readonly values: { engine?: string; verify?: boolean; type?: string; data?: string; ctx?: string; repeat?: string; map?: string[]; 'dump-maps'?: boolean; program?: string; json?: boolean };
  readonly budget: number | undefined;
}

/** Runs a program in a Runtime: maps, a context of its type, test-run semantics. */
async function runInRuntime(run: RuntimeRun, io: Parameters<Command>[1]): Promise<number> {
  const { values } = run;
  const runtime = new Runtime({ engine: values.engine === 'interp' ? 'interpreter' : 'jit', verify: values.verify ?? false });
  let program: RuntimeProgram;
  const asType = values.type === undefined ? undefined : TYPES[values.type];
  if (values.type !== undefined && asType === undefined) throw new UsageError(`--type must be one of ${Object.keys(TYPES).join(', ')}, not '${values.type}'`);
  if (run.kind === 'elf') {
    if (values.map) throw new UsageError('--map is for assembly; an object defines its own maps');
    const spec = loadObject(run.bytes);
    const name = values.program ?? spec.programs[0]?.name;
    const { programs } = runtime.loadObject(spec, { programs: name === undefined ? [] : [name] });
    const chosen = name === undefined ? undefined : programs.get(name);
    if (!chosen) throw new UsageError(`${run.file} has no program ${name ?? ''} (programs: ${spec.programs.map((p) => p.name).join(', ') || 'none'})`);
    program = chosen;
    if (asType && asType !== program.type) program = runtime.load(program.instructions, { name: program.name, type: asType, references: spec.programs.find((p) => p.name === name)!.references });
  } else {
    const names = new Map<string, number>();
    for (const text of values.map ?? []) {
      const map = runtime.createMap(parseMapOption(text));
      names.set(map.name, runtime.maps.idOf(map));
    }
    const text = new TextDecoder().decode(run.bytes);
    const instructions = run.kind === 'asm' ? assemble(text, { maps: names }) : run.kind === 'data' ? assemble(parseDataFile(text, run.file).asm, { maps: names }) : decodeProgram(run.bytes);
    program = runtime.load(instructions, { type: asType ?? 'unspec' });
  }
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
  if (!Number.isSafeInteger(repeat) || repeat < 1) throw new UsageError(`--repeat must be a positive integer, not '${values.repeat}'`);
  const data = values.data === undefined ? undefined : new Uint8Array(await readFile(values.data));
  const ctx = values.ctx === undefined ? undefined : new Uint8Array(await readFile(values.ctx));
  // bpf_trace_printk lines go to stderr as they come, in trace_pipe's format.
  runtime.tracePipe.on((line) => io.stderr.write(`${line}\n`));
  const result = program.testRun({ ...(data ? { data } : {}), ...(ctx ? { ctx } : {}), repeat, ...(run.budget !== undefined ? { budget: run.budget } : {}) });
  const maps = values['dump-maps'] ? Object.fromEntries([...runtime.maps].map((m) => [m.name, dumpMap(m)])) : undefined;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({
      result: `0x${result.retval.toString(16)}`, executed: result.executed, duration_ns: result.durationNs,
      ...(result.data ? { data: toHex(result.data) } : {}), ...(result.ctx ? { ctx: toHex(result.ctx) } : {}), ...(maps ? { maps } : {}),
    })}\n`);
  } else {
    io.stdout.write(`0x${result.retval.toString(16)}\n`);
    if (maps) io.stdout.write(`${JSON.stringify(maps, null, 2)}\n`);
  }
  return 0;
}
