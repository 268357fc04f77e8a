#!/usr/bin/env node
// Many parked blocking queries on one agent, next to the bare Node baseline of as many parked HTTP requests
// in the same run: the dev agent (a server) holds --queries blocking queries spread over 10,000 keys and
// 1,000 services (one in ten a health query); this process keeps them open on raw sockets. Measured: RSS
// before and after parking (bytes per parked query), CPU of the idle process over --idle seconds (% of one
// core, from /proc: not a latency figure, so a loaded machine only adds noise), and for one KV write and one
// service registration how many parked queries answered (exactly the watchers of what changed) and how
// long the wake took. The process file-descriptor limit (ulimit -n) bounds --queries on one machine:
// each query is one socket on each side; the per-query figures give the cost of 100,000.
// With --h2 the queries go over HTTP/2 to the agent's HTTPS port (certificates made with openssl in a temporary
// directory), 250 on each connection as Consul's and Go's servers allow, so 100,000 need 400 connections and no
// extrapolation; the baseline is then a bare node:http2 secure server parking every request, and the wakes are
// given as p50/p99/max. --heap DIR writes heap snapshots into DIR: the baseline's and the agent's while the
// queries are parked (after the measurements), and the agent's before parking (read them with
// heap-by-constructor.mjs; a snapshot moves RSS, so the table of such a run is not one to quote).
// Usage: node tools/bench/blocking-scale.mjs [--queries 18000] [--idle 10] [--h2] [--heap DIR]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@conclave/test-support/free-port';
import { makeTestCa } from '@conclave/test-support/test-tls';
import { parkH2 } from './h2-park.mjs';
import { flag, opt, rssMb, sleep, until } from './lib.mjs';

const h2 = flag('h2');
const STREAMS_PER_CONNECTION = 250;
const queries = Number(opt('queries', h2 ? '100000' : '18000'));
const heapDir = opt('heap', undefined);
if (heapDir) mkdirSync(heapDir, { recursive: true });
/** Node's flags for a measured process: a heap snapshot on SIGUSR2 with --heap. */
const nodeFlags = heapDir ? ['--heapsnapshot-signal=SIGUSR2'] : [];

