/**
 * Hooks a Node.js process offers programs, without root and without a
 * context switch: function probes (entry and return of any JS function),
 * static tracepoints an application declares, and diagnostics_channel
 * channels. Each hands its program a context of u64 slots; strings are
 * copied into the runtime's memory and passed as pointers, so programs read
 * them with bpf_probe_read_user_str as they would user memory in Linux.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Region } from '../memory/index.js';
import type { RuntimeProgram } from '../runtime/index.js';
import { Firing } from './fire.js';
import type { HookLink } from './fs-open.js';

/** Bytes kept per string slot; longer strings are cut (NUL-terminated). */
const STRING_ROOM = 256;

/** A JS value as a u64 slot: numbers and bigints as themselves, booleans as 0/1, strings as pointers, the rest 0. */
type Slot = number | bigint | boolean | string | null | undefined | object;

/** Lays out `count` u64 slots, with string room for each, and fires a program on values. */
class SlotContext {
  readonly firing: Firing;
  readonly #strings: Region;
  readonly #encoder = new TextEncoder();
  #words: Int32Array | undefined;
  #wordsFor: Uint8Array | undefined;

  constructor(program: RuntimeProgram, readonly count: number) {
    this.firing = new Firing(program, count * 8);
    this.#strings = program.runtime.space.allocate(count * STRING_ROOM, { kind: 'input', name: `${program.name} strings`, writable: false });
  }

  /**
   * Writes the slots straight into the context region (32-bit halves for
   * numbers: no BigInt and no closure per hit) and runs the program.
   */
  fire(values: readonly Slot[]): void {
    const space = this.firing.program.runtime.space;
    const bytes = space.bytes;
    // The address space replaces its byte view when the memory grows: remake ours then.
    if (bytes !== this.#wordsFor) {
      this.#wordsFor = bytes;
      this.#words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
    }
    const words = this.#words!;
    let w = this.firing.region.start >> 2;
    for (let i = 0; i < this.count; i++, w += 2) {
      const v = values[i];
      if (typeof v === 'number') {
        const n = v === (v | 0) ? v : Number.isSafeInteger(v) ? v : Math.trunc(v) || 0;
        words[w] = n | 0;
        words[w + 1] = n >= 0 && n <= 0x7fffffff ? 0 : Math.floor(n / 4294967296);
      } else if (typeof v === 'string') {
        const start = this.#strings.start + i * STRING_ROOM;
        const n = this.#encoder.encodeInto(v, bytes.subarray(start, start + STRING_ROOM - 1)).written;
        bytes[start + n] = 0;
        words[w] = start;
        words[w + 1] = 0;
      } else if (typeof v === 'bigint') {
        const u = BigInt.asUintN(64, v);
        words[w] = Number(u & 0xffffffffn) | 0;
        words[w + 1] = Number(u >> 32n) | 0;
      } else {
        words[w] = v === true ? 1 : 0;
        words[w + 1] = 0;
      }
    }
    this.firing.run();
  }

  release(): void {
    this.firing.release();
    this.firing.program.runtime.space.release(this.#strings);
  }
}

export interface FunctionProbeOptions {
  /** Runs on entry: ctx = the first six arguments as u64 slots. */
  readonly entry?: RuntimeProgram;
  /** Runs on return: ctx[0] = the return value (a promise's resolution for async functions), ctx[1..6] = the arguments. */
  readonly exit?: RuntimeProgram;
}

/**
 * Probes `target[method]`: replaces it with a wrapper that runs the programs
 * around the original. close() puts the original back.
 */
export function probeFunction<T extends object>(target: T, method: keyof T & string, options: FunctionProbeOptions): HookLink {
  const original = target[method] as unknown as (...args: unknown[]) => unknown;
  if (typeof original !== 'function') throw new TypeError(`${method} is not a function`);
  const entry = options.entry ? new SlotContext(options.entry, 6) : undefined;
  const exit = options.exit ? new SlotContext(options.exit, 7) : undefined;
  const wrapper = function probed(this: unknown, ...args: unknown[]): unknown {
    entry?.fire(args as Slot[]);
    const result = original.apply(this, args);
    if (exit) {
      if (result instanceof Promise) return result.then((value) => (exit.fire([value as Slot, ...(args as Slot[])]), value));
      exit.fire([result as Slot, ...(args as Slot[])]);
    }
    return result;
  };
  Object.defineProperty(wrapper, 'name', { value: original.name });
  (target as Record<string, unknown>)[method] = wrapper;
  const program = (options.entry ?? options.exit)!;
  let closed = false;
  return {
    program, target: `function ${method}`, stats: (entry ?? exit)!.firing.stats,
    close: () => {
      if (closed) return;
      closed = true;
      if ((target as Record<string, unknown>)[method] === wrapper) (target as Record<string, unknown>)[method] = original;
      entry?.release();
      exit?.release();
    },
  };
}

/** A static tracepoint an application declares: a name and its fields, in order. */
export class Tracepoint {
  readonly #attached = new Set<SlotContext>();

  constructor(readonly name: string, readonly fields: readonly string[]) {
    if (fields.length > 16) throw new RangeError(`tracepoint ${name}: at most 16 fields`);
  }

  /** True when a program listens: callers can skip building arguments otherwise. */
  get enabled(): boolean {
    return this.#attached.size > 0;
  }

  /** Fires every attached program with ctx[i] = the value of fields[i]. */
  emit(values: Readonly<Record<string, Slot>> | readonly Slot[]): void {
    if (this.#attached.size === 0) return;
    const slots = Array.isArray(values) ? values : this.fields.map((f) => (values as Record<string, Slot>)[f]);
    for (const c of this.#attached) c.fire(slots);
  }

  attach(program: RuntimeProgram): HookLink {
    const context = new SlotContext(program, this.fields.length);
    this.#attached.add(context);
    let closed = false;
    return {
      program, target: `tracepoint ${this.name}`, stats: context.firing.stats,
      close: () => {
        if (closed) return;
        closed = true;
        this.#attached.delete(context);
        context.release();
      },
    };
  }
}

/**
 * Runs `program` on each message of a diagnostics_channel channel (`http.client.request.start`,
 * `undici:request:create`, your own…): ctx[i] = message[fields[i]], a dotted path reaching into nested objects.
 */
export function attachChannel(program: RuntimeProgram, channel: string, fields: readonly string[]): HookLink {
  const context = new SlotContext(program, Math.max(1, fields.length));
  const paths = fields.map((f) => f.split('.'));
  const onMessage = (message: unknown) => {
    context.fire(paths.map((path) => path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), message) as Slot));
  };
  diagnostics.subscribe(channel, onMessage);
  let closed = false;
  return {
    program, target: `channel ${channel}`, stats: context.firing.stats,
    close: () => {
      if (closed) return;
      closed = true;
      diagnostics.unsubscribe(channel, onMessage);
      context.release();
    },
  };
}
