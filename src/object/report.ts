/**
 * An ObjectSpec for people: a summary (`tsbpf inspect`) and an annotated
 * listing (`tsbpf disasm X.o`) that names what each instruction refers to
 * and shows the C source lines from BTF line info.
 */
import { formatInstruction, type Syntax } from '../asm/index.js';
import { CallSrc, PseudoSrc, branchTarget } from '../isa/index.js';
import type { ObjectSpec, ProgramSpec } from './spec.js';

export interface ObjectSummary {
  readonly license: string;
  readonly kernelVersion?: number;
  readonly programs: readonly {
    readonly name: string; readonly section: string; readonly type: string; readonly attachType?: string;
    readonly attachTo: string; readonly sleepable: boolean; readonly instructions: number; readonly subprograms: readonly string[];
  }[];
  readonly maps: readonly {
    readonly name: string; readonly type: string; readonly keySize: number; readonly valueSize: number;
    readonly maxEntries: number; readonly flags: number; readonly pinning: string; readonly origin: string; readonly inner?: string;
  }[];
  readonly globals: readonly { readonly name: string; readonly map: string; readonly offset: number; readonly size: number; readonly type: string }[];
  readonly externs: readonly { readonly name: string; readonly kind: string; readonly weak: boolean }[];
  readonly coreRelocations: readonly { readonly program: string; readonly instruction: number; readonly kind: string; readonly access: string }[];
}

/** What `tsbpf inspect --json` prints. */
export function summarizeObject(spec: ObjectSpec): ObjectSummary {
  const typeName = (id: number) => {
    if (!spec.btf || id === 0) return '';
    const t = spec.btf.type(id);
    return t.name || t.kind;
  };
  return {
    license: spec.license,
    ...(spec.kernelVersion !== undefined ? { kernelVersion: spec.kernelVersion } : {}),
    programs: spec.programs.map((p) => ({
      name: p.name, section: p.section, type: p.type, ...(p.attachType ? { attachType: p.attachType } : {}), attachTo: p.attachTo,
      sleepable: p.sleepable, instructions: p.instructions.length, subprograms: p.functions.slice(1).map((f) => f.name),
    })),
    maps: spec.maps.map((m) => ({
      name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags,
      pinning: m.pinning, origin: m.origin, ...(m.innerMap ? { inner: m.innerMap.type } : {}),
    })),
    globals: spec.variables.map((v) => ({ name: v.name, map: v.map, offset: v.offset, size: v.size, type: typeName(v.type) })),
    externs: spec.externs.map((e) => ({ name: e.name, kind: e.kind, weak: e.weak })),
    coreRelocations: spec.programs.flatMap((p) => p.coreRelocations.map((c) => ({ program: p.name, instruction: c.index, kind: c.kind, access: accessText(spec, c) }))),
  };
}

function accessText(spec: ObjectSpec, c: ProgramSpec['coreRelocations'][number]): string {
  if (!spec.btf) return c.accessString;
  const t = spec.btf.type(c.typeId);
  return `${t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum' ? `${t.kind} ` : ''}${t.name || '(anon)'} ${c.accessString}`;
}

/** A table of the summary, for terminals. */
export function formatSummary(s: ObjectSummary): string {
  const table = (header: string[], rows: (string | number)[][]) => {
    const cells = [header, ...rows.map((r) => r.map(String))];
    const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
    return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
  };
  const parts = [`license: ${s.license || '(none)'}${s.kernelVersion !== undefined ? `, version ${s.kernelVersion}` : ''}`];
  parts.push(`\nprograms (${s.programs.length}):\n${table(['NAME', 'SECTION', 'TYPE', 'ATTACH', 'INSNS', 'SUBPROGRAMS'],
    s.programs.map((p) => [p.name, p.section, p.type, [p.attachType, p.attachTo].filter(Boolean).join(' ') || '-', p.instructions, p.subprograms.join(',') || '-']))}`);
  if (s.maps.length) {
    parts.push(`\nmaps (${s.maps.length}):\n${table(['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX', 'FLAGS', 'FROM'],
      s.maps.map((m) => [m.name, m.type + (m.inner ? `<${m.inner}>` : ''), m.keySize, m.valueSize, m.maxEntries, `0x${m.flags.toString(16)}`, m.origin + (m.pinning !== 'none' ? `, pinned ${m.pinning}` : '')]))}`);
  }
  if (s.globals.length) parts.push(`\nglobals (${s.globals.length}):\n${table(['NAME', 'MAP', 'OFFSET', 'SIZE', 'TYPE'], s.globals.map((g) => [g.name, g.map, g.offset, g.size, g.type]))}`);
  if (s.externs.length) parts.push(`\nexterns (${s.externs.length}):\n${table(['NAME', 'KIND', 'WEAK'], s.externs.map((e) => [e.name, e.kind, e.weak ? 'yes' : 'no']))}`);
  if (s.coreRelocations.length) {
    parts.push(`\nCO-RE relocations (${s.coreRelocations.length}):\n${table(['PROGRAM', 'INSN', 'KIND', 'ACCESS'], s.coreRelocations.map((c) => [c.program, c.instruction, c.kind, c.access]))}`);
  }
  return `${parts.join('\n')}\n`;
}

