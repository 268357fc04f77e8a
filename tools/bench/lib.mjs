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

/** `[command, args]` to run on one CPU (taskset) when `cpu` is given, else unchanged: the benches' --pin keeps the
 * agents and the load generator off each other's core. */
export function onCpu(cpu, command, args) {
  return cpu === undefined ? [command, args] : ['taskset', ['-c', String(cpu), command, ...args]];
}

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

/** utime + stime of a process, in seconds (Linux; clock ticks of 1/100 s). */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** VmRSS of a process in MB (Linux). */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Sends an agent the same mix of endpoints, `times` over, before it is measured. V8 inlines the dispatch into
 * handleKv only while the dispatch has seen one or two handlers: an agent that has answered nothing but KV runs
 * at a speed no agent in service has, and two agents compared (ACLs off/on, telemetry off/on) must have seen the
 * same mix, or the comparison measures the JIT, not the feature. */
export async function warmEndpoints(url, headers = {}, times = 300) {
  const paths = ['/v1/status/leader', '/v1/catalog/services', '/v1/health/state/any', '/v1/agent/self', '/v1/acl/token/self', '/v1/session/list', '/v1/agent/metrics', '/v1/agent/metrics?format=prometheus', '/v1/kv/bench/key'];
  for (let i = 0; i < times; i++) {
    for (const path of paths) await (await fetch(`${url}${path}`, { headers })).arrayBuffer();
  }
}
