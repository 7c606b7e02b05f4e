/**
 * The assembler: source text → slot-indexed instructions.
 *
 * Each line is read in the conformance syntax or LLVM's (chosen per line
 * unless fixed by an option); labels and comments work the same in both, and
 * lines pasted from `llvm-objdump -d` or a kernel verifier log are accepted
 * with their addresses, bytes and opcodes stripped.
 */
import { DecodeError, type Instruction, checkJumps, lddwTail, make } from '../isa/index.js';
import { Cursor } from './cursor.js';
import type { Draft } from './draft.js';
import { AsmError } from './errors.js';
import { looksLikeLlvm, parseLlvm } from './llvm.js';
import { parseConformance } from './conformance.js';

export interface AssembleOptions {
  /** Which syntax the lines are in; 'auto' (default) decides per line. */
  readonly syntax?: 'auto' | 'conformance' | 'llvm';
  /** Check that jumps land inside the program (default true); off for fragments. */
  readonly checkJumps?: boolean;
  /** Map names usable in `map_fd(NAME)` / `map_value(NAME, off)`, with the number each stands for. */
  readonly maps?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /**
   * Kernel functions a `call NAME` may name, with their BTF ids (in the
   * kernel's BTF); a name that is also a helper stays the helper.
   */
  readonly kfuncs?: (name: string) => number | undefined;
}

/** A draft with the place it came from (for builders: the item's position). */
export interface Located {
  readonly draft: Draft;
  readonly line: number;
  readonly column: number;
}

