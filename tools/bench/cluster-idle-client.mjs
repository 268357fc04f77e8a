#!/usr/bin/env node
// Memory of an idle client agent: three `conclave agent -server -bootstrap-expect 3` processes and one client
// (`conclave agent` without -server, joined by -retry-join) on 127.0.0.1, started as tools/bench/cluster-kv.mjs
// starts them; after the client has joined and answered one forwarded request, it is left idle and its RSS
// (VmRSS) is read every 10 s. Baseline in the same run: a bare `node -e` process kept alive as long.
// Usage: node tools/bench/cluster-idle-client.mjs [--idle 60] [--client-dns] [--prometheus]
//   --client-dns: the client also serves DNS (Consul's default; cluster-kv.mjs runs every agent with -dns-port -1).
//   --prometheus: the client runs with telemetry { prometheus_retention_time = "60s" } and is scraped once
//     (/v1/agent/metrics?format=prometheus) before it is left idle.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, opt, rssMb, sleep, until } from './lib.mjs';

const idleSeconds = Number(opt('idle', '60'));
const clientDns = flag('client-dns');
const prometheus = flag('prometheus');
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'conclave-idle-client-'));
const procs = [];
const telemetryFile = join(dir, 'telemetry.json');
writeFileSync(telemetryFile, JSON.stringify({ telemetry: { prometheus_retention_time: '60s' } }));

const base = 20000 + Math.floor(Math.random() * 20000);
function conclave(i, server) {
  const p = (k) => base + i * 10 + k;
  const dns = !server && clientDns ? String(p(4)) : '-1';
  const argv = [bin, 'agent', '-node', `n${i}`, '-data-dir', join(dir, `n${i}`), '-bind', '127.0.0.1', '-client', '127.0.0.1',
    '-serf-lan-port', String(p(1)), '-server-port', String(p(2)), '-http-port', String(p(3)), '-dns-port', dns,
    '-log-level', 'warn', '-retry-join', `127.0.0.1:${base + 10 + 1}`, '-retry-interval', '1s',
    ...(server ? ['-server', '-bootstrap-expect', '3'] : []), ...(!server && prometheus ? ['-config-file', telemetryFile] : [])];
  const proc = spawn(process.execPath, argv, { stdio: 'ignore' });
  procs.push(proc);
  return { proc, http: `http://127.0.0.1:${p(3)}` };
}

try {
  const servers = [1, 2, 3].map((i) => conclave(i, true));
  await until(async () => (await (await fetch(`${servers[0].http}/v1/status/leader`)).json()) !== '', 30000, 'leader', 50);
  const client = conclave(9, false);
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  procs.push(bare);
  await until(async () => (await fetch(`${client.http}/v1/kv/idle?consistent`)).status === 404, 30000, 'client forwarding', 50);
  if (prometheus) await until(async () => (await fetch(`${client.http}/v1/agent/metrics?format=prometheus`)).ok, 5000, 'a scrape', 50);
  const started = Date.now();
  const samples = [];
  for (let t = 10; t <= idleSeconds; t += 10) {
    await sleep(started + t * 1000 - Date.now());
    samples.push({ t, client: rssMb(client.proc.pid), bare: rssMb(bare.pid) });
  }
  console.log(`\nIdle client agent (DNS ${clientDns ? 'on' : 'off'}, Prometheus ${prometheus ? 'on, scraped once' : 'off'}) beside 3 servers on 127.0.0.1 (node ${process.version}); VmRSS after the first forwarded request\n`);
  console.log('| idle for | client agent RSS | bare `node -e` RSS |');
  console.log('|--:|--:|--:|');
  for (const s of samples) console.log(`| ${s.t} s | ${s.client.toFixed(1)} MB | ${s.bare.toFixed(1)} MB |`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
}
