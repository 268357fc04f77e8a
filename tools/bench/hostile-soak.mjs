#!/usr/bin/env node
// Event-loop health under hostile input: a dev agent (the built binary, a separate process) is probed every 10 ms
// with a cheap request (GET /v1/status/leader) while one hostile load at a time runs for a while, and the probe's
// latency is reported beside the same probe on the idle agent. A probe that waits long means the agent's event
// loop was held by something a peer sent. Loads: the ReDoS filter of issue 16, random fuzz-like requests, bodies
// over the limits, slowloris (connections that trickle headers and bodies), and a burst of malformed JSON.
// Usage: node tools/bench/hostile-soak.mjs [--seconds 10]
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { opt, sleep, until } from './lib.mjs';

const seconds = Number(opt('seconds', '10'));
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const port = 18500 + Math.floor(Math.random() * 400);
const proc = spawn(process.execPath, [bin, 'agent', '-dev', '-http-port', String(port), '-dns-port', '-1', '-serf-lan-port', '-1', '-log-level', 'error'], { stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
process.on('exit', () => proc.kill('SIGKILL'));
await until(async () => (await fetch(`${base}/v1/status/leader`)).ok, 20_000, 'the agent');
await fetch(`${base}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'web', ID: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!' }) });

async function probe(untilMs) {
  const lat = [];
  while (Date.now() < untilMs) {
    const t = performance.now();
    await fetch(`${base}/v1/status/leader`);
    lat.push(performance.now() - t);
    await sleep(10);
  }
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
  return { n: lat.length, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1].toFixed(1) };
}

async function loop(untilMs, fn) {
  let n = 0;
  while (Date.now() < untilMs) {
    await fn().catch(() => undefined);
    n++;
  }
  return n;
}

const junk = (n) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(Math.random() * 95))).join('');
const loads = {
  idle: async () => 0,
  'ReDoS ?filter (a+)+$': (end) =>
    loop(end, () => fetch(`${base}/v1/catalog/service/web?filter=${encodeURIComponent('ServiceID matches "(a+)+$"')}`).then((r) => r.text())),
  'random requests': (end) =>
    loop(end, () => {
      const paths = ['/v1/kv/', '/v1/catalog/service/', '/v1/health/service/', '/v1/agent/service/register', '/v1/txn', '/v1/session/create'];
      const p = paths[Math.floor(Math.random() * paths.length)] + encodeURIComponent(junk(8));
      const method = ['GET', 'PUT', 'DELETE'][Math.floor(Math.random() * 3)];
      return fetch(`${base}${p}?${encodeURIComponent(junk(4))}=${encodeURIComponent(junk(6))}`, { method, body: method === 'GET' ? undefined : junk(200) }).then((r) => r.text());
    }),
  'bodies over the limits (1 MiB KV, 5 MiB JSON)': (end) =>
    loop(end, async () => {
      await fetch(`${base}/v1/kv/big`, { method: 'PUT', body: Buffer.alloc(1 << 20, 120) }).then((r) => r.text());
      await fetch(`${base}/v1/txn`, { method: 'PUT', body: Buffer.alloc(5 << 20, 32) }).then((r) => r.text());
    }),
  'slowloris (150 trickling connections)': async (end) => {
    const socks = [];
    for (let i = 0; i < 150; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write(i % 2 ? 'PUT /v1/kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' : 'GET /v1/kv/x HTTP/1.1\r\n');
      socks.push(s);
    }
    while (Date.now() < end) {
      for (const s of socks) s.write('x');
      await sleep(500);
    }
    for (const s of socks) s.destroy();
    return socks.length;
  },
  'malformed JSON bodies': (end) =>
    loop(end, () => fetch(`${base}/v1/agent/service/register`, { method: 'PUT', body: '{"Name": [' + '['.repeat(5000) }).then((r) => r.text())),
};

console.log(`hostile-soak: ${seconds} s per load, probe GET /v1/status/leader every 10 ms (latency in ms)\n`);
console.log('| load | hostile requests | probes | probe p50 | probe p99 | probe max |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const [name, run] of Object.entries(loads)) {
  const end = Date.now() + seconds * 1000;
  const [count, p] = await Promise.all([run(end), probe(end)]);
  console.log(`| ${name} | ${count} | ${p.n} | ${p.p50} | ${p.p99} | ${p.max} |`);
}
proc.kill('SIGTERM');