const OBJDUMP_PREFIX = /^\s*\d+:\t(?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?(?:\t|$)/;
const KERNEL_LOG_PREFIX = /^\s*\d+:\s*(?:\([0-9a-f]{2}\)\s*)?(?=\S)/;
const OBJDUMP_SYMBOL = /^[0-9a-f]+ <([^>]+)>:\s*$/;
const OBJDUMP_NOISE = /^(?:\S.*:\s+file format\s|Disassembly of section\s)/;
const LABEL = /^\s*([A-Za-z_.$][\w.$]*)\s*:(?!=)/;

/** Removes `#`, `;` and `//` comments (a `#` glued to a word, as in `call bpf_x#1`, is not one). */
function stripComment(text: string): string {
  const m = /(?:^|\s)#|;|\/\//.exec(text);
  return m ? text.slice(0, m.index) : text;
}

/**
 * Assembles source text into slot-indexed instructions (a lddw takes two).
 *
 * @throws {AsmError} with the line, the column and what was expected.
 * @example assemble('mov %r0, 1\nexit') // [r0 = 1, exit]
 */
export function assemble(source: string, options: AssembleOptions = {}): Instruction[] {
  const syntax = options.syntax ?? 'auto';
  const maps = options.maps instanceof Map ? options.maps : options.maps ? new Map(Object.entries(options.maps)) : undefined;
  const located: Located[] = [];
  const labels = new Map<string, number>();
  const labelLines = new Map<string, number>();
  let slot = 0;
  let firstExit: number | undefined;

  const defineLabel = (name: string, lineNo: number, column: number) => {
    if (labels.has(name)) {
      throw new AsmError('DUPLICATE_LABEL', lineNo, column, `label '${name}' is already defined on line ${labelLines.get(name)}`);
    }
    labels.set(name, slot);
    labelLines.set(name, lineNo);
  };

  source.split(/\r?\n/).forEach((raw, i) => {
    const lineNo = i + 1;
    if (OBJDUMP_NOISE.test(raw)) return;
    const symbol = OBJDUMP_SYMBOL.exec(raw);
    if (symbol) {
      defineLabel(symbol[1]!, lineNo, 1);
      return;
    }
    let text = raw;
    let column = 1;
    const dump = OBJDUMP_PREFIX.exec(text);
    if (dump) {
      // The bytes llvm-objdump shows are exact; its text is not always (a local call prints as `call -0x1`).
      const draft = draftFromBytes(dump[0]);
      if (draft.opcode === 0x95 && firstExit === undefined) firstExit = slot;
      located.push({ draft, line: lineNo, column: 1 });
      slot += draft.imm64 !== undefined ? 2 : 1;
      return;
    }
    const prefix = KERNEL_LOG_PREFIX.exec(text);
    if (prefix) {
      column += prefix[0].length;
      text = text.slice(prefix[0].length);
    }
    text = stripComment(text);
    for (let label = LABEL.exec(text); label; label = LABEL.exec(text)) {
      defineLabel(label[1]!, lineNo, column + label[0].indexOf(label[1]!));
      column += label[0].length;
      text = text.slice(label[0].length);
    }
    if (text.trim() === '') return;
    const cursor = new Cursor(text, lineNo, column, maps, options.kfuncs);
    const useLlvm = syntax === 'llvm' || (syntax === 'auto' && looksLikeLlvm(text));
    const draft = useLlvm ? parseLlvm(cursor) : parseConformance(cursor);
    if (draft.opcode === 0x95 && firstExit === undefined) firstExit = slot;
    located.push({ draft, line: lineNo, column: column + (text.length - text.trimStart().length) });
    slot += draft.imm64 !== undefined ? 2 : 1;
  });

  // The conformance suite's implicit label: `exit` names the first exit.
  if (!labels.has('exit') && firstExit !== undefined) labels.set('exit', firstExit);
  return link(located, labels, options.checkJumps ?? true);
}

/** Resolves labels and validates every instruction: drafts → slot-indexed instructions. */
export function link(located: readonly Located[], labels: ReadonlyMap<string, number>, jumpsChecked: boolean): Instruction[] {
  const insns: Instruction[] = [];
  for (const { draft, line, column } of located) {
    const index = insns.length;
    const resolved = resolveTarget(draft, index, labels, line);
    try {
      if (resolved.imm64 !== undefined) {
        const first = make(resolved.opcode, resolved.dst, resolved.src, resolved.offset, resolved.imm, index);
        const imm64 = resolved.target ? BigInt(resolved.imm >>> 0) : resolved.imm64;
        insns.push({ ...first, imm64 }, lddwTail(Number(BigInt.asIntN(32, imm64 >> 32n))));
      } else {
        insns.push(make(resolved.opcode, resolved.dst, resolved.src, resolved.offset, resolved.imm, index));
      }
    } catch (error) {
      if (error instanceof DecodeError) throw new AsmError('INVALID_INSTRUCTION', line, column, error.reason);
      throw error;
    }
  }
  if (jumpsChecked) {
    try {
      checkJumps(insns);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      const at = located.find((_, k) => slotOf(located, k) === error.index);
      throw new AsmError('JUMP_OUT_OF_RANGE', at?.line ?? 0, at?.column ?? 0, error.reason);
    }
  }
  return insns;
}

/** A draft from the 8 or 16 raw bytes of an objdump line (`  12:\tb7 00 … 00\t`). */
function draftFromBytes(prefix: string): Draft {
  const hexBytes = prefix.slice(prefix.indexOf(':') + 1).trim().split(' ').map((b) => parseInt(b, 16));
  const view = new DataView(Uint8Array.from(hexBytes).buffer);
  const draft: Draft = {
    opcode: view.getUint8(0), dst: view.getUint8(1) & 0x0f, src: view.getUint8(1) >> 4,
    offset: view.getInt16(2, true), imm: view.getInt32(4, true),
  };
  if (hexBytes.length === 16) draft.imm64 = (BigInt(view.getUint32(12, true)) << 32n) | BigInt(view.getUint32(4, true));
  return draft;
}

function slotOf(located: readonly Located[], k: number): number {
  let slot = 0;
  for (let i = 0; i < k; i++) slot += located[i]!.draft.imm64 !== undefined ? 2 : 1;
  return slot;
}

function resolveTarget(draft: Draft, index: number, labels: ReadonlyMap<string, number>, line: number): Draft {
  if (!draft.target) return draft;
  const { label, field, column } = draft.target;
  const slot = labels.get(label);
  if (slot === undefined) throw new AsmError('UNDEFINED_LABEL', line, column, `undefined label '${label}'`);
  const relative = slot - index - 1;
  if (field === 'offset') {
    if (relative < -32768 || relative > 32767) {
      throw new AsmError('OFFSET_RANGE', line, column, `label '${label}' is ${relative} slots away, beyond a 16-bit offset (use gotol)`);
    }
    return { ...draft, offset: relative };
  }
  return { ...draft, imm: relative };
}

