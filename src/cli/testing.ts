/** Running the CLI in tests: `main()` with captured output. */
import { main } from './main.js';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `tsbpf ...argv` in-process and returns the exit code and what it printed. */
export async function runCli(...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (t: string | Uint8Array) => { out += typeof t === 'string' ? t : Buffer.from(t).toString('utf8'); } },
    stderr: { write: (t: string | Uint8Array) => { err += typeof t === 'string' ? t : Buffer.from(t).toString('utf8'); } },
  };
  const code = await main(argv, io);
  return { code, out, err };
}
