/**
 * Linux's verdict on each program of the C rule fixtures, asked live: load
 * the one program (with the object's maps and BTF, as libbpf would) and read
 * the verifier's last line and processed count. The recorder writes them to
 * rules-verdicts.json; rules.test.ts compares them with tsbpf's and, where
 * bpf(2) is permitted, with Linux again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { loadCollection, VerifierError as KernelVerifierError } from '../../../kernel/index.js';
import { loadObject, type ObjectSpec } from '../../../object/index.js';

export interface KernelVerdict {
  readonly ok: boolean;
  /** The verifier's last line before its summary, when it refused. */
  readonly message?: string;
  readonly processed?: number;
}

/** The C fixtures whose programs are verifier rules, beside this file. */
export const RULE_OBJECTS = ['rules.bpf.o'] as const;

export const fixture = (name: string): ObjectSpec => loadObject(readFileSync(new URL(`../../../../src/verifier/testdata/c/${name}`, import.meta.url)));

/** Loads one program of `spec` into Linux and reports what its verifier said. */
export function askLinux(spec: ObjectSpec, program: string): KernelVerdict {
  const processedIn = (log: string) => {
    const m = /processed (\d+) insns/.exec(log);
    return m ? { processed: Number(m[1]) } : {};
  };
  try {
    const collection = loadCollection(spec, { programs: [program], logLevel: 1 });
    const log = collection.programs.get(program)!.log;
    collection.close();
    return { ok: true, ...processedIn(log) };
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    const lines = e.log.trimEnd().split('\n').filter((l) => l.trim() && !/^(processed |verification time|cur state:|old state:)/.test(l));
    return { ok: false, message: lines[lines.length - 1] ?? '', ...processedIn(e.log) };
  }
}

// Run as a script (`node dist/verifier/testdata/c/verdicts.js`, as root): records every fixture's verdicts.
if (import.meta.url === `file://${process.argv[1]}`) {
  const out: Record<string, Record<string, KernelVerdict>> = {};
  for (const name of RULE_OBJECTS) {
    const spec = fixture(name);
    out[name] = Object.fromEntries(spec.programs.map((p) => [p.name, askLinux(spec, p.name)]));
  }
  writeFileSync(new URL('../../../../src/verifier/testdata/c/rules-verdicts.json', import.meta.url), `${JSON.stringify({ kernel: release(), objects: out }, null, 1)}\n`);
  console.log(`recorded ${Object.values(out).reduce((n, o) => n + Object.keys(o).length, 0)} verdicts from Linux ${release()}`);
}
