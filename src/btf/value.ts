/**
 * A value (bytes) shown through its BTF type, like bpftool shows map values:
 * structs by field name, ints by signedness, char arrays as strings, enums by
 * name, pointers in hex, bitfields extracted.
 */
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import type { BtfType, CompositeType } from './types.js';

/** What `formatValue` returns as data: plain JSON. */
export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Decodes `bytes` as a value of type `id`. Integers beyond 2^53 become decimal
 * strings, pointers hex strings, enums their enumerator's name when one matches.
 *
 * @throws BtfError TRUNCATED when the bytes are shorter than the type, NO_SIZE for types without one.
 * @example
 * valueToJson(btf, btf.named('bits', 'struct')!.id, bytes) // { a: 5, name: "hello", color: "BLUE" }
 */
export function valueToJson(btf: Btf, id: number, bytes: Uint8Array): JsonValue {
  const size = btf.sizeof(id);
  if (bytes.length < size) throw new BtfError('TRUNCATED', `value of ${bytes.length} bytes is shorter than its type (${size} bytes)`, { typeId: id });
  const budget = { left: 1_000_000 + bytes.length * 8 };
  return decode(btf, id, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, btf.littleEndian, 0, budget);
}

/**
 * The same value as one line of text, C-initializer style:
 * `{.a = 5, .name = "hello", .color = BLUE}`.
 */
export function valueToText(btf: Btf, id: number, bytes: Uint8Array): string {
  return render(btf, id, valueToJson(btf, id, bytes), 0);
}

/** Renders decoded JSON by walking the type again, so strings are quoted and enum names are not. */
function render(btf: Btf, id: number, v: JsonValue, depth: number): string {
  const t = depth > 64 ? undefined : btf.resolve(id);
  if (Array.isArray(v) && t?.kind === 'array') return `[${v.map((x) => render(btf, t.type, x, depth + 1)).join(', ')}]`;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && t) {
    const record = v as { [key: string]: JsonValue };
    const fields: string[] = [];
    if (t.kind === 'struct' || t.kind === 'union') {
      for (const m of t.members) {
        if (!m.name) fields.push(render(btf, m.type, record, depth + 1).slice(1, -1));
        else if (m.name in record) fields.push(`.${m.name} = ${render(btf, m.type, record[m.name]!, depth + 1)}`);
      }
    } else if (t.kind === 'datasec') {
      for (const s of t.vars) {
        const name = btf.type(s.type).name;
        if (name in record) fields.push(`.${name} = ${render(btf, s.type, record[name]!, depth + 1)}`);
      }
    }
    return `{${fields.filter(Boolean).join(', ')}}`;
  }
  if (typeof v === 'string' && t?.kind === 'array') return JSON.stringify(v);
  return String(v);
}

function readUnsigned(view: DataView, at: number, size: number, le: boolean): bigint {
  // Member offsets come from the BTF, which may place them past the type's own size.
  if (at < 0 || at + size > view.byteLength || size > 64) {
    throw new BtfError('TRUNCATED', `${size} bytes at offset ${at} are outside the value of ${view.byteLength} bytes`);
  }
  let out = 0n;
  for (let i = 0; i < size; i++) {
    const byte = BigInt(view.getUint8(at + (le ? size - 1 - i : i)));
    out = (out << 8n) | byte;
  }
  return out;
}

const number = (v: bigint): JsonValue => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

/** How many more values may be produced: overlapping members of forged BTF could multiply them without end. */
interface Budget { left: number }

