/**
 * A small WebAssembly binary encoder, just what the JIT emits: one imported
 * memory, imported and defined functions, mutable globals, exports, and code
 * written through a builder that produces the bytes and their text (WAT) side
 * by side, so `tsbpf jit --wat` shows exactly what was compiled.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValueType = typeof I32 | typeof I64;

const TYPE_NAME: Record<number, string> = { [I32]: 'i32', [I64]: 'i64' };

/** Unsigned LEB128. */
export function uleb(value: number | bigint, out: number[] = []): number[] {
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

/** Signed LEB128. */
export function sleb(value: number | bigint, out: number[] = []): number[] {
  let v = BigInt(value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export interface FuncType {
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
}

/** The body of one function: bytes and text, built together. */
export class Code {
  readonly bytes: number[] = [];
  readonly lines: string[] = [];
  #depth = 1;

  /** A plain instruction: its opcode bytes, its immediates' bytes, and how the text shows them. */
  op(text: string, opcode: readonly number[], immediates: readonly number[] = []): this {
    this.bytes.push(...opcode, ...immediates);
    this.lines.push(`${'  '.repeat(this.#depth)}${text}`);
    return this;
  }

  /** block / loop / if with an empty block type; `end()` closes it. */
  open(kind: 'block' | 'loop' | 'if', label: string): this {
    const code = { block: 0x02, loop: 0x03, if: 0x04 }[kind];
    this.bytes.push(code, 0x40);
    this.lines.push(`${'  '.repeat(this.#depth)}${kind}${label ? ` ;; ${label}` : ''}`);
    this.#depth++;
    return this;
  }

  else(): this {
    this.bytes.push(0x05);
    this.lines.push(`${'  '.repeat(this.#depth - 1)}else`);
    return this;
  }

  end(): this {
    this.#depth--;
    this.bytes.push(0x0b);
    this.lines.push(`${'  '.repeat(this.#depth)}end`);
    return this;
  }

  comment(text: string): this {
    this.lines.push(`${'  '.repeat(this.#depth)};; ${text}`);
    return this;
  }

  // Helpers for the instructions the JIT uses most.
  localGet(i: number): this { return this.op(`local.get ${i}`, [0x20], uleb(i)); }
  localSet(i: number): this { return this.op(`local.set ${i}`, [0x21], uleb(i)); }
  localTee(i: number): this { return this.op(`local.tee ${i}`, [0x22], uleb(i)); }
  globalGet(i: number): this { return this.op(`global.get ${i}`, [0x23], uleb(i)); }
  globalSet(i: number): this { return this.op(`global.set ${i}`, [0x24], uleb(i)); }
  i64Const(v: bigint): this { return this.op(`i64.const ${BigInt.asIntN(64, v)}`, [0x42], sleb(BigInt.asIntN(64, v))); }
  i32Const(v: number): this { return this.op(`i32.const ${v | 0}`, [0x41], sleb(v | 0)); }
  br(depth: number): this { return this.op(`br ${depth}`, [0x0c], uleb(depth)); }
  brIf(depth: number): this { return this.op(`br_if ${depth}`, [0x0d], uleb(depth)); }
  brTable(depths: readonly number[], fallback: number): this {
    return this.op(`br_table ${[...depths, fallback].join(' ')}`, [0x0e], [...uleb(depths.length), ...depths.flatMap((d) => uleb(d)), ...uleb(fallback)]);
  }
  call(f: number, label = ''): this { return this.op(`call ${f}${label ? ` ;; ${label}` : ''}`, [0x10], uleb(f)); }
  /** A memory access with alignment hint and offset 0. */
  mem(text: string, opcode: readonly number[], alignLog2: number): this {
    return this.op(text, opcode, [...uleb(alignLog2), 0]);
  }
}

export interface FunctionDef {
  readonly name: string;
  readonly type: FuncType;
  /** Locals beyond the parameters, in order. */
  readonly locals: readonly ValueType[];
  readonly code: Code;
  readonly export?: string;
}

export interface ImportedFunction {
  readonly module: string;
  readonly name: string;
  readonly type: FuncType;
}

export interface GlobalDef {
  readonly type: ValueType;
  readonly mutable: boolean;
  readonly init: bigint;
  readonly export?: string;
}

export interface MemoryImport {
  readonly module: string;
  readonly name: string;
  readonly initial: number;
  readonly maximum?: number;
  readonly shared: boolean;
}

/** A module to encode. Imported functions come first in the function index space. */
export interface ModuleDef {
  readonly memory: MemoryImport;
  readonly imports: readonly ImportedFunction[];
  readonly functions: readonly FunctionDef[];
  readonly globals: readonly GlobalDef[];
}

const typeKey = (t: FuncType) => `${t.params.join(',')}>${t.results.join(',')}`;

/** The module's binary form. */
export function encodeModule(m: ModuleDef): Uint8Array<ArrayBuffer> {
  const types: FuncType[] = [];
  const typeIndex = (t: FuncType) => {
    const key = typeKey(t);
    let i = types.findIndex((x) => typeKey(x) === key);
    if (i < 0) i = types.push(t) - 1;
    return i;
  };
  const importEntries = m.imports.map((f) => [...name(f.module), ...name(f.name), 0x00, ...uleb(typeIndex(f.type))]);
  const mem = m.memory;
  const limits = mem.maximum === undefined ? [0x00, ...uleb(mem.initial)] : [mem.shared ? 0x03 : 0x01, ...uleb(mem.initial), ...uleb(mem.maximum)];
  importEntries.push([...name(mem.module), ...name(mem.name), 0x02, ...limits]);
  const functionTypes = m.functions.map((f) => uleb(typeIndex(f.type)));
  const globals = m.globals.map((g) => [g.type, g.mutable ? 1 : 0, ...(g.type === I64 ? [0x42, ...sleb(g.init)] : [0x41, ...sleb(g.init)]), 0x0b]);
  const exports: number[][] = [];
  m.functions.forEach((f, i) => {
    if (f.export) exports.push([...name(f.export), 0x00, ...uleb(m.imports.length + i)]);
  });
  m.globals.forEach((g, i) => {
    if (g.export) exports.push([...name(g.export), 0x03, ...uleb(i)]);
  });
  const bodies = m.functions.map((f) => {
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups.at(-1);
      if (last && last[1] === t) last[0]!++;
      else groups.push([1, t]);
    }
    const body = [...vector(groups.map(([n, t]) => [...uleb(n!), t!])), ...f.code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const typeEntries = types.map((t) => [0x60, ...vector(t.params.map((p) => [p])), ...vector(t.results.map((r) => [r]))]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(typeEntries)),
    ...section(2, vector(importEntries)),
    ...section(3, vector(functionTypes)),
    ...(globals.length ? section(6, vector(globals)) : []),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

/** The module as WebAssembly text, for reading. */
export function printModule(m: ModuleDef): string {
  const sig = (t: FuncType) => `${t.params.length ? ` (param ${t.params.map((p) => TYPE_NAME[p]).join(' ')})` : ''}${t.results.length ? ` (result ${t.results.map((r) => TYPE_NAME[r]).join(' ')})` : ''}`;
  const lines = ['(module'];
  m.imports.forEach((f, i) => lines.push(`  (import "${f.module}" "${f.name}" (func ${i}${sig(f.type)}))`));
  lines.push(`  (import "${m.memory.module}" "${m.memory.name}" (memory ${m.memory.initial}${m.memory.maximum !== undefined ? ` ${m.memory.maximum}` : ''}${m.memory.shared ? ' shared' : ''}))`);
  m.globals.forEach((g, i) => lines.push(`  (global ${i}${g.export ? ` (export "${g.export}")` : ''} ${g.mutable ? `(mut ${TYPE_NAME[g.type]})` : TYPE_NAME[g.type]} (${TYPE_NAME[g.type]}.const ${g.init}))`));
  m.functions.forEach((f, i) => {
    lines.push(`  (func ${m.imports.length + i} ;; ${f.name}${f.export ? ` (export "${f.export}")` : ''}${sig(f.type)}`);
    if (f.locals.length) lines.push(`    (local ${f.locals.map((t) => TYPE_NAME[t]).join(' ')})`);
    lines.push(...f.code.lines.map((l) => `  ${l}`), '  )');
  });
  lines.push(')');
  return `${lines.join('\n')}\n`;
}
