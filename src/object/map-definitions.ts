/**
 * Map definitions as C declares them: BTF-defined maps in `.maps` (the
 * `__uint`/`__type`/`__array` members of an anonymous struct, decoded from
 * the pointer and array types clang encodes them as) and the legacy `maps`
 * section of `struct bpf_map_def` records.
 */
import type { Btf, CompositeType } from '../btf/index.js';
import { MAP_TYPE_IDS, type MapTypeName } from '../maps/map.js';
import { ObjectError } from './errors.js';
import type { ObjectMapSpec, Pinning } from './spec.js';

const TYPE_BY_ID = new Map<number, MapTypeName>(Object.entries(MAP_TYPE_IDS).map(([k, v]) => [v, k as MapTypeName]));

/** The map type's name for a kernel id. */
export function mapTypeName(id: number, where: { map: string; section: string }): MapTypeName {
  const name = TYPE_BY_ID.get(id);
  if (!name) {
    const known = [...TYPE_BY_ID.entries()].map(([k, v]) => `${v} (${k})`).join(', ');
    throw new ObjectError('BAD_MAP_DEFINITION', `map type ${id} is not supported; supported: ${known}`, where);
  }
  return name;
}

/** A BTF map definition before its initial slots are read from the relocations. */
export interface BtfMapDefinition {
  readonly spec: Omit<ObjectMapSpec, 'initialSlots'>;
  /** Byte offset of the `values` member in the definition, when there is one. */
  readonly valuesOffset?: number;
}

/**
 * Reads one `.maps` variable's definition (`struct { __uint(type, …); … } name SEC(".maps")`).
 * @throws ObjectError BAD_MAP_DEFINITION naming the map and the member.
 */
export function readBtfMapDefinition(btf: Btf, name: string, typeId: number, inner = false): BtfMapDefinition {
  const where = { map: name, section: '.maps' };
  const def = btf.resolve(typeId);
  if (def.kind !== 'struct') {
    throw new ObjectError('BAD_MAP_DEFINITION', `a map definition must be a struct, found a ${def.kind}`, where);
  }
  const fields: Record<string, number> = {};
  let keyType: number | undefined;
  let valueType: number | undefined;
  let innerMap: ObjectMapSpec | undefined;
  let valuesOffset: number | undefined;
  let valuesAreMaps = false;
  for (const m of (def as CompositeType).members) {
    const t = btf.resolve(m.type);
    switch (m.name) {
      case 'type': case 'max_entries': case 'map_flags': case 'key_size': case 'value_size':
      case 'numa_node': case 'pinning': case 'map_extra':
        fields[m.name] = uintMember(btf, m.type, name, m.name);
        break;
      case 'key': case 'value': {
        if (t.kind !== 'ptr') throw new ObjectError('BAD_MAP_DEFINITION', `member ${m.name} must be a pointer (__type(${m.name}, T))`, where);
        if (m.name === 'key') keyType = t.type;
        else valueType = t.type;
        break;
      }
      case 'values': {
        if (t.kind !== 'array') throw new ObjectError('BAD_MAP_DEFINITION', 'member values must be an array (__array(values, T))', where);
        const element = btf.resolve(t.type);
        if (element.kind !== 'ptr') throw new ObjectError('BAD_MAP_DEFINITION', 'values must be an array of pointers', where);
        const target = btf.resolve(element.type);
        valuesOffset = m.bitOffset / 8;
        if (target.kind === 'struct') {
          if (inner) throw new ObjectError('BAD_MAP_DEFINITION', 'an inner map cannot itself hold maps', where);
          innerMap = { ...readBtfMapDefinition(btf, `${name}.inner`, element.type, true).spec };
          valuesAreMaps = true;
        } else if (target.kind !== 'func_proto') {
          throw new ObjectError('BAD_MAP_DEFINITION', `values must point to a map definition or a function, found a ${target.kind}`, where);
        }
        break;
      }
      default:
        throw new ObjectError('BAD_MAP_DEFINITION', `unknown member ${m.name || '(anonymous)'} in a map definition`, where);
    }
  }
  if (fields.type === undefined) throw new ObjectError('BAD_MAP_DEFINITION', 'no map type (__uint(type, BPF_MAP_TYPE_…))', where);
  const type = mapTypeName(fields.type, where);
  const keySize = sizeFrom(btf, keyType, fields.key_size, 'key', where);
  let valueSize = sizeFrom(btf, valueType, fields.value_size, 'value', where);
  if (valuesAreMaps || type === 'prog_array') {
    if (valueSize !== 0 && valueSize !== 4) throw new ObjectError('BAD_MAP_DEFINITION', `a ${type} holds 4-byte ids, not ${valueSize}-byte values`, where);
    valueSize = 4;
  }
  if (valuesAreMaps && type !== 'array_of_maps' && type !== 'hash_of_maps') {
    throw new ObjectError('BAD_MAP_DEFINITION', `values of maps only belong in array_of_maps or hash_of_maps, not ${type}`, where);
  }
  const pinningValue = fields.pinning ?? 0;
  const pinning: Pinning = pinningValue === 0 ? 'none' : pinningValue === 1 ? 'by-name' : 'other';
  const spec: Omit<ObjectMapSpec, 'initialSlots'> = {
    name,
    type,
    keySize,
    valueSize,
    maxEntries: fields.max_entries ?? 0,
    flags: fields.map_flags ?? 0,
    ...(fields.numa_node !== undefined ? { numaNode: fields.numa_node } : {}),
    ...(fields.map_extra !== undefined ? { mapExtra: fields.map_extra } : {}),
    pinning,
    ...(pinning === 'other' ? { pinningValue } : {}),
    ...(keyType !== undefined ? { keyType } : {}),
    ...(valueType !== undefined ? { valueType } : {}),
    ...(innerMap ? { innerMap } : {}),
    origin: 'btf',
    readOnly: false,
  };
  return { spec, ...(valuesOffset !== undefined ? { valuesOffset } : {}) };
}

