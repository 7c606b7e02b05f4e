/**
 * Asks Linux, one tiny program at a time, which context accesses each
 * program type allows (every offset around the context, every size, reads
 * and writes), which values it may return at exit, and which bytes of a
 * socket a program may read, into ctx-access.json (run as root:
 * `node dist/verifier/testdata/record-ctx-access.js`). context.test.ts
 * checks ctxAccess, returnRange and the socket rules against it.
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { PROGRAM_TYPES } from '../context.js';
import { PROBE_FROM, RETURN_PROBES, SIZES, SOCK_PROBED, SOCK_SOURCES, contextKey, probeContexts, probeCtx, probeReturn, probeSock, probeTo } from './ctx-probe.js';

/** Offsets the kernel allowed, by size (anything else in the probed range it refused). */
interface Verdicts { allowed: Record<string, number[]> }

function record(probe: (off: number, size: number) => string, to: number): Verdicts {
  const out: Verdicts = { allowed: {} };
  for (const size of SIZES) {
    out.allowed[size] = [];
    for (let off = PROBE_FROM; off < to; off++) if (probe(off, size) === 'accepted') out.allowed[size]!.push(off);
  }
  return out;
}

const contexts: Record<string, { read: Verdicts; write: Verdicts; returns: Record<string, string> }> = {};
for (const c of probeContexts(PROGRAM_TYPES)) {
  const to = probeTo(c.type);
  const returns: Record<string, string> = {};
  for (const v of RETURN_PROBES) returns[v] = probeReturn(c, v);
  contexts[contextKey(c)] = {
    read: record((off, size) => probeCtx(c, off, size, false), to),
    write: record((off, size) => probeCtx(c, off, size, true), to),
    returns,
  };
  console.log(contextKey(c), Object.values(contexts[contextKey(c)]!.read.allowed).flat().length, 'reads', Object.values(contexts[contextKey(c)]!.write.allowed).flat().length, 'writes');
}
const sockets: Record<string, { read: Verdicts; write: Verdicts }> = {};
for (const kind of Object.keys(SOCK_SOURCES) as (keyof typeof SOCK_SOURCES)[]) {
  sockets[kind] = {
    read: record((off, size) => probeSock(kind, off, size, false), SOCK_PROBED),
    write: record((off, size) => probeSock(kind, off, size, true), SOCK_PROBED),
  };
}
writeFileSync(new URL('../../../src/verifier/testdata/ctx-access.json', import.meta.url), `${JSON.stringify({ kernel: release(), contexts, sockets })}\n`);
