/** What `.kconfig` and `.ksyms` externs are filled from: the running kernel's config, version and symbols. */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';

let config: Map<string, string> | undefined;

/** CONFIG_* values of the running kernel (/proc/config.gz, else /boot/config-$(uname -r)); empty when neither exists. */
export function readKernelConfig(): ReadonlyMap<string, string> {
  if (config) return config;
  config = new Map();
  let text = '';
  if (existsSync('/proc/config.gz')) text = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  else if (existsSync(`/boot/config-${release()}`)) text = readFileSync(`/boot/config-${release()}`, 'utf8');
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (m) config.set(m[1]!, m[2]!);
  }
  return config;
}

/** LINUX_KERNEL_VERSION as libbpf computes it: KERNEL_VERSION(major, minor, min(patch, 255)). */
export function kernelVersionCode(releaseText = release()): number {
  const [major = 0, minor = 0, patch = 0] = releaseText.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  return (major << 16) + (minor << 8) + Math.min(patch, 255);
}

let kallsyms: Map<string, bigint> | undefined;

/** A kernel symbol's address from /proc/kallsyms (zero addresses mean the kernel hides them from us). */
export function kallsymsAddress(name: string): bigint | undefined {
  if (!kallsyms) {
    kallsyms = new Map();
    for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
      const [address, , symbol] = line.split(/\s+/);
      if (address && symbol && !kallsyms.has(symbol)) kallsyms.set(symbol, BigInt(`0x${address}`));
    }
  }
  const address = kallsyms.get(name);
  return address === 0n ? undefined : address;
}