export interface ListingOptions {
  readonly syntax?: Syntax;
  /** Print the C source lines from BTF line info (default true). */
  readonly source?: boolean;
}

/** Every program, numbered, with function labels, what lddw and calls refer to, CO-RE records and source lines. */
export function disassembleObject(spec: ObjectSpec, options: ListingOptions = {}): string {
  const out: string[] = [];
  for (const p of spec.programs) {
    out.push(`${p.name}  (section ${p.section}, ${p.type}${p.attachType ? `, ${p.attachType}` : ''}${p.attachTo ? ` ${p.attachTo}` : ''}):`);
    const notes = new Map<number, string[]>();
    const note = (i: number, text: string) => (notes.get(i) ?? notes.set(i, []).get(i)!).push(text);
    for (const r of p.references) {
      note(r.index, r.kind === 'map' ? `map ${r.map}` : r.kind === 'map-value' ? `${variableAt(spec, r.map, r.offset)}` : r.kind === 'kfunc' ? `kfunc ${r.name}` : `ksym ${r.name}`);
    }
    for (const c of p.coreRelocations) note(c.index, `CO-RE ${c.kind} ${accessText(spec, c)}`);
    p.instructions.forEach((insn, i) => {
      const callee = insn.op.kind === 'call' && insn.src === CallSrc.LOCAL ? branchTarget(insn, i) : insn.op.kind === 'lddw' && insn.src === PseudoSrc.FUNC ? i + insn.imm + 1 : undefined;
      if (callee !== undefined) {
        const fn = p.functions.find((f) => f.start === callee);
        if (fn) note(i, `${insn.op.kind === 'call' ? 'calls' : 'address of'} ${fn.name}`);
      }
    });
    const lines = new Map(p.lineInfo.map((l) => [l.index, l]));
    const starts = new Map(p.functions.map((f) => [f.start, f.name]));
    const width = String(p.instructions.length).length;
    let lastLine = '';
    p.instructions.forEach((insn, i) => {
      if (insn.op.kind === 'lddw-tail') return;
      const fn = starts.get(i);
      if (fn !== undefined && i > 0) out.push(`${fn}:`);
      const line = lines.get(i);
      if ((options.source ?? true) && line && line.line && `${line.fileName}:${line.lineNumber}` !== lastLine) {
        out.push(`; ${line.line.trim()}  // ${line.fileName.split('/').at(-1)}:${line.lineNumber}`);
        lastLine = `${line.fileName}:${line.lineNumber}`;
      }
      const text = formatInstruction(insn, { syntax: options.syntax ?? 'llvm' });
      const extra = notes.get(i);
      out.push(`${String(i).padStart(width + 2)}: ${text}${extra ? `  ; ${extra.join('; ')}` : ''}`);
    });
    out.push('');
  }
  return `${out.join('\n')}`;
}

/** `.bss+8` named by the variable there, when there is one. */
function variableAt(spec: ObjectSpec, map: string, offset: number): string {
  const v = spec.variables.find((x) => x.map === map && offset >= x.offset && offset < x.offset + Math.max(1, x.size));
  if (v) return `&${v.name}${offset > v.offset ? `+${offset - v.offset}` : ''} (${map}+${offset})`;
  const e = map === '.kconfig' ? spec.externs.find((x) => x.kind === 'kconfig' && x.offset === offset) : undefined;
  return e ? `&${e.name} (.kconfig)` : `${map}+${offset}`;
}
