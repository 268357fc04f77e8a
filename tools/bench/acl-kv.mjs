#!/usr/bin/env node
// KV GET and PUT throughput of two dev agents in the same run: ACLs off, and ACLs on (default_policy deny) with
// requests carrying a token whose policy has 20 rules (the key it uses is matched by the longest of several
// prefixes). Both agents are separate processes loaded by the same wrk; the runs alternate (off, on, off, on, ...)
// so that machine load shifts hit both alike. The ACL cost is the token's resolution (one SHA-256 + one Map
// lookup, no round trip) and the rule lookup.
// Usage: node tools/bench/acl-kv.mjs [--duration 10] [--connections 16,64] [--ops GET,PUT] [--rounds 2] [--pin]
//        [--cpu-prof DIR] [--token-to-both]
//   --token-to-both: the ACLs-off agent gets the same X-Consul-Token header (it ignores it), so the comparison is the
//     ACL system alone, without Node parsing one more header line (0.6 µs per request in the 19:24 profiles).
//   --cpu-prof DIR: each agent writes a V8 CPU profile under DIR/off and DIR/on when the bench stops it.
//   --pin: the agents run on CPU 0 and wrk (one thread) on CPU 1 (taskset), so the load generator never takes the
//     agent's core and a response never waits for wrk to be scheduled: on a 2-core machine the unpinned runs swing
//     by more than the 5 % this bench is about.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@conclave/test-support/free-port';
import { cpuSeconds, flag, median, onCpu, opt, until, warmEndpoints } from './lib.mjs';

const duration = Number(opt('duration', '10'));
const connections = opt('connections', '16,64').split(',').map(Number);
const rounds = Number(opt('rounds', '2'));
const pin = flag('pin');
const tokenToBoth = flag('token-to-both');
const ops = opt('ops', 'GET,PUT').split(',');
const cpuProfDir = opt('cpu-prof', '');
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-acl-'));
const ROOT = 'bench-root-secret';

/** 20 rules: prefixes of several lengths over the key, exact rules for other keys, other resources. */
const RULES = [
  'key_prefix "" { policy = "read" }',
  'key_prefix "bench/" { policy = "write" }',
  'key_prefix "bench/k" { policy = "write" }',
  'key_prefix "bench/private/" { policy = "deny" }',
  'key_prefix "app/" { policy = "write" }',
  'key_prefix "app/secret/" { policy = "deny" }',
  'key "config/a" { policy = "read" }',
  'key "config/b" { policy = "write" }',
  'key "config/c" { policy = "deny" }',
  'key_prefix "team-a/" { policy = "write" }',
  'key_prefix "team-b/" { policy = "read" }',
  'key_prefix "team-c/" { policy = "list" }',
  'service_prefix "" { policy = "read" }',
  'service "web" { policy = "write" }',
  'node_prefix "" { policy = "read" }',
  'session_prefix "" { policy = "write" }',
  'event_prefix "deploy" { policy = "write" }',
  'query_prefix "" { policy = "read" }',
  'agent_prefix "" { policy = "read" }',
  'operator = "read"',
].join('\n');

