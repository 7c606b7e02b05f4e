#!/usr/bin/env node
// Writes include/tsbpf/bpf_helper_defs.h from the compiled prototype table.
// Run after `npx tsc -p .`; a test fails when the committed header is stale.
import { writeFileSync } from 'node:fs';
import { renderHelperHeader } from '../dist/toolchain/helper-header.js';

const out = new URL('../include/tsbpf/bpf_helper_defs.h', import.meta.url);
writeFileSync(out, renderHelperHeader());
console.log(`wrote ${out.pathname}`);
