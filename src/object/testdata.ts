/** Paths the object tests read: the committed fixtures (from src/, since tsc does not copy .o files). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadObject } from './load.js';
import type { ObjectSpec } from './spec.js';

export const fixturePath = (name: string) => fileURLToPath(new URL(`../../src/object/testdata/${name}`, import.meta.url));
export const fixture = (name: string): ObjectSpec => loadObject(readFileSync(fixturePath(name)));
export const FIXTURES = ['sections', 'maps', 'legacy-maps', 'globals', 'ksym-percpu', 'core', 'core-unguarded', 'cpuv4'].map((n) => `${n}.bpf.o`);
