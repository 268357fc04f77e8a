#!/usr/bin/env node
// Many parked blocking queries on one agent, next to the bare Node baseline of as many parked HTTP requests
// in the same run: the dev agent (a server) holds --queries blocking queries spread over 10,000 keys and
// 1,000 services (one in ten a health query); this process keeps them open on raw sockets. Measured: RSS
// before and after parking (bytes per parked query), CPU of the idle process over --idle seconds (% of one
// core, from /proc: not a latency figure, so a loaded machine only adds noise), and for one KV write and one
// service registration how many parked queries answered (exactly the watchers of what changed) and how
// long the wake took. The process file-descriptor limit (ulimit -n) bounds --queries on one machine:
// each query is one socket on each side; the per-query figures give the cost of 100,000.
// Usage: node tools/bench/blocking-scale.mjs [--queries 18000] [--idle 10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '@conclave/test-support/free-port';
import { opt, rssMb, sleep, until } from './lib.mjs';

const queries = Number(opt('queries', '18000'));
const idleS = Number(opt('idle', '10'));
const KEYS = 10_000;
const SERVICES = 1_000;
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const HZ = 100;

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(x[11]) + Number(x[12]);
}

async function idleCpuPercent(pid) {
  const a = cpuTicks(pid);
  await sleep(idleS * 1000);
  return ((cpuTicks(pid) - a) / HZ / idleS) * 100;
}

/** Parks `n` requests on raw sockets; path(i) names each. Spreads source addresses over 127.0.0.x (ephemeral ports). */
async function park(port, n, path) {
  const socks = [];
  const state = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % 8)}` });
    const st = { path: path(i), answeredAt: 0 };
    s.on('data', () => {
      if (!st.answeredAt) st.answeredAt = performance.now();
    });
    s.on('error', () => undefined);
    s.write(`GET ${st.path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    socks.push(s);
    state.push(st);
    if (i % 500 === 499) await sleep(5); // let the server accept; a SYN backlog overflow would only slow this down
  }
  return { socks, state };
}

const answered = (p) => p.state.filter((s) => s.answeredAt).length;

