#!/usr/bin/env node
// DNS throughput of the dev agent (the built `conclave agent -dev`, a separate process, answering
// web.service.consul from its catalog) next to dnsmasq answering the same name from a host record (the native
// mark of issue 20) and a bare dns-packet UDP responder answering one fixed A record, each its own process; all
// loaded by dnsperf in the same run, in turn, round after round, so that load from other processes falls on each.
// Besides queries/s it prints each server's CPU time per answered query (from /proc/<pid>/stat), a figure that
// foreign load moves much less than queries/s.
// --acl adds a second dev agent with ACLs on (default_policy deny, a default token that may read web and its node),
// to compare the cost of answering with ACLs in the same run.
// Usage: node tools/bench/agent-dns.mjs [--seconds 10] [--rounds 3] [--clients 4] [--no-dnsmasq] [--acl] [--bin path/to/conclave.js]
// dnsmasq: Debian's dnsmasq-base (apt-get install -y dnsmasq-base); run with tools/node-lts/run-on.sh 24 for the
// reader threads (udp-readers.ts), which Node 20 cannot have.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const seconds = Number(opt('seconds', '10'));
const rounds = Number(opt('rounds', '3'));
const clients = opt('clients', '4');
const withDnsmasq = !args.includes('--no-dnsmasq');
// --bin: another checkout's built agent (e.g. main's, for a before/after in one session).
const bin = opt('bin', fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'conclave-dns-bench-'));
const queries = join(dir, 'queries');
writeFileSync(queries, 'web.service.consul A\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const base = 30000 + Math.floor(Math.random() * 20000);

function findDnsmasq() {
  for (const p of ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq', '/sbin/dnsmasq']) {
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore' });
      return p;
    } catch {}
  }
  return undefined;
}

const children = [];
// Whatever happens before the measuring loop's own cleanup (an agent that does not start, a refused setup
// request), no server is left running.
process.on('exit', () => {
  for (const c of children) c.kill('SIGTERM');
});
const bareSrc = `
const dgram = require('node:dgram');
const dnsPacket = require(${JSON.stringify(fileURLToPath(new URL('../../node_modules/dns-packet/index.js', import.meta.url)))});
const sock = dgram.createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  let q;
  try { q = dnsPacket.decode(msg); } catch { return; }
  const reply = dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions,
    answers: [{ type: 'A', name: q.questions[0].name, ttl: 0, data: '192.168.33.41' }] });
  sock.send(reply, rinfo.port, rinfo.address);
});
sock.bind(${base + 1}, '127.0.0.1');`;
const bare = spawn(process.execPath, ['-e', bareSrc], { stdio: 'ignore' });
children.push(bare);

let dnsmasq;
const dnsmasqBin = withDnsmasq ? findDnsmasq() : undefined;
if (withDnsmasq && !dnsmasqBin) {
  console.error('dnsmasq not found (apt-get install -y dnsmasq-base), running without it; --no-dnsmasq silences this');
}
if (dnsmasqBin) {
  // Answers web.service.consul from a host record (TTL 0 as Conclave's default), nothing from upstream or /etc/hosts.
  dnsmasq = spawn(
    dnsmasqBin,
    ['-k', '-C', '/dev/null', '--pid-file=', '--port', String(base + 5), '--listen-address=127.0.0.1', '--bind-interfaces',
      '--no-resolv', '--no-hosts', '--host-record=web.service.consul,192.168.33.41', '--local-ttl=0', '--log-facility=-'],
    { stdio: 'ignore' },
  );
  children.push(dnsmasq);
}

const withAcl = args.includes('--acl');
const ROOT = 'b1gs3cr3-0000-4000-8000-000000000001';

