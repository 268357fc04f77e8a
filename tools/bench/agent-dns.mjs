#!/usr/bin/env node
// DNS throughput of the dev agent (the built `conclave agent -dev`, a separate process, answering
// web.service.consul from its catalog) next to a bare dns-packet UDP responder answering one fixed A record,
// also in its own process; both loaded by dnsperf in the same run, alternating rounds.
// Usage: node tools/bench/agent-dns.mjs [--seconds 10] [--rounds 3]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const seconds = Number(opt('seconds', '10'));
const rounds = Number(opt('rounds', '3'));
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'conclave-dns-bench-'));
const queries = join(dir, 'queries');
writeFileSync(queries, 'web.service.consul A\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const base = 30000 + Math.floor(Math.random() * 20000);

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

const agent = spawn(process.execPath, [bin, 'agent', '-dev', '-http-port', String(base + 2), '-dns-port', String(base + 3), '-serf-lan-port', String(base + 4), '-log-level', 'warn'], { stdio: 'ignore' });
const http = `http://127.0.0.1:${base + 2}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${http}/v1/status/leader`)).ok) break;
  } catch {}
  if (i > 200) throw new Error('agent did not start');
  await sleep(50);
}
await fetch(`${http}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'web', Address: '192.168.33.41', Port: 80 }) });
await sleep(500);

function dnsperf(port) {
  const out = execFileSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(seconds), '-c', '4', '-Q', '200000', '-q', '200'], { encoding: 'utf8' });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)[1]);
  const lost = /Queries lost:\s+(\d+)/.exec(out)?.[1] ?? '?';
  const noerror = /NOERROR (\d+)/.exec(out)?.[1] ?? '?';
  return { qps, lost, noerror };
}

const rows = [];
try {
  for (let r = 0; r < rounds; r++) {
    rows.push({ bare: dnsperf(base + 1), agent: dnsperf(base + 3) });
  }
} finally {
  agent.kill('SIGTERM');
  bare.kill('SIGTERM');
}
const avg = (f) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
console.log(`\nDNS: the dev agent (web.service.consul A from its catalog) vs a bare dns-packet responder; dnsperf -c 4 -q 200, ${seconds}s x ${rounds} rounds each\n`);
console.log('| round | bare responder q/s | conclave agent q/s | ratio | agent lost |');
console.log('|--:|--:|--:|--:|--:|');
rows.forEach((r, i) => console.log(`| ${i + 1} | ${r.bare.qps.toFixed(0)} | ${r.agent.qps.toFixed(0)} | ${((100 * r.agent.qps) / r.bare.qps).toFixed(0)}% | ${r.agent.lost} |`));
console.log(`| mean | ${avg((r) => r.bare.qps).toFixed(0)} | ${avg((r) => r.agent.qps).toFixed(0)} | ${((100 * avg((r) => r.agent.qps)) / avg((r) => r.bare.qps)).toFixed(0)}% | |`);
