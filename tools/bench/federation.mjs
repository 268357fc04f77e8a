#!/usr/bin/env node
// Two federated datacenters on 127.0.0.1 (one server each, one client in dc1): the latency a request for another
// datacenter adds over a local one (p50/p99 of sequential KV reads through dc1's client and dc1's server, local
// vs ?dc=dc2), and prepared query execute throughput (local answer, and failover to dc2) with 16 concurrent
// callers. Same run, same machine: the local reads are the baseline.
// Usage: node tools/bench/federation.mjs [--reads 2000] [--seconds 5] [--concurrency 16]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { opt, sleep, until } from './lib.mjs';

const reads = Number(opt('reads', '2000'));
const seconds = Number(opt('seconds', '5'));
const concurrency = Number(opt('concurrency', '16'));
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'conclave-federation-bench-'));
const procs = [];
const base = 20000 + Math.floor(Math.random() * 20000);

function agent(name, dc, i, extra) {
  const p = (k) => String(base + i * 10 + k);
  const args = [bin, 'agent', '-node', name, '-datacenter', dc, '-data-dir', join(dir, name), '-bind', '127.0.0.1', '-client', '127.0.0.1'];
  args.push('-http-port', p(0), '-dns-port', p(1), '-serf-lan-port', p(2), '-server-port', p(3), '-serf-wan-port', p(4), '-raft-multiplier', '1', '-log-level', 'warn', ...extra);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(proc);
  return { http: `http://127.0.0.1:${p(0)}`, serf: `127.0.0.1:${p(2)}`, wan: `127.0.0.1:${p(4)}` };
}

const json = async (url, init) => (await fetch(url, init)).json();

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function latency(url) {
  const ms = [];
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99) };
}

async function throughput(url, check) {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const r = await json(url);
        if (!check(r)) throw new Error(`unexpected answer from ${url}: ${JSON.stringify(r).slice(0, 200)}`);
        n++;
      }
    }),
  );
  return n / seconds;
}

try {
  const s1 = agent('s1', 'dc1', 0, ['-server', '-bootstrap-expect', '1']);
  const s2 = agent('s2', 'dc2', 1, ['-server', '-bootstrap-expect', '1']);
  const c1 = agent('c1', 'dc1', 2, ['-retry-join', s1.serf, '-retry-interval', '1s']);
  await until(async () => (await json(`${s1.http}/v1/status/leader`).catch(() => '')) !== '' && (await json(`${s2.http}/v1/status/leader`).catch(() => '')) !== '', 30000, 'leaders');
  await fetch(`${s2.http}/v1/agent/join/${s1.wan}?wan=1`, { method: 'PUT' });
  await until(async () => (await json(`${c1.http}/v1/catalog/datacenters`).catch(() => [])).length === 2, 30000, 'federation');
  await fetch(`${s1.http}/v1/kv/bench`, { method: 'PUT', body: 'x' });
  await fetch(`${s2.http}/v1/kv/bench`, { method: 'PUT', body: 'y' });
  for (const [svc, a] of [['db', s1], ['db', s2]]) {
    await fetch(`${a.http}/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({ Node: `db-${a === s1 ? 1 : 2}`, Address: '10.0.0.1', Service: { Service: svc, Port: 5432 } }),
    });
  }
  await fetch(`${s2.http}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'cache-2', Address: '10.0.0.2', Service: { Service: 'cache', Port: 6379 } }) });
  await fetch(`${s1.http}/v1/query`, { method: 'POST', body: JSON.stringify({ Name: 'db', Service: { Service: 'db' } }) });
  await fetch(`${s1.http}/v1/query`, { method: 'POST', body: JSON.stringify({ Name: 'cache', Service: { Service: 'cache', Failover: { Datacenters: ['dc2'] } } }) });
  await until(async () => (await fetch(`${c1.http}/v1/kv/bench?dc=dc2`)).status === 200, 30000, 'dc2 reachable');
  await sleep(1000);

  const rows = [];
  for (const [label, url] of [
    ['dc1 server, local read', `${s1.http}/v1/kv/bench`],
    ['dc1 server, ?dc=dc2', `${s1.http}/v1/kv/bench?dc=dc2`],
    ['dc1 client, local read', `${c1.http}/v1/kv/bench`],
    ['dc1 client, ?dc=dc2', `${c1.http}/v1/kv/bench?dc=dc2`],
  ]) {
    await latency(url); // warm up keep-alive connections and the JIT
    const r = await latency(url);
    rows.push(`| ${label} | ${reads} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
  }
  console.log(`\nSequential KV reads (ms), ${reads} per row, after a warm-up of as many:\n`);
  console.log('| path | reads | p50 | p99 |\n|---|--:|--:|--:|\n' + rows.join('\n'));

  const local = await throughput(`${s1.http}/v1/query/db/execute`, (r) => r.Datacenter === 'dc1' && r.Nodes.length === 1);
  const failover = await throughput(`${s1.http}/v1/query/cache/execute`, (r) => r.Datacenter === 'dc2' && r.Failovers === 1);
  const viaClient = await throughput(`${c1.http}/v1/query/db/execute`, (r) => r.Nodes.length === 1);
  console.log(`\nPrepared query execute, ${concurrency} concurrent callers for ${seconds} s:\n`);
  console.log(
    '| query | executes/s |\n|---|--:|\n' +
      `| db on dc1's server (local answer) | ${local.toFixed(0)} |\n| db through dc1's client | ${viaClient.toFixed(0)} |\n| cache on dc1's server (fails over to dc2) | ${failover.toFixed(0)} |`,
  );
} finally {
  for (const p of procs) p.kill('SIGKILL');
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
}
