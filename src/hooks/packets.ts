/**
 * Packet hooks with XDP semantics inside a process: frames from a pcap file,
 * or the datagrams a UDP socket receives (as Ethernet/IPv4/UDP frames), run
 * through an XDP program whose verdict decides what happens to them.
 */
import type { Socket } from 'node:dgram';
import type { RuntimeProgram } from '../runtime/index.js';
import type { HookLink } from './fs-open.js';

export const XdpAction = { ABORTED: 0, DROP: 1, PASS: 2, TX: 3, REDIRECT: 4 } as const;
const ACTION_NAMES = ['aborted', 'drop', 'pass', 'tx', 'redirect'] as const;
export type XdpVerdict = (typeof ACTION_NAMES)[number] | 'unknown';

export class PcapError extends Error {
  override readonly name = 'PcapError';
  constructor(readonly offset: number, reason: string) {
    super(`pcap at byte ${offset}: ${reason}`);
  }
}

export interface PcapFrame {
  /** Capture time in nanoseconds since the epoch. */
  readonly timestampNs: bigint;
  readonly data: Uint8Array;
  /** The frame's length on the wire (it may have been cut at capture). */
  readonly originalLength: number;
}

/** The frames of a classic pcap file (microsecond or nanosecond, either byte order). */
export function readPcap(bytes: Uint8Array): PcapFrame[] {
  if (bytes.length < 24) throw new PcapError(0, `${bytes.length} bytes cannot hold a pcap header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  const formats: Record<number, [boolean, bigint]> = { 0xa1b2c3d4: [true, 1000n], 0xd4c3b2a1: [false, 1000n], 0xa1b23c4d: [true, 1n], 0x4d3cb2a1: [false, 1n] };
  const format = formats[magic];
  if (!format) throw new PcapError(0, `magic 0x${magic.toString(16)} is not a pcap file's (pcapng is not supported)`);
  const [le, unitNs] = format;
  const linkType = v.getUint32(20, le);
  if (linkType !== 1) throw new PcapError(20, `link type ${linkType} is not Ethernet (1)`);
  const frames: PcapFrame[] = [];
  for (let at = 24; at < bytes.length;) {
    if (at + 16 > bytes.length) throw new PcapError(at, 'a record header is cut short');
    const seconds = BigInt(v.getUint32(at, le));
    const fraction = BigInt(v.getUint32(at + 4, le));
    const included = v.getUint32(at + 8, le);
    const original = v.getUint32(at + 12, le);
    if (at + 16 + included > bytes.length) throw new PcapError(at, `a frame of ${included} bytes runs past the end`);
    frames.push({ timestampNs: seconds * 1_000_000_000n + fraction * unitNs, data: bytes.slice(at + 16, at + 16 + included), originalLength: original });
    at += 16 + included;
  }
  return frames;
}

/** Writes frames as a pcap file (microseconds, little-endian), for tests and for saving what a hook passed. */
export function writePcap(frames: readonly { data: Uint8Array; timestampNs?: bigint }[]): Uint8Array {
  const out = new Uint8Array(24 + frames.reduce((n, f) => n + 16 + f.data.length, 0));
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, 1, true);
  let at = 24;
  for (const f of frames) {
    const ns = f.timestampNs ?? 0n;
    v.setUint32(at, Number(ns / 1_000_000_000n), true);
    v.setUint32(at + 4, Number((ns % 1_000_000_000n) / 1000n), true);
    v.setUint32(at + 8, f.data.length, true);
    v.setUint32(at + 12, f.data.length, true);
    out.set(f.data, at + 16);
    at += 16 + f.data.length;
  }
  return out;
}

export interface XdpResult {
  readonly verdict: XdpVerdict;
  /** The frame as the program left it (head/tail adjustments included). */
  readonly data: Uint8Array;
}

/** Runs an XDP program over every frame of a pcap file: the verdict and the frame after it. */
export function runXdpOnPcap(program: RuntimeProgram, pcap: Uint8Array): XdpResult[] {
  if (program.type !== 'xdp') throw new TypeError(`program ${program.name} is ${program.type}, not xdp`);
  return readPcap(pcap).map((frame) => {
    const run = program.testRun({ data: frame.data });
    return { verdict: ACTION_NAMES[Number(run.retval)] ?? 'unknown', data: run.data ?? frame.data };
  });
}