async function agentRun() {
  const http = await freePort();
  const serf = await freePort();
  const agent = spawn(
    process.execPath,
    [bin, 'agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-serf-lan-port', String(serf), '-log-level', 'warn', '-hcl', `limits { http_max_conns_per_client = ${queries * 2} }`],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${http}`;
  try {
    await until(async () => (await (await fetch(`${url}/v1/status/leader`)).json()) !== '', 20000, 'agent leader');
    for (let t = 0; t < KEYS / 64; t++) {
      const ops = [];
      for (let k = t * 64; k < Math.min(KEYS, (t + 1) * 64); k++) ops.push({ KV: { Verb: 'set', Key: `k/${k}`, Value: Buffer.from('v'.repeat(100)).toString('base64') } });
      const r = await fetch(`${url}/v1/txn`, { method: 'PUT', body: JSON.stringify(ops) });
      if (!r.ok) throw new Error(`txn: ${r.status} ${await r.text()}`);
    }
    for (let b = 0; b < SERVICES; b += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          fetch(`${url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: `n${(b + j) % 100}`, Address: '10.0.0.1', Service: { Service: `svc-${b + j}`, Port: 80 } }) }),
        ),
      );
    }
    const index = Math.max(
      Number((await fetch(`${url}/v1/kv/k/?recurse&keys`)).headers.get('x-consul-index')),
      Number((await fetch(`${url}/v1/catalog/services`)).headers.get('x-consul-index')),
    );
    await sleep(2000);
    const before = rssMb(agent.pid);
    const p = await park(http, queries, (i) => (i % 10 === 9 ? `/v1/health/service/svc-${i % SERVICES}?index=${index}&wait=10m` : `/v1/kv/k/${i % KEYS}?index=${index}&wait=10m`));
    await sleep(3000);
    const early = answered(p);
    const parked = rssMb(agent.pid);
    const idle = await idleCpuPercent(agent.pid);
    // One KV write: wakes the KV queries on k/0 only.
    const kvWatchers = p.state.filter((s) => s.path.startsWith('/v1/kv/k/0?')).length;
    let t0 = performance.now();
    await fetch(`${url}/v1/kv/k/0`, { method: 'PUT', body: 'changed' });
    await sleep(1000);
    const kvWoken = p.state.filter((s) => s.answeredAt);
    const kvWake = Math.max(...kvWoken.map((s) => s.answeredAt - t0));
    // One service instance added: wakes the health queries on svc-9 only.
    const svcWatchers = p.state.filter((s) => s.path.startsWith('/v1/health/service/svc-9?')).length;
    t0 = performance.now();
    await fetch(`${url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'extra', Address: '10.0.0.2', Service: { Service: 'svc-9', Port: 81 } }) });
    await sleep(1000);
    const svcWoken = p.state.filter((s) => s.answeredAt && s.path.includes('svc-9?'));
    const otherWoken = answered(p) - kvWoken.length - svcWoken.length;
    const svcWake = Math.max(...svcWoken.map((s) => s.answeredAt - t0));
    for (const s of p.socks) s.destroy();
    return { before, parked, idle, early, kvWatchers, kvWoken: kvWoken.length, kvWake, svcWatchers, svcWoken: svcWoken.length, svcWake, otherWoken };
  } finally {
    agent.kill('SIGTERM');
  }
}

async function baselineRun() {
  const port = await freePort();
  const src = `
const parked = [];
const s = require('node:http').createServer((req, res) => { parked.push(res); });
s.listen(${port}, '127.0.0.1');`;
  const proc = spawn(process.execPath, ['-e', src], { stdio: 'ignore' });
  try {
    await until(() => new Promise((r) => net.connect(port, '127.0.0.1').on('connect', function () { this.destroy(); r(true); }).on('error', () => r(false))), 10000, 'baseline listening');
    await sleep(1000);
    const before = rssMb(proc.pid);
    const p = await park(port, queries, (i) => `/v1/kv/k/${i % KEYS}?index=1&wait=10m`);
    await sleep(3000);
    const parked = rssMb(proc.pid);
    const idle = await idleCpuPercent(proc.pid);
    for (const s of p.socks) s.destroy();
    return { before, parked, idle };
  } finally {
    proc.kill('SIGTERM');
  }
}

const load0 = loadavg()[0];
const base = await baselineRun();
const ours = await agentRun();
const load1 = loadavg()[0];
const perQ = (r) => ((r.parked - r.before) * 1024 * 1024) / queries;
console.log(`\n${queries} parked blocking queries (10,000 keys, 1,000 services), node ${process.version}; load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after\n`);
console.log('| process | RSS before MB | RSS parked MB | bytes per parked query | RSS at 100,000 (extrapolated) MB | idle CPU % of a core |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const [name, r] of [
  ['bare Node, parked requests', base],
  ['conclave dev agent, blocking queries', ours],
]) {
  console.log(`| ${name} | ${r.before.toFixed(0)} | ${r.parked.toFixed(0)} | ${perQ(r).toFixed(0)} | ${(r.before + (perQ(r) * 100_000) / 1024 / 1024).toFixed(0)} | ${r.idle.toFixed(2)} |`);
}
console.log(`\nanswered before any write: ${ours.early} (must be 0)`);
console.log(`KV write to k/0: ${ours.kvWoken} answered of ${ours.kvWatchers} watching it, slowest wake ${ours.kvWake.toFixed(0)} ms`);
console.log(`service svc-9 registered: ${ours.svcWoken} answered of ${ours.svcWatchers} watching it, slowest wake ${ours.svcWake.toFixed(0)} ms; others answered: ${ours.otherWoken} (must be 0)`);