/** One wrk run against an agent: req/s, p99 and the agent's CPU per request (utime + stime over the run). */
function wrk(agent, conns, script) {
  const url = `${agent.url}/v1/kv/bench/key`;
  const argv = [pin ? '-t1' : '-t2', `-c${conns}`, `-d${duration}s`, '--latency', '-s', script, url];
  const cpu0 = cpuSeconds(agent.proc.pid);
  const out = execFileSync(...onCpu(pin ? 1 : undefined, 'wrk', argv), { encoding: 'utf8' });
  const cpuUs = ((cpuSeconds(agent.proc.pid) - cpu0) * 1e6) / Number(/(\d+) requests in/.exec(out)[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`wrk saw ${non2xx} non-2xx responses from ${url}`);
  return { rps, p99, cpuUs };
}

function script(name, method, token) {
  const path = join(dir, `${name}.lua`);
  const lines = [`wrk.method = "${method}"`];
  if (method === 'PUT') lines.push('wrk.body = string.rep("x", 100)');
  if (token) lines.push(`wrk.headers["X-Consul-Token"] = "${token}"`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

async function startAgent(acl) {
  const http = await freePort();
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(cpuProfDir, acl ? 'on' : 'off')] : [];
  const argv = [...prof, bin, 'agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-serf-lan-port', String(await freePort()), '-log-level', 'warn'];
  if (acl) argv.push('-hcl', `acl { enabled = true\ndefault_policy = "deny"\ntokens { initial_management = "${ROOT}" } }`);
  const proc = spawn(...onCpu(pin ? 0 : undefined, process.execPath, argv), { stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}`;
  await until(async () => (await fetch(`${url}/v1/status/leader`).catch(() => undefined))?.ok, 20_000, 'agent ready', 50);
  return { proc, url };
}

const off = await startAgent(false);
const on = await startAgent(true);
const rows = [];
try {
  await until(async () => (await fetch(`${on.url}/v1/acl/token/self`, { headers: { 'X-Consul-Token': ROOT } })).ok, 20_000, 'initial management token', 50);
  const policy = await (await fetch(`${on.url}/v1/acl/policy`, { method: 'PUT', headers: { 'X-Consul-Token': ROOT }, body: JSON.stringify({ Name: 'bench', Rules: RULES }) })).json();
  const token = await (await fetch(`${on.url}/v1/acl/token`, { method: 'PUT', headers: { 'X-Consul-Token': ROOT }, body: JSON.stringify({ Policies: [{ ID: policy.ID }] }) })).json();
  for (const a of [off, on]) await fetch(`${a.url}/v1/kv/bench/key`, { method: 'PUT', headers: { 'X-Consul-Token': token.SecretID }, body: 'x'.repeat(100) });
  // The same mix of endpoints on both (lib.mjs warmEndpoints says why).
  for (const a of [off, on]) await warmEndpoints(a.url, { 'X-Consul-Token': token.SecretID });
  const scripts = {
    GET: { off: script('get-off', 'GET', tokenToBoth ? token.SecretID : undefined), on: script('get-on', 'GET', token.SecretID) },
    PUT: { off: script('put-off', 'PUT', tokenToBoth ? token.SecretID : undefined), on: script('put-on', 'PUT', token.SecretID) },
  };
  for (const c of connections) {
    for (const op of ops) {
      const sum = { off: 0, on: 0, offP99: '', onP99: '', pairs: [], cpuPairs: [] };
      for (let r = 0; r < rounds; r++) {
        // Alternate which agent goes first, so a drift in machine speed does not favour one.
        let a, b;
        if (r % 2 === 0) {
          a = wrk(off, c, scripts[op].off);
          b = wrk(on, c, scripts[op].on);
        } else {
          b = wrk(on, c, scripts[op].on);
          a = wrk(off, c, scripts[op].off);
        }
        sum.off += a.rps / rounds;
        sum.on += b.rps / rounds;
        sum.offP99 = a.p99;
        sum.onP99 = b.p99;
        sum.pairs.push(b.rps / a.rps);
        sum.cpuPairs.push(a.cpuUs / b.cpuUs);
      }
      rows.push({ op, conns: c, ...sum });
    }
  }
} finally {
  // A profile is written on exit: wait for it.
  await Promise.all([off, on].map(({ proc }) => new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', r), proc.kill('SIGTERM'), setTimeout(r, 10_000).unref())))));
}

console.log(`\nKV through the dev agent: ACLs off vs on (deny + a 20-rule policy${tokenToBoth ? '; the token sent to both' : ''}), ${pin ? 'agents on CPU 0, wrk -t1 on CPU 1' : 'wrk -t2'}, ${duration}s x ${rounds} alternating rounds\n`);
console.log('| op  | conns | ACLs off req/s | ACLs on req/s | on/off | on/off, median of pairs | CPU per request, off/on, median of pairs | off p99 | on p99 |');
console.log('|-----|------:|---------------:|--------------:|-------:|------:|------:|--------:|-------:|');
for (const r of rows) {
  console.log(
    `| ${r.op.padEnd(3)} | ${String(r.conns).padStart(5)} | ${r.off.toFixed(0).padStart(14)} | ${r.on.toFixed(0).padStart(13)} | ${((r.on / r.off) * 100).toFixed(1).padStart(5)}% | ${(median(r.pairs) * 100).toFixed(1)}% | ${(median(r.cpuPairs) * 100).toFixed(1)}% | ${r.offP99.padStart(7)} | ${r.onP99.padStart(6)} |`,
  );
}
