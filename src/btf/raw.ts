/** BTF as bpftool's `raw` listing: one line per type, members indented below. */
import type { Btf } from './btf.js';
import type { BtfType } from './types.js';

const quote = (name: string) => `'${name || '(anon)'}'`;

/** One type in bpftool's raw format (without the trailing newline). */
export function formatRawType(btf: Btf, t: BtfType): string {
  const head = `[${t.id}] ${t.kind.toUpperCase()} ${quote(t.name)}`;
  switch (t.kind) {
    case 'void':
      return `[0] VOID`;
    case 'int': {
      const enc = t.signed ? 'SIGNED' : t.char ? 'CHAR' : t.bool ? 'BOOL' : '(none)';
      return `${head} size=${t.size} bits_offset=${t.offset} nr_bits=${t.bits} encoding=${enc}`;
    }
    case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag':
      return `${head} type_id=${t.type}`;
    case 'array':
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'struct': case 'union':
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map((m) => `\t${quote(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ''}`),
      ].join('\n');
    case 'enum': case 'enum64':
      return [
        `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`,
        ...t.values.map((v) => `\t${quote(v.name)} val=${v.value}${t.kind === 'enum64' ? 'ULL' : ''}`),
      ].join('\n');
    case 'fwd':
      return `${head} fwd_kind=${t.fwdKind}`;
    case 'func':
      return `${head} type_id=${t.type} linkage=${t.linkage}`;
    case 'func_proto':
      return [
        `${head} ret_type_id=${t.returnType} vlen=${t.params.length + (t.variadic ? 1 : 0)}`,
        ...t.params.map((p) => `\t${quote(p.name)} type_id=${p.type}`),
        ...(t.variadic ? [`\t'(anon)' type_id=0`] : []),
      ].join('\n');
    case 'var':
      return `${head} type_id=${t.type}, linkage=${t.linkage}`;
    case 'datasec':
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((s) => `\ttype_id=${s.type} offset=${s.offset} size=${s.size} (VAR ${quote(btf.type(s.type).name)})`),
      ].join('\n');
    case 'float':
      return `${head} size=${t.size}`;
    case 'decl_tag':
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
  }
}

/** Every type of a BTF (its own, not a split base's) in bpftool's raw format. */
export function formatRaw(btf: Btf): string {
  const first = btf.base ? btf.base.count : 1;
  const lines: string[] = [];
  for (let id = first; id < btf.count; id++) lines.push(formatRawType(btf, btf.type(id)));
  return lines.join('\n') + '\n';
}
