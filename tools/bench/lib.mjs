// Small helpers the cluster benchmarks share: flags, waiting, and a process's resident memory.
import { readFileSync } from 'node:fs';

/** `--name value` from the command line, or `def`. */
export function opt(name, def) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
}

export const flag = (name) => process.argv.slice(2).includes(`--${name}`);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn (errors count as "not yet") until it returns something truthy, or throws after ms. */
export async function until(fn, ms, what, everyMs = 20) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {}
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(everyMs);
  }
}

/** VmRSS of a process in MB (Linux). */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