/** A dev agent on ports from `at` (http, dns, serf), web registered; with `acl`, a default token that reads web. */
async function startAgent(at, acl) {
  const aclArgs = acl ? ['-hcl', `acl { enabled = true\ndefault_policy = "deny"\ntokens { initial_management = "${ROOT}" } }`] : [];
  const child = spawn(process.execPath, [bin, 'agent', '-dev', '-node', acl ? 'acl-dev' : 'dev', '-http-port', String(at), '-dns-port', String(at + 1), '-serf-lan-port', String(at + 2), '-log-level', 'warn', ...aclArgs], { stdio: 'ignore' });
  children.push(child);
  const http = `http://127.0.0.1:${at}`;
  const headers = acl ? { 'X-Consul-Token': ROOT } : {};
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${http}/v1/status/leader`, { headers })).ok) break;
    } catch {}
    if (i > 400) throw new Error('agent did not start');
    await sleep(50);
  }
  await fetch(`${http}/v1/agent/service/register`, { method: 'PUT', headers, body: JSON.stringify({ Name: 'web', Address: '192.168.33.41', Port: 80 }) });
  if (acl) {
    const put = async (path, body) => {
      const res = await fetch(`${http}${path}`, { method: "PUT", headers, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    await put('/v1/acl/policy', { Name: 'dns', Rules: 'service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }' });
    const token = await put('/v1/acl/token', { Policies: [{ Name: 'dns' }] });
    await put('/v1/agent/token/default', { Token: token.SecretID });
  }
  return child;
}

const agent = await startAgent(base + 2, false);
const aclAgent = withAcl ? await startAgent(base + 6, true) : undefined;
await sleep(500);

/** utime + stime of a process (all its threads), in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function dnsperf(port, pid) {
  const cpu0 = cpuSeconds(pid);
  const out = execFileSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(seconds), '-c', clients, '-Q', '200000', '-q', '200'], { encoding: 'utf8' });
  const cpu = cpuSeconds(pid) - cpu0;
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)[1]);
  const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const lost = /Queries lost:\s+(\d+)/.exec(out)?.[1] ?? '?';
  return { qps, lost, usPerQuery: (cpu * 1e6) / completed };
}

const servers = [
  ...(dnsmasq ? [{ label: 'dnsmasq', port: base + 5, pid: dnsmasq.pid }] : []),
  { label: 'bare dns-packet', port: base + 1, pid: bare.pid },
  ...(aclAgent ? [{ label: 'agent, ACLs on', port: base + 7, pid: aclAgent.pid }] : []),
  { label: 'conclave agent', port: base + 3, pid: agent.pid },
];
const load0 = loadavg()[0];
const rows = [];
try {
  for (const s of servers) dnsperf(s.port, s.pid); // warm-up (JIT), 1 round's worth
  for (let r = 0; r < rounds; r++) rows.push(servers.map((s) => dnsperf(s.port, s.pid)));
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
const load1 = loadavg()[0];
const ref = 0; // the first server is the reference: dnsmasq when present
const avg = (i, f) => rows.reduce((s, r) => s + f(r[i]), 0) / rows.length;
console.log(
  `\nDNS: web.service.consul A, dnsperf -c ${clients} -q 200, ${seconds}s x ${rounds} rounds per server, in turn (node ${process.version}; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after)\n`,
);
console.log(`| round | ${servers.map((s) => `${s.label} q/s`).join(' | ')} | agent / ${servers[ref].label} | ${servers.map((s) => `${s.label} CPU µs/query`).join(' | ')} |`);
console.log(`|--:|${servers.map(() => '--:|').join('')}--:|${servers.map(() => '--:|').join('')}`);
const agentIdx = servers.length - 1;
rows.forEach((r, i) =>
  console.log(
    `| ${i + 1} | ${r.map((x) => x.qps.toFixed(0)).join(' | ')} | ${((100 * r[agentIdx].qps) / r[ref].qps).toFixed(0)}% | ${r.map((x) => x.usPerQuery.toFixed(1)).join(' | ')} |`,
  ),
);
console.log(
  `| mean | ${servers.map((_, i) => avg(i, (x) => x.qps).toFixed(0)).join(' | ')} | ${((100 * avg(agentIdx, (x) => x.qps)) / avg(ref, (x) => x.qps)).toFixed(0)}% | ${servers.map((_, i) => avg(i, (x) => x.usPerQuery).toFixed(1)).join(' | ')} |`,
);
console.log(`\nlost (agent): ${rows.map((r) => r[agentIdx].lost).join(', ')}`);
