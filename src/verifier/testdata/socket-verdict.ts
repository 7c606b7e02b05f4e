/**
 * Loads one case of socket-programs.ts into the running kernel: its verdict,
 * the verifier's last line and the processed count. Shared by the recorder
 * and by sockets.test.ts, which asks again live when bpf(2) is permitted.
 */
import { assemble } from '../../asm/index.js';
import { KernelMap, KernelProgram, VerifierError as KernelVerifierError } from '../../kernel/index.js';
import type { MapTypeName } from '../../maps/map.js';
import { defaultAttachType } from '../context.js';
import { SOCKET_MAPS, type SocketCase } from './socket-programs.js';

let fds: Record<string, number> | undefined;
/** The maps cases may name, created in the kernel once. */
const mapFds = () => (fds ??= Object.fromEntries(SOCKET_MAPS.map((m) => [m.name, KernelMap.create({ name: m.name, type: m.type as MapTypeName, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags }).fd.value])));

export interface SocketVerdict { ok: boolean; processed: number | null; message: string | null }

export function kernelSocketVerdict(c: SocketCase): SocketVerdict {
  const instructions = assemble(c.source, { maps: c.source.includes('map_fd(') ? mapFds() : {} });
  let log: string, ok: boolean;
  try {
    const p = KernelProgram.load({ type: c.type, instructions, license: 'GPL', logLevel: 1, logSize: 1 << 20, expectedAttachType: defaultAttachType(c.type) });
    log = p.log;
    ok = true;
    p.close();
  } catch (e) {
    if (!(e instanceof KernelVerifierError)) throw e;
    log = e.log;
    ok = false;
  }
  // A message printed without its newline runs into the summary line.
  const lines = log.trimEnd().replace(/(.)processed (\d+) insns/, '$1\nprocessed $2 insns').split('\n');
  const at = lines.findIndex((l) => l.startsWith('processed '));
  const processed = at >= 0 ? Number(/processed (\d+) insns/.exec(lines[at]!)![1]) : null;
  const message = ok ? null : (at > 0 ? lines[at - 1]! : lines[lines.length - 1] ?? '');
  return { ok, processed, message };
}
