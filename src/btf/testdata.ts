/** Paths the btf tests read: the committed fixtures and the shared sample objects. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A fixture built by scripts/build-fixtures.sh (read from src/, since tsc does not copy .o files). */
export const fixture = (name: string) => fileURLToPath(new URL(`../../src/btf/testdata/${name}`, import.meta.url));
export const SAMPLES = fileURLToPath(new URL('../../../shared/ebpf-samples/', import.meta.url));
export const VMLINUX = '/sys/kernel/btf/vmlinux';

/** Every sample object outside `invalid/`. */
export function sampleObjects(dir = SAMPLES): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'prevail-expected' && entry !== 'invalid') out.push(...sampleObjects(path));
    } else if (!/\.(md|json|c|h|txt|sh|yaml)$/.test(entry)) {
      out.push(path);
    }
  }
  return out.sort();
}
