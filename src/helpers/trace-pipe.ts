/**
 * The trace pipe: where bpf_trace_printk and bpf_trace_vprintk output goes.
 *
 * Lines have the layout of the kernel's /sys/kernel/tracing/trace_pipe, so
 * tools and habits that grep the real pipe work on this one:
 *
 *             node-4242    [001] ..... 12345.678901: bpf_trace_printk: hello
 *
 * i.e. `%16s-%-7d [%03d] <flags> %5lu.%06lu: bpf_trace_printk: <message>`
 * (kernel/trace/trace_output.c). Recent kernels print five flag characters
 * (irqs-off, need-resched, hard/softirq, preempt depth, migrate-disable);
 * older ones printed four. The default is five dots: a program run from
 * userspace is in no interrupt context and holds no preemption count.
 */

/** Who wrote a line; every field has a default. */
export interface TraceWriter {
  /** Task name, at most 15 bytes in the kernel (TASK_COMM_LEN - 1); default "node". */
  readonly comm?: string;
  /** Default: process.pid. */
  readonly pid?: number;
  /** Default: 0. */
  readonly cpu?: number;
  /** The latency-format flag characters; default "....." */
  readonly flags?: string;
  /** Overrides the clock for this line (nanoseconds). */
  readonly timestampNs?: bigint;
}

export interface TracePipeOptions {
  /** Lines kept before the oldest are dropped (default 4096). */
  readonly capacity?: number;
  /** Nanosecond clock for timestamps; default the monotonic clock, which on Linux counts from boot like the trace clock. */
  readonly clock?: () => bigint;
}

export type TraceListener = (line: string) => void;

const TASK_COMM_LEN = 16;

/** Formats one trace_pipe line for a bpf_trace_printk event. */
export function formatTraceLine(message: string, writer: TraceWriter, timestampNs: bigint): string {
  const comm = (writer.comm ?? 'node').slice(0, TASK_COMM_LEN - 1);
  const pid = writer.pid ?? process.pid;
  const cpu = writer.cpu ?? 0;
  const flags = writer.flags ?? '.....';
  const ns = timestampNs < 0n ? 0n : timestampNs;
  const seconds = ns / 1_000_000_000n;
  const micros = (ns % 1_000_000_000n) / 1000n;
  return `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ${flags} `
    + `${String(seconds).padStart(5)}.${String(micros).padStart(6, '0')}: bpf_trace_printk: ${message}`;
}

/**
 * A bounded buffer of trace lines, one per runtime. Reading drains it, like
 * reading the real trace_pipe; listeners see every line as it is written,
 * whether or not anyone reads.
 */
export class TracePipe {
  readonly capacity: number;
  #clock: () => bigint;
  #lines: string[] = [];
  /** Index of the oldest unread line in #lines (drops advance it instead of shifting). */
  #head = 0;
  #dropped = 0;
  #listeners = new Set<TraceListener>();

  constructor(options: TracePipeOptions = {}) {
    const capacity = options.capacity ?? 4096;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`trace pipe capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#clock = options.clock ?? (() => process.hrtime.bigint());
  }

  /**
   * Appends the line for one event and returns it. The kernel's event ends
   * the record with its own newline, so one trailing newline of the message
   * is not kept (bpf_printk("x\n") and bpf_printk("x") read the same).
   * A NUL ends the message, as the kernel copies it as a C string.
   */
  write(message: string, writer: TraceWriter = {}): string {
    const nul = message.indexOf('\0');
    let text = nul >= 0 ? message.slice(0, nul) : message;
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const line = formatTraceLine(text, writer, writer.timestampNs ?? this.#clock());
    this.#lines.push(line);
    if (this.#lines.length - this.#head > this.capacity) {
      this.#head++;
      this.#dropped++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#head = 0;
    }
    for (const listener of this.#listeners) listener(line);
    return line;
  }

  /** Returns and removes every buffered line, oldest first. */
  read(): string[] {
    const lines = this.#lines.slice(this.#head);
    this.#lines = [];
    this.#head = 0;
    return lines;
  }

  /** The buffered lines without draining them. */
  peek(): readonly string[] {
    return this.#lines.slice(this.#head);
  }

  /** Lines currently buffered. */
  get size(): number {
    return this.#lines.length - this.#head;
  }

  /** Lines lost because the buffer was full (oldest first), since creation. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Calls `listener` with each new line; returns the function that unsubscribes it. */
  on(listener: TraceListener): () => void {
    this.#listeners.add(listener);
    return () => this.off(listener);
  }

  off(listener: TraceListener): void {
    this.#listeners.delete(listener);
  }
}