function decode(btf: Btf, id: number, view: DataView, at: number, le: boolean, depth: number, budget: Budget): JsonValue {
  if (depth > 64) throw new BtfError('TYPE_LOOP', 'value nesting too deep', { typeId: id });
  if (--budget.left < 0) throw new BtfError('TOO_LARGE', 'the value has far more fields than its bytes', { typeId: id });
  const t = btf.resolve(id);
  switch (t.kind) {
    case 'int': {
      let v = readUnsigned(view, at, t.size, le);
      if (t.offset || t.bits < t.size * 8) v = (v >> BigInt(t.offset)) & ((1n << BigInt(t.bits)) - 1n);
      if (t.bool) return v !== 0n;
      return number(t.signed ? BigInt.asIntN(t.bits, v) : v);
    }
    case 'float':
      readUnsigned(view, at, t.size, le);
      if (t.size === 4) return view.getFloat32(at, le);
      if (t.size === 8) return view.getFloat64(at, le);
      return `0x${readUnsigned(view, at, t.size, le).toString(16)}`;
    case 'ptr':
      return `0x${readUnsigned(view, at, 8, le).toString(16)}`;
    case 'enum':
    case 'enum64': {
      const raw = readUnsigned(view, at, t.size, le);
      const v = t.signed ? BigInt.asIntN(t.size * 8, raw) : raw;
      return t.values.find((e) => e.value === v)?.name ?? number(v);
    }
    case 'array': {
      const element = btf.resolve(t.type);
      const size = btf.sizeof(t.type);
      if (element.kind === 'int' && element.size === 1 && (element.char || element.name === 'char')) {
        const text = charArray(view, at, t.nelems);
        if (text !== undefined) return text;
      }
      const out: JsonValue[] = [];
      // Zero-sized elements (possible in forged BTF) would make a count of billions cost nothing but time.
      if (size === 0) return out;
      for (let i = 0; i < t.nelems; i++) out.push(decode(btf, t.type, view, at + i * size, le, depth + 1, budget));
      return out;
    }
    case 'struct':
    case 'union':
      return composite(btf, t, view, at, le, depth, budget);
    case 'datasec': {
      const out: { [key: string]: JsonValue } = {};
      for (const s of t.vars) {
        const variable = btf.type(s.type);
        if (at + s.offset + s.size > view.byteLength) continue;
        out[variable.name || `@${s.offset}`] = decode(btf, s.type, view, at + s.offset, le, depth + 1, budget);
      }
      return out;
    }
    case 'var':
      return decode(btf, t.type, view, at, le, depth + 1, budget);
    default:
      throw new BtfError('NO_SIZE', `a ${t.kind} has no value`, { typeId: id });
  }
}

function composite(btf: Btf, t: CompositeType, view: DataView, at: number, le: boolean, depth: number, budget: Budget): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const m of t.members) {
    let value: JsonValue;
    if (m.bitfieldSize) {
      value = bitfield(btf, m.type, view, at, m.bitOffset, m.bitfieldSize, le);
    } else {
      value = decode(btf, m.type, view, at + m.bitOffset / 8, le, depth + 1, budget);
    }
    // Members of anonymous nested records are reached by name from the parent in C, so flatten them.
    if (!m.name && value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(out, value);
    else out[m.name || `@${m.bitOffset}`] = value;
  }
  return out;
}

function bitfield(btf: Btf, type: number, view: DataView, base: number, bitOffset: number, bits: number, le: boolean): JsonValue {
  const firstByte = Math.floor(bitOffset / 8);
  const span = Math.ceil((bitOffset % 8 + bits) / 8);
  const raw = readUnsigned(view, base + firstByte, span, le);
  const shift = le ? BigInt(bitOffset % 8) : BigInt(span * 8 - (bitOffset % 8) - bits);
  const v = (raw >> shift) & ((1n << BigInt(bits)) - 1n);
  const resolved: BtfType = btf.resolve(type);
  if (resolved.kind === 'enum' || resolved.kind === 'enum64') {
    const value = resolved.signed ? BigInt.asIntN(bits, v) : v;
    return resolved.values.find((e) => e.value === value)?.name ?? number(value);
  }
  const signed = resolved.kind === 'int' && resolved.signed;
  if (resolved.kind === 'int' && resolved.bool) return v !== 0n;
  return number(signed ? BigInt.asIntN(bits, v) : v);
}

function charArray(view: DataView, at: number, length: number): string | undefined {
  if (at + length > view.byteLength) return undefined;
  let text = '';
  for (let i = 0; i < length; i++) {
    const c = view.getUint8(at + i);
    if (c === 0) {
      // Only NULs may follow the string, otherwise it is binary data.
      for (let j = i + 1; j < length; j++) if (view.getUint8(at + j) !== 0) return undefined;
      return text;
    }
    if (c < 0x20 || c > 0x7e) return undefined;
    text += String.fromCharCode(c);
  }
  return text;
}