/** `__uint(name, N)` is `int (*name)[N]`: N is the array's length; `__ulong(name, N)` is an enum whose one value is N. */
function uintMember(btf: Btf, typeId: number, map: string, member: string): number {
  const ptr = btf.resolve(typeId);
  if ((ptr.kind === 'enum' || ptr.kind === 'enum64') && ptr.values.length === 1) {
    const value = ptr.values[0]!.value;
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ObjectError('BAD_MAP_DEFINITION', `member ${member} = ${value} is out of range`, { map, section: '.maps' });
    return Number(value);
  }
  const array = ptr.kind === 'ptr' ? btf.resolve(ptr.type) : undefined;
  if (!array || array.kind !== 'array') {
    throw new ObjectError('BAD_MAP_DEFINITION', `member ${member} must be declared with __uint(${member}, N)`, { map, section: '.maps' });
  }
  return array.nelems;
}

function sizeFrom(btf: Btf, typeId: number | undefined, size: number | undefined, what: string, where: { map: string; section: string }): number {
  if (typeId === undefined) return size ?? 0;
  const fromType = btf.sizeof(typeId);
  if (size !== undefined && size !== fromType) {
    throw new ObjectError('BAD_MAP_DEFINITION', `${what}_size ${size} contradicts the ${what} type's size ${fromType}`, where);
  }
  return fromType;
}

/** The fields of a legacy `struct bpf_map_def` (and iproute2's longer `bpf_elf_map`). */
export function readLegacyMapDefinition(bytes: Uint8Array, littleEndian: boolean, name: string): ObjectMapSpec {
  const where = { map: name, section: 'maps' };
  if (bytes.length < 20) throw new ObjectError('BAD_MAP_DEFINITION', `a bpf_map_def needs 20 bytes, found ${bytes.length}`, where);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => v.getUint32(at, littleEndian);
  return {
    name,
    type: mapTypeName(u32(0), where),
    keySize: u32(4),
    valueSize: u32(8),
    maxEntries: u32(12),
    flags: u32(16),
    pinning: 'none',
    origin: 'legacy',
    readOnly: false,
  };
}