/** An Ethernet/IPv4/UDP frame around a datagram, as the interface would have received it. */
export function udpFrame(payload: Uint8Array, from: { address: string; port: number }, to: { address: string; port: number }): Uint8Array {
  const ip = (a: string) => (/^\d+\.\d+\.\d+\.\d+$/.test(a) ? a.split('.').map(Number) : [127, 0, 0, 1]);
  const frame = new Uint8Array(42 + payload.length);
  const v = new DataView(frame.buffer);
  frame.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]);
  frame.set([0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, ...ip(from.address), ...ip(to.address)], 14);
  v.setUint16(16, 28 + payload.length);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += v.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(24, ~sum & 0xffff);
  v.setUint16(34, from.port);
  v.setUint16(36, to.port);
  v.setUint16(38, 8 + payload.length);
  frame.set(payload, 42);
  return frame;
}

/**
 * Puts an XDP program in front of a UDP socket: each datagram, as a frame,
 * goes through it before the application sees it; XDP_DROP (and ABORTED)
 * swallow it, XDP_PASS delivers it (with the payload as the program left it).
 */
export function filterDatagrams(program: RuntimeProgram, socket: Socket): HookLink & { readonly verdicts: Record<XdpVerdict, number> } {
  if (program.type !== 'xdp') throw new TypeError(`program ${program.name} is ${program.type}, not xdp`);
  const verdicts: Record<XdpVerdict, number> = { aborted: 0, drop: 0, pass: 0, tx: 0, redirect: 0, unknown: 0 };
  const stats = { hits: 0, errors: 0 } as HookLink['stats'];
  const originalEmit = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  const patched = function emit(this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'message') return originalEmit.call(this, event, ...args);
    const [message, rinfo] = args as [Buffer, { address: string; port: number }];
    const local = this.address();
    stats.hits++;
    let verdict: XdpVerdict = 'aborted';
    let payload: Uint8Array = message;
    try {
      const run = program.testRun({ data: udpFrame(message, rinfo, { address: local.address, port: local.port }) });
      verdict = ACTION_NAMES[Number(run.retval)] ?? 'unknown';
      if (run.data && run.data.length >= 42) payload = run.data.subarray(42);
    } catch (e) {
      stats.errors++;
      stats.lastError = e as Error;
    }
    verdicts[verdict]++;
    if (verdict !== 'pass') return false;
    return originalEmit.call(this, 'message', Buffer.from(payload), rinfo);
  };
  socket.emit = patched as typeof socket.emit;
  let closed = false;
  return {
    program, target: 'udp socket', stats, verdicts,
    close: () => {
      if (closed) return;
      closed = true;
      socket.emit = originalEmit as typeof socket.emit;
    },
  };
}

/**
 * A timer hook, like a perf_event sampling at a fixed rate: runs `program`
 * every `intervalMs` with ctx = [now in ns, ticks so far] as u64 slots.
 */
export function attachTimer(program: RuntimeProgram, intervalMs: number): HookLink {
  if (!(intervalMs > 0)) throw new RangeError(`interval ${intervalMs} ms`);
  const stats = { hits: 0, errors: 0 } as HookLink['stats'];
  const space = program.runtime.space;
  const ctx = space.allocate(16, { kind: 'ctx', name: `${program.name} timer context`, writable: false });
  const run = program.runtime.prepareRun(program, [0n, BigInt(ctx.start)], [ctx]);
  let ticks = 0n;
  const timer = setInterval(() => {
    ticks++;
    space.view.setBigUint64(ctx.start, process.hrtime.bigint(), true);
    space.view.setBigUint64(ctx.start + 8, ticks, true);
    stats.hits++;
    try {
      run();
    } catch (e) {
      stats.errors++;
      stats.lastError = e as Error;
    }
  }, intervalMs);
  timer.unref();
  let closed = false;
  return {
    program, target: `timer every ${intervalMs} ms`, stats,
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      space.release(ctx);
    },
  };
}
