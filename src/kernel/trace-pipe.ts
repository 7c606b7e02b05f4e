/** Lines of the kernel's trace_pipe (bpf_printk output), as an async iterator. */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { tracefs } from './link.js';

/**
 * Yields trace_pipe lines until the signal aborts. Reading consumes them: two
 * readers share one pipe. `bpf_trace_printk:` lines are bpf_printk's.
 *
 * The pipe is read without blocking and polled every `intervalMs` (default
 * 50): a blocking read would hold one of libuv's threads until the next line,
 * long after the reader stopped.
 */
export async function* tracePipeLines(options: { signal?: AbortSignal; intervalMs?: number } = {}): AsyncGenerator<string> {
  const fd = openSync(`${tracefs()}/trace_pipe`, constants.O_RDONLY | constants.O_NONBLOCK);
  const buffer = Buffer.alloc(64 * 1024);
  let pending = '';
  try {
    while (!options.signal?.aborted) {
      let n = 0;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      if (n === 0) {
        await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
        continue;
      }
      pending += buffer.toString('utf8', 0, n);
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (options.signal?.aborted) return;
        yield line;
      }
    }
  } finally {
    closeSync(fd);
  }
}
