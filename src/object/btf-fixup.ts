/**
 * The object's BTF made loadable by the kernel, as libbpf does at open and
 * load: clang leaves DATASEC sizes (and most variable offsets) zero for the
 * linker to fill, and describes externs in ways the kernel refuses (extern
 * linkage, `void` ksyms, functions inside the `.ksyms` DATASEC).
 */
import { BtfError } from '../btf/index.js';

export interface BtfLayout {
  /** Size of each DATASEC's ELF section, by name. */
  readonly sectionSizes: ReadonlyMap<string, number>;
  /** Offset of each variable in its section, by section and name. */
  readonly offsets: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /**
   * Global functions with hidden visibility: libbpf marks them static so the
   * kernel verifies them in their caller's context, as it does static ones.
   */
  readonly hiddenFunctions: ReadonlySet<string>;
}

const KIND = { INT: 1, STRUCT: 4, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15 } as const;
const LINKAGE_STATIC = 0;
const VAR_GLOBAL = 1;
const VAR_EXTERN = 2;

function recordSize(kind: number, vlen: number, typeId: number): number {
  switch (kind) {
    case 1: case 14: case 17: return 16; // int, var, decl_tag: one extra u32
    case 3: return 24; // array
    case 4: case 5: case 15: return 12 + 12 * vlen; // struct, union, datasec
    case 6: case 13: return 12 + 8 * vlen; // enum, func_proto
    case 19: return 12 + 12 * vlen; // enum64
    case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18: return 12;
    default: throw new BtfError('BAD_KIND', `kind ${kind} is unknown`, { typeId });
  }
}

/**
 * Returns a patched copy of raw object BTF.
 * @throws BtfError when the records cannot be walked (the parser has already accepted them, so only on a bug).
 */
export function fixupBtf(raw: Uint8Array, layout: BtfLayout): Uint8Array {
  const bytes = raw.slice();
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = v.getUint16(0, true) === 0xeb9f;
  const hdrLen = v.getUint32(4, le);
  const typeOff = hdrLen + v.getUint32(8, le);
  const typeEnd = typeOff + v.getUint32(12, le);
  const strOff = hdrLen + v.getUint32(16, le);
  const strLen = v.getUint32(20, le);
  const name = (off: number) => {
    let end = strOff + off;
    while (end < strOff + strLen && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(strOff + off, end));
  };
  // First pass: where each type's record starts, and a 4-byte int to stand in for what the kernel refuses.
  const at: number[] = [0];
  let int32 = 0;
  for (let p = typeOff, id = 1; p < typeEnd; id++) {
    at.push(p);
    const info = v.getUint32(p + 4, le);
    const kind = (info >>> 24) & 0x1f;
    if (kind === KIND.INT && !int32 && v.getUint32(p + 8, le) === 4) int32 = id;
    p += recordSize(kind, info & 0xffff, id);
  }
  const kindOf = (id: number) => (id > 0 && id < at.length ? (v.getUint32(at[id]! + 4, le) >>> 24) & 0x1f : 0);
  const isVoid = (id: number): boolean => {
    for (let n = 0; n < 32 && id > 0; n++) {
      const k = kindOf(id);
      const qualifier = (k >= 8 && k <= 11) || k === 18; // typedef, volatile, const, restrict, type_tag
      if (!qualifier) return false;
      id = v.getUint32(at[id]! + 8, le);
    }
    return id === 0;
  };
  for (let id = 1; id < at.length; id++) {
    const p = at[id]!;
    const info = v.getUint32(p + 4, le);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (kind === KIND.FUNC && vlen === 1 && layout.hiddenFunctions.has(name(v.getUint32(p, le)))) {
      v.setUint32(p + 4, (info & ~0xffff) | LINKAGE_STATIC, le);
    } else if (kind === KIND.FUNC && vlen > 1) {
      // Extern functions (kfuncs) are declarations the kernel does not accept in program BTF,
      // and their prototypes may have unnamed parameters, which it refuses in a FUNC's.
      v.setUint32(p + 4, (info & ~0xffff) | LINKAGE_STATIC, le);
      const proto = v.getUint32(p + 8, le);
      if (kindOf(proto) === KIND.FUNC_PROTO) {
        const q = at[proto]!;
        const params = v.getUint32(q + 4, le) & 0xffff;
        for (let i = 0; i < params; i++) {
          const e = q + 12 + 8 * i;
          if (v.getUint32(e, le) === 0 && v.getUint32(e + 4, le) !== 0) v.setUint32(e, v.getUint32(p, le), le);
        }
      }
    } else if (kind === KIND.VAR) {
      if (v.getUint32(p + 12, le) === VAR_EXTERN) v.setUint32(p + 12, VAR_GLOBAL, le);
      if (isVoid(v.getUint32(p + 8, le)) && int32) v.setUint32(p + 8, int32, le);
    } else if (kind === KIND.DATASEC) {
      const section = name(v.getUint32(p, le));
      if (section === '.ksyms') {
        // Its entries may be functions; the kernel wants only variables in a DATASEC.
        // An anonymous struct of ints at offset 0 keeps the record size and every id.
        if (!int32) continue;
        v.setUint32(p, 0, le);
        v.setUint32(p + 4, (KIND.STRUCT << 24) | vlen, le);
        v.setUint32(p + 8, 4, le);
        for (let i = 0; i < vlen; i++) {
          const e = p + 12 + 12 * i;
          const member = v.getUint32(e, le);
          v.setUint32(e, v.getUint32(at[member]!, le), le);
          v.setUint32(e + 4, int32, le);
          v.setUint32(e + 8, 0, le);
        }
        continue;
      }
      const size = layout.sectionSizes.get(section);
      if (size !== undefined) v.setUint32(p + 8, size, le);
      const offsets = layout.offsets.get(section);
      for (let i = 0; i < vlen; i++) {
        const e = p + 12 + 12 * i;
        const varId = v.getUint32(e, le);
        const offset = offsets?.get(name(v.getUint32(at[varId]!, le)));
        if (offset !== undefined) v.setUint32(e + 4, offset, le);
      }
    }
  }
  return bytes;
}