/** Has process `pid` (started with nodeFlags, in heapDir) write a heap snapshot; resolves with its file name. */
async function heapSnapshot(pid, label) {
  const before = new Set(readdirSync(heapDir));
  process.kill(pid, 'SIGUSR2');
  const file = await until(() => readdirSync(heapDir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot')), 600_000, 'heap snapshot', 500);
  // Written in one go while the process is stopped: done once the size stops changing.
  let size = -1;
  await until(() => {
    const now = statSync(join(heapDir, file)).size;
    const same = now === size && now > 0;
    size = now;
    return same;
  }, 600_000, 'heap snapshot written', 1000);
  console.error(`heap snapshot of the ${label}: ${join(heapDir, file)}`);
  return file;
}
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

/** The query each parked request makes: one in ten a health query of a service, the rest a key's. */
const queryPath = (index) => (i) => (i % 10 === 9 ? `/v1/health/service/svc-${i % SERVICES}?index=${index}&wait=10m` : `/v1/kv/k/${i % KEYS}?index=${index}&wait=10m`);

/** Milliseconds from t0 to each answer: p50, p99 (nearest rank) and max. */
function wakeStats(woken, t0) {
  const ms = woken.map((s) => s.answeredAt - t0).sort((a, b) => a - b);
  const rank = (p) => ms[Math.min(ms.length - 1, Math.max(0, Math.ceil((p / 100) * ms.length) - 1))];
  return { p50: rank(50), p99: rank(99), max: ms[ms.length - 1] };
}

/** The dev agent: HTTP for the setup and the writes; with `tls` ({ dir, ca }) also HTTPS, where the queries park. */
async function agentRun(tls) {
  const http = await freePort();
  const serf = await freePort();
  const https = tls ? await freePort() : -1;
  // Over HTTP/1.1 each query holds a connection; over HTTP/2 a connection holds 250 of them.
  const conns = tls ? Math.ceil(queries / STREAMS_PER_CONNECTION) * 2 + 100 : queries * 2;
  const hcl = [`limits { http_max_conns_per_client = ${conns} }`];
  if (tls) hcl.push(`ports { https = ${https} }`, `tls { defaults { cert_file = ${JSON.stringify(join(tls.dir, 'server.pem'))}\nkey_file = ${JSON.stringify(join(tls.dir, 'server.key'))} } }`);
  const agent = spawn(
    process.execPath,
    [...nodeFlags, bin, 'agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-serf-lan-port', String(serf), '-log-level', 'warn', '-hcl', hcl.join('\n')],
    { stdio: 'ignore', cwd: heapDir },
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
    // With --heap also one before parking: the difference is what the parked queries hold.
    if (heapDir) await heapSnapshot(agent.pid, 'agent before parking');
    const before = rssMb(agent.pid);
    const p = tls ? await parkH2(https, tls.ca, queries, queryPath(index), STREAMS_PER_CONNECTION) : await park(http, queries, queryPath(index));
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
    const kvWake = wakeStats(kvWoken, t0);
    const kvRight = kvWoken.filter((s) => s.path.startsWith('/v1/kv/k/0?')).length;
    // One service instance added: wakes the health queries on svc-9 only.
    const svcWatchers = p.state.filter((s) => s.path.startsWith('/v1/health/service/svc-9?')).length;
    t0 = performance.now();
    await fetch(`${url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'extra', Address: '10.0.0.2', Service: { Service: 'svc-9', Port: 81 } }) });
    await sleep(1000);
    const svcWoken = p.state.filter((s) => s.answeredAt && s.path.includes('svc-9?'));
    const otherWoken = answered(p) - kvWoken.length - svcWoken.length;
    const svcWake = wakeStats(svcWoken, t0);
    if (heapDir) await heapSnapshot(agent.pid, 'agent');
    if (tls) p.close();
    else for (const s of p.socks) s.destroy();
    return { before, parked, idle, early, kvWatchers, kvWoken: kvWoken.length, kvRight, kvWake, svcWatchers, svcWoken: svcWoken.length, svcWake, otherWoken };
  } finally {
    agent.kill('SIGTERM');
  }
}

/** Bare Node parking every request: node:http, or with `tls` node:http2's secure server as the agent sets it up. */
async function baselineRun(tls) {
  const port = await freePort();
  const src = tls
    ? `
const parked = [];
const { readFileSync } = require('node:fs');
const s = require('node:http2').createSecureServer(
  { cert: readFileSync(${JSON.stringify(join(tls.dir, 'server.pem'))}), key: readFileSync(${JSON.stringify(join(tls.dir, 'server.key'))}), allowHTTP1: true, settings: { maxConcurrentStreams: ${STREAMS_PER_CONNECTION} } },
  (req, res) => { parked.push(res); },
);
s.listen(${port}, '127.0.0.1');`
    : `
const parked = [];
const s = require('node:http').createServer((req, res) => { parked.push(res); });
s.listen(${port}, '127.0.0.1');`;
  const proc = spawn(process.execPath, [...nodeFlags, '-e', src], { stdio: 'ignore', cwd: heapDir });
  try {
    await until(() => new Promise((r) => net.connect(port, '127.0.0.1').on('connect', function () { this.destroy(); r(true); }).on('error', () => r(false))), 10000, 'baseline listening');
    await sleep(1000);
    const before = rssMb(proc.pid);
    const path = (i) => `/v1/kv/k/${i % KEYS}?index=1&wait=10m`;
    const p = tls ? await parkH2(port, tls.ca, queries, path, STREAMS_PER_CONNECTION) : await park(port, queries, path);
    await sleep(3000);
    const parked = rssMb(proc.pid);
    const idle = await idleCpuPercent(proc.pid);
    if (heapDir) await heapSnapshot(proc.pid, 'baseline');
    if (tls) p.close();
    else for (const s of p.socks) s.destroy();
    return { before, parked, idle };
  } finally {
    proc.kill('SIGTERM');
  }
}

const perQ = (r) => ((r.parked - r.before) * 1024 * 1024) / queries;
const started = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const load0 = loadavg()[0];
if (!h2) {
  const base = await baselineRun();
  const ours = await agentRun();
  const load1 = loadavg()[0];
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
  console.log(`KV write to k/0: ${ours.kvWoken} answered of ${ours.kvWatchers} watching it, slowest wake ${ours.kvWake.max.toFixed(0)} ms`);
  console.log(`service svc-9 registered: ${ours.svcWoken} answered of ${ours.svcWatchers} watching it, slowest wake ${ours.svcWake.max.toFixed(0)} ms; others answered: ${ours.otherWoken} (must be 0)`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-h2-'));
  try {
    // openssl's CA and a server certificate for 127.0.0.1, as files the agent's tls block names.
    const made = makeTestCa('conclave bench CA');
    writeFileSync(join(dir, 'server.pem'), made.cert);
    writeFileSync(join(dir, 'server.key'), made.key);
    const tls = { dir, ca: made.ca };
    const base = await baselineRun(tls);
    const ours = await agentRun(tls);
    const load1 = loadavg()[0];
    const sessions = Math.ceil(queries / STREAMS_PER_CONNECTION);
    console.log(`\n${queries} parked blocking queries over HTTP/2 (${sessions} TLS connections of ${STREAMS_PER_CONNECTION} streams; 10,000 keys, 1,000 services), node ${process.version}; started ${started}; load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after\n`);
    console.log('| process | RSS before MB | RSS parked MB | bytes per parked query | idle CPU % of a core |');
    console.log('|---|--:|--:|--:|--:|');
    for (const [name, r] of [
      ['bare Node, node:http2 parking every stream', base],
      ['conclave dev agent, blocking queries', ours],
    ]) {
      console.log(`| ${name} | ${r.before.toFixed(0)} | ${r.parked.toFixed(0)} | ${perQ(r).toFixed(0)} | ${r.idle.toFixed(2)} |`);
    }
    const ms = (w) => `p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, max ${w.max.toFixed(1)} ms`;
    console.log(`\nanswered before any write: ${ours.early} (must be 0)`);
    console.log(`KV write to k/0: ${ours.kvWoken} answered (${ours.kvRight} of them on k/0) of ${ours.kvWatchers} watching it; wake to answer ${ms(ours.kvWake)}`);
    console.log(`service svc-9 registered: ${ours.svcWoken} answered of ${ours.svcWatchers} watching it; wake to answer ${ms(ours.svcWake)}; others answered: ${ours.otherWoken} (must be 0)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
