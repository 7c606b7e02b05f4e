/** Lines of the kernel's trace_pipe (bpf_printk output), as an async iterator. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { tracefs } from './link.js';

/**
 * Yields trace_pipe lines until the signal aborts. Reading consumes them: two
 * readers share one pipe. `bpf_trace_printk:` lines are bpf_printk's.
 */
export async function* tracePipeLines(options: { signal?: AbortSignal } = {}): AsyncGenerator<string> {
  const stream = createReadStream(`${tracefs()}/trace_pipe`, { encoding: 'utf8' });
  const onAbort = () => stream.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      if (options.signal?.aborted) return;
      yield line;
    }
  } catch (e) {
    if (!options.signal?.aborted) throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}
