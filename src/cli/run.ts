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
import { Interpreter } from '../vm/index.js';
import { type Command, UsageError, parseOptions } from './command.js';
import { detectProgramFile } from './source.js';

const USAGE = 'usage: tsbpf run FILE [--mem HEX | --mem-file F] [--json] [--budget N]';

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
      help: { type: 'boolean', short: 'h', default: false },
    },
  }), USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE\n${USAGE}`);
  if (values.mem !== undefined && values['mem-file'] !== undefined) throw new UsageError('give --mem or --mem-file, not both');
  let budget: number | undefined;
  if (values.budget !== undefined) {
    budget = Number(values.budget);
    if (!Number.isSafeInteger(budget) || budget < 1) throw new UsageError(`--budget must be a positive integer, not '${values.budget}'`);
  }

  const file = positionals[0]!;
  const bytes = new Uint8Array(await readFile(file));
  let program: Instruction[];
  let memory: Uint8Array | undefined;
  let expected: bigint | undefined;
  switch (detectProgramFile(file, bytes)) {
    case 'data': {
      const test = parseDataFile(new TextDecoder().decode(bytes), file);
      program = test.raw !== undefined ? decodeProgram(test.raw) : assemble(test.asm);
      memory = test.memory;
      expected = test.result;
      break;
    }
    case 'asm': program = assemble(new TextDecoder().decode(bytes)); break;
    case 'elf': throw new UsageError(`${file} is an ELF object: use 'tsbpf inspect' to list its programs`);
    default: program = decodeProgram(bytes);
  }
  if (values.mem !== undefined) memory = parseHexBytes(values.mem);
  if (values['mem-file'] !== undefined) memory = new Uint8Array(await readFile(values['mem-file']));

  const vm = new Interpreter(program, { helpers: conformanceHelpers() });
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
