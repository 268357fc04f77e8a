#!/usr/bin/env node
// DNS throughput: Conclave's DNS server (the BUILT @conclave/dns) against a bare dns-packet UDP responder
// answering one fixed record, both measured with dnsperf in the same run on the same machine.
//
//   (cd packages/dns && npx tsup) && node tools/bench/dns-perf.mjs [--seconds 10] [--rounds 5]
//
// dnsperf (Debian package `dnsperf`) runs as a separate process; each server runs in this process,
// one at a time under load. The ratio that matters is Conclave's cached A answer against the baseline.
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { createDnsServer } from '@conclave/dns';

const args = process.argv.slice(2);
const secondsIdx = args.indexOf('--seconds');
const SECONDS = secondsIdx >= 0 ? Number(args[secondsIdx + 1]) : 10;
const roundsIdx = args.indexOf('--rounds');
const ROUNDS = roundsIdx >= 0 ? Number(args[roundsIdx + 1]) : 5;
if (!(SECONDS > 0) || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error('usage: node tools/bench/dns-perf.mjs [--seconds N] [--rounds R]');
  process.exit(2);
}
try {
  execFileSync('which', ['dnsperf'], { stdio: 'ignore' });
} catch {
  console.error('dnsperf not found: apt-get install -y dnsperf');
  process.exit(2);
}

/** A fixed catalog: web has one healthy instance, db three (one of them in warning), cache on. */
function fixedSource({ versioned }) {
  const inst = (node, address, tags, health = 'passing') => ({
    node,
    nodeAddress: address,
    serviceId: `${node}-svc`,
    port: 3306,
    tags,
    health,
  });
  const services = new Map([
    ['web', [inst('web-1', '192.168.33.41', ['v1'])]],
    ['db', [inst('db-1', '192.168.33.31', ['master']), inst('db-2', '192.168.33.32', ['slave']), inst('db-3', '192.168.33.33', ['slave'], 'warning')]],
  ]);
  const source = {
    datacenter: 'dc1',
    serviceInstances: (name) => services.get(name),
    node: () => undefined,
    nodesByAddress: () => [],
    servicesByAddress: () => [],
    servers: () => [{ name: 'server-1', address: '192.168.33.10' }],
  };
  if (versioned) source.version = () => 1;
  return source;
}

/** The baseline: decode the query, answer one fixed A record. */
async function startBareResponder() {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let q;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: q.questions,
      answers: [{ type: 'A', name: q.questions[0].name, ttl: 0, data: '192.168.33.41' }],
    });
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, close: () => new Promise((r) => sock.close(r)) };
}

function runDnsperf(port, queries, seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'dnsperf-'));
  const file = join(dir, 'queries.txt');
  writeFileSync(file, queries.join('\n') + '\n');
  return new Promise((resolve, reject) => {
    const child = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(seconds), '-q', '200'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      rmSync(dir, { recursive: true, force: true });
      const qps = /Queries per second:\s+([\d.]+)/.exec(out);
      const lost = /Queries lost:\s+(\d+)/.exec(out);
      const completed = /Queries completed:\s+(\d+)/.exec(out);
      const latency = /Average Latency \(s\):\s+([\d.]+)/.exec(out);
      if (!qps) reject(new Error(`could not read dnsperf output:\n${out}`));
      else
        resolve({
          qps: Number(qps[1]),
          completed: completed ? Number(completed[1]) : NaN,
          lost: lost ? Number(lost[1]) : NaN,
          latencyMs: latency ? Number(latency[1]) * 1000 : NaN,
        });
    });
  });
}

const conclave = (versioned) => () => createDnsServer({ source: fixedSource({ versioned }), host: '127.0.0.1', port: 0 });

/**
 * Runs each scenario for SECONDS in all, split into ROUNDS slices taken in turn (baseline, conclave,
 * baseline, ...), so that load from other processes on this shared machine hits every row alike.
 */
async function measureInterleaved(scenarios) {
  const servers = [];
  for (const s of scenarios) {
    const server = await s.start();
    await runDnsperf(server.port, s.queries, 1); // warm-up: JIT, caches
    servers.push(server);
  }
  const totals = scenarios.map(() => ({ qps: 0, lost: 0, latencyMs: 0, cpuMicros: 0, completed: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < scenarios.length; i++) {
      // The servers run in this process and only one is under load at a time, so this process's CPU time
      // during a slice is what that server spent: a figure other processes' load hardly moves.
      const cpu0 = process.cpuUsage();
      const r = await runDnsperf(servers[i].port, scenarios[i].queries, SECONDS / ROUNDS);
      const cpu = process.cpuUsage(cpu0);
      totals[i].cpuMicros += cpu.user + cpu.system;
      totals[i].completed += r.completed;
      totals[i].qps += r.qps / ROUNDS;
      totals[i].lost += r.lost;
      totals[i].latencyMs += r.latencyMs / ROUNDS;
      console.error(`  round ${round + 1}: ${scenarios[i].label}: ${Math.round(r.qps)} q/s`);
    }
  }
  for (const server of servers) await server.close();
  return scenarios.map((s, i) => ({ label: s.label, ...totals[i] }));
}

console.error(`dnsperf, ${SECONDS} s per row in ${ROUNDS} interleaved slices, -q 200, UDP on 127.0.0.1 (node ${process.version})`);
const rows = await measureInterleaved([
  { label: 'bare dns-packet responder, 1 A record (baseline)', start: startBareResponder, queries: ['web.service.consul A'] },
  { label: 'conclave web.service.consul A (1 instance, cached)', start: conclave(true), queries: ['web.service.consul A'] },
  { label: 'conclave db.service.consul SRV (3 instances + additionals)', start: conclave(true), queries: ['db.service.consul SRV'] },
  { label: 'conclave web.service.consul A (source without version: no cache)', start: conclave(false), queries: ['web.service.consul A'] },
]);

const base = rows[0].qps;
const pad = (s, n) => String(s).padEnd(n);
const baseCpu = rows[0].cpuMicros / rows[0].completed;
console.log(
  `${pad('server / query', 70)} ${pad('queries/s', 10)} ${pad('vs baseline', 12)} ${pad('CPU us/query', 13)} ${pad('baseline CPU / this', 20)} ${pad('avg ms', 8)} lost`,
);
for (const r of rows) {
  const cpuPerQuery = r.cpuMicros / r.completed;
  console.log(
    `${pad(r.label, 70)} ${pad(Math.round(r.qps), 10)} ${pad(`${((r.qps / base) * 100).toFixed(1)}%`, 12)} ${pad(cpuPerQuery.toFixed(1), 13)} ${pad(`${((baseCpu / cpuPerQuery) * 100).toFixed(1)}%`, 20)} ${pad(r.latencyMs.toFixed(2), 8)} ${r.lost}`,
  );
}
const ratio = rows[1].qps / base;
const cpuRatio = baseCpu / (rows[1].cpuMicros / rows[1].completed);
console.log(`\nratio conclave (cached A) / bare responder: ${(ratio * 100).toFixed(1)}% of its queries/s (aim: >= 70%)`);
console.log(`server CPU per query, bare / conclave (cached A): ${(cpuRatio * 100).toFixed(1)}% (throughput one core could reach, relative)`);
