/**
 * The `.data` format of the bpf_conformance suite, read the way its official
 * parser reads it (lib/src/bpf_test_parser.cc): comments stripped first, any
 * line containing `--` is a header whose keyword is found by substring, the
 * last non-empty line of `-- result` wins, `-- raw` overrides `-- asm`.
 */

/** Stable codes for the ways a `.data` file can be malformed. */
export type DataFileErrorCode =
  | 'UNKNOWN_SECTION' | 'BAD_RESULT' | 'BAD_MEMORY' | 'BAD_RAW' | 'MISSING_PROGRAM' | 'MISSING_RESULT'
  | 'TEXT_OUTSIDE_SECTION';

/** A `.data` file that cannot be read, with the 1-based line at fault. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  constructor(
    readonly code: DataFileErrorCode,
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** One conformance test. */
export interface ConformanceTest {
  /** File name, for messages. */
  readonly name: string;
  /**
   * The `-- asm` section with every other line blanked, so an assembler's
   * line numbers are the file's. Empty when the file has only `-- raw`.
   */
  readonly asm: string;
  /** Program bytes from `-- raw` (8 bytes per word, little-endian), which take precedence over asm. */
  readonly raw?: Uint8Array;
  /** Input memory from `-- mem`. */
  readonly memory?: Uint8Array;
  /** Expected r0, unsigned 64-bit (absent only when `error` is given). */
  readonly result?: bigint;
  /** Expected error text (`-- error`), for programs that must be rejected. */
  readonly error?: string;
}

type Section = 'asm' | 'result' | 'mem' | 'raw' | 'ignored' | 'error';

/** Header keywords in the order the official parser tries them. */
const HEADERS: readonly [string, Section][] = [
  ['asm', 'asm'], ['result', 'result'], ['mem', 'mem'], ['raw', 'raw'],
  ['no register offset', 'ignored'], [' c', 'ignored'], ['error', 'error'],
];

const HEX_BYTE = /^[0-9a-fA-F]{2}$/;
const U64_MAX = (1n << 64n) - 1n;

function parseNumber(text: string): bigint | undefined {
  const t = text.trim();
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  return undefined;
}

/**
 * Parses the text of a `.data` file.
 *
 * @throws {DataFileError} for an unknown header, a bad number or byte, text
 * before the first header, or a file without a program or a result.
 * @example parseDataFile('-- asm\nmov %r0, 1\nexit\n-- result\n0x1', 'one.data').result // 1n
 */
export function parseDataFile(text: string, name = '<data>'): ConformanceTest {
  const lines = text.split(/\r?\n/);
  const asm: string[] = lines.map(() => '');
  const sections = new Map<Section, { line: number; text: string }[]>();
  let current: Section | undefined;
  lines.forEach((original, i) => {
    const line = original.replace(/#.*$/, '');
    if (line.includes('--')) {
      const found = HEADERS.find(([keyword]) => line.includes(keyword));
      if (found === undefined) throw new DataFileError('UNKNOWN_SECTION', name, i + 1, `unknown section header '${line.trim()}'`);
      current = found[1];
      if (!sections.has(current)) sections.set(current, []);
      return;
    }
    if (line.trim() === '') return;
    if (current === undefined) throw new DataFileError('TEXT_OUTSIDE_SECTION', name, i + 1, 'text before the first section header');
    sections.get(current)!.push({ line: i + 1, text: line });
    if (current === 'asm') asm[i] = line;
  });

  let result: bigint | undefined;
  const resultLines = sections.get('result');
  if (resultLines !== undefined && resultLines.length > 0) {
    const last = resultLines[resultLines.length - 1]!;
    result = parseNumber(last.text);
    if (result === undefined || result > U64_MAX) {
      throw new DataFileError('BAD_RESULT', name, last.line, `result '${last.text.trim()}' is not an unsigned 64-bit number`);
    }
  }

  let memory: Uint8Array | undefined;
  const memLines = sections.get('mem');
  if (memLines !== undefined) {
    const bytes: number[] = [];
    for (const { line, text: t } of memLines) {
      for (const token of t.trim().split(/\s+/)) {
        if (!HEX_BYTE.test(token)) throw new DataFileError('BAD_MEMORY', name, line, `'${token}' is not a hex byte`);
        bytes.push(parseInt(token, 16));
      }
    }
    memory = new Uint8Array(bytes);
  }

  let raw: Uint8Array | undefined;
  const rawLines = sections.get('raw');
  if (rawLines !== undefined) {
    raw = new Uint8Array(rawLines.length * 8);
    const view = new DataView(raw.buffer);
    rawLines.forEach(({ line, text: t }, k) => {
      const word = parseNumber(t);
      if (word === undefined || word > U64_MAX) throw new DataFileError('BAD_RAW', name, line, `'${t.trim()}' is not a 64-bit instruction word`);
      view.setBigUint64(k * 8, word, true);
    });
  }

  const errorLines = sections.get('error');
  const error = errorLines?.map((l) => l.text.trim()).join('\n');
  const hasAsm = (sections.get('asm')?.length ?? 0) > 0;
  if (!hasAsm && raw === undefined) throw new DataFileError('MISSING_PROGRAM', name, lines.length, 'no -- asm or -- raw section');
  if (result === undefined && error === undefined) throw new DataFileError('MISSING_RESULT', name, lines.length, 'no -- result section');

  return {
    name,
    asm: hasAsm ? asm.join('\n') : '',
    ...(raw !== undefined ? { raw } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(result !== undefined ? { result } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
