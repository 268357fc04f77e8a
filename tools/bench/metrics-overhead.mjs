#!/usr/bin/env node
// What metrics cost on the KV path: the dev agent (the built `conclave agent -dev`, a separate process) with
// telemetry at its default (the in-memory sink only, as every Consul agent has) against the same agent with
// telemetry { prometheus_retention_time = "60s" } (and with --statsd, statsd_address = <a local UDP socket that
// counts what arrives>) and a scraper hitting /v1/agent/metrics?format=prometheus every 100 ms during the run. wrk -t1, GET and PUT of a 100-byte value;
// the two agents take turns, several rounds, and the table shows each one's median, so load from other processes
// on the machine falls on both alike. Throughput on a busy shared machine swings with the neighbours, so the table
// also shows the agent's own CPU time per request (utime + stime from /proc over the run, divided by the requests
// wrk completed; scrapes included), which they barely move. With --hammer the scraper asks again as soon as each answer arrives.
// With --baseline <dir>, a third agent from another checkout's build (e.g. one without metrics) joins the turns.
// With --pin the agents run on CPU 0, and wrk, the scraper and this script on CPU 1 (taskset): on a 2-core machine
// the unpinned runs swing by ±20–30 %, ten times the 3 % this bench is about.
// Usage: node tools/bench/metrics-overhead.mjs [--duration 5] [--rounds 3] [--connections 16] [--hammer] [--statsd]
//        [--baseline /path/to/repo] [--pin] [--cpu-prof DIR]
//   --cpu-prof DIR: each agent writes a V8 CPU profile under DIR/<agent number> when the bench stops it.
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@conclave/test-support/free-port';
import { cpuSeconds, flag, median, onCpu, opt, sleep, until, warmEndpoints } from './lib.mjs';

const duration = Number(opt('duration', '5'));
const rounds = Number(opt('rounds', '3'));
const conns = Number(opt('connections', '16'));
const hammer = flag('hammer');
const baselineRepo = opt('baseline', '');
const withStatsd = flag('statsd');
const pin = flag('pin');
const cpuProfDir = opt('cpu-prof', '');
if (pin) execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'conclave-metrics-bench-'));
const putLua = join(dir, 'put.lua');
writeFileSync(putLua, 'wrk.method = "PUT"\nwrk.body = string.rep("x", 100)\n');

// A statsd server that only counts what arrives, so the UDP sink has somewhere to send.
const statsd = dgram.createSocket('udp4');
let statsdBytes = 0;
statsd.on('message', (m) => (statsdBytes += m.length));
await new Promise((r) => statsd.bind(0, '127.0.0.1', r));
const telemetryFile = join(dir, 'telemetry.json');
writeFileSync(
  telemetryFile,
  JSON.stringify({
    telemetry: { prometheus_retention_time: '60s', disable_hostname: true, ...(withStatsd ? { statsd_address: `127.0.0.1:${statsd.address().port}` } : {}) },
  }),
);

const procs = [];
async function startAgent(name, binary, extra) {
  const port = await freePort();
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(cpuProfDir, String(procs.length))] : [];
  const argv = [...prof, binary, 'agent', '-dev', '-http-port', String(port), '-dns-port', '-1', '-serf-lan-port', String(await freePort()), '-log-level', 'warn', ...extra];
  const proc = spawn(...onCpu(pin ? 0 : undefined, process.execPath, argv), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  procs.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`${name} exited ${proc.exitCode}: ${err}`);
      return (await fetch(`${url}/v1/status/leader`)).ok;
    },
    20000,
    `${name} ready`,
    50,
  );
  await fetch(`${url}/v1/kv/bench/key`, { method: 'PUT', body: 'x'.repeat(100) });
  // The same mix of endpoints, scrapes included, on every agent (lib.mjs warmEndpoints says why).
  await warmEndpoints(url);
  return { name, url, proc };
}

function wrk(url, script) {
  const argv = ['-t1', `-c${conns}`, `-d${duration}s`, '--latency', ...(script ? ['-s', script] : []), url];
  return new Promise((resolve, reject) => {
    const p = spawn(...onCpu(pin ? 1 : undefined, 'wrk', argv));
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const ms = (label) => {
        const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
        return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN;
      };
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      if (non2xx > 0 || !rps) reject(new Error(`wrk against ${url}: ${non2xx} non-2xx\n${out}`));
      else resolve({ rps, requests, p50: ms('50'), p99: ms('99') });
    });
  });
}

/** Scrapes every 100 ms (or back to back with --hammer) until stopped; counts the scrapes. */
function scraper(url) {
  let stop = false;
  let scrapes = 0;
  const done = (async () => {
    while (!stop) {
      const t = performance.now();
      const r = await fetch(`${url}/v1/agent/metrics?format=prometheus`);
      if (!r.ok) throw new Error(`scrape answered ${r.status}`);
      await r.text();
      scrapes++;
      if (!hammer) await sleep(Math.max(0, 100 - (performance.now() - t)));
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      return scrapes;
    },
  };
}


try {
  // Three agents: off; on and scraped (what the issue asks); on and not scraped during the runs (what recording
  // the metrics costs, apart from rendering the scrapes).
  const agents = [
    await startAgent('telemetry off (in-memory sink only)', bin, []),
    await startAgent('telemetry on + scraper', bin, ['-config-file', telemetryFile]),
    await startAgent('telemetry on, not scraped', bin, ['-config-file', telemetryFile]),
  ];
  if (baselineRepo) agents.push(await startAgent(`baseline build (${baselineRepo})`, join(baselineRepo, 'apps/agent/bin/conclave.js'), []));
  const results = new Map(agents.map((a) => [a.name, { GET: [], PUT: [] }]));
  const load = [loadavg()[0]];
  let scrapes = 0;
  for (let r = 0; r < rounds; r++) {
    for (const [op, script] of [
      ['GET', undefined],
      ['PUT', putLua],
    ]) {
      for (const a of r % 2 === 0 ? agents : [...agents].reverse()) {
        const s = a.name === 'telemetry on + scraper' ? scraper(a.url) : undefined;
        const cpu0 = cpuSeconds(a.proc.pid);
        const run = await wrk(`${a.url}/v1/kv/bench/key`, script);
        if (s) scrapes += await s.stop();
        run.cpuUs = ((cpuSeconds(a.proc.pid) - cpu0) * 1e6) / run.requests;
        results.get(a.name)[op].push(run);
      }
    }
    load.push(loadavg()[0]);
  }
  console.log(
    `\nKV through the dev agent with and without telemetry (node ${process.version};${pin ? ' agents on CPU 0, wrk and scraper on CPU 1;' : ''} wrk -t1 -c${conns}, ${duration} s runs, ${rounds} rounds taking turns, medians;` +
      ` scraper ${hammer ? 'back to back' : 'every 100 ms'}: ${scrapes} scrapes;${withStatsd ? ` statsd sink on, ${(statsdBytes / 1024).toFixed(0)} KiB received;` : ''}` +
      ` 1-min load average during the run ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs)\n`,
  );
  console.log('| agent | op | req/s | vs off | agent CPU per request | vs off | p50 | p99 |');
  console.log('|---|---|--:|--:|--:|--:|--:|--:|');
  const off = results.get(agents[0].name);
  for (const a of agents) {
    for (const op of ['GET', 'PUT']) {
      const runs = results.get(a.name)[op];
      const rps = median(runs.map((x) => x.rps));
      const vs = ((rps / median(off[op].map((x) => x.rps)) - 1) * 100).toFixed(1);
      const cpu = median(runs.map((x) => x.cpuUs));
      const cpuVs = ((cpu / median(off[op].map((x) => x.cpuUs)) - 1) * 100).toFixed(1);
      const first = a === agents[0];
      console.log(
        `| ${a.name} | ${op} | ${rps.toFixed(0)} | ${first ? '' : `${vs}%`} | ${cpu.toFixed(1)} µs | ${first ? '' : `${cpuVs}%`} | ${median(runs.map((x) => x.p50)).toFixed(2)} ms | ${median(runs.map((x) => x.p99)).toFixed(2)} ms |`,
      );
    }
  }
  const all = (key, digits) => agents.map((a) => `${a.name}: GET ${results.get(a.name).GET.map((x) => x[key].toFixed(digits)).join('/')}, PUT ${results.get(a.name).PUT.map((x) => x[key].toFixed(digits)).join('/')}`).join('; ');
  console.log(`\nAll runs, req/s: ${all('rps', 0)}`);
  console.log(`All runs, agent CPU µs per request: ${all('cpuUs', 1)}`);
} finally {
  // A profile is written when the process exits by itself: SIGTERM, and wait for it.
  if (cpuProfDir) await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r() : (p.once('exit', r), p.kill('SIGTERM'), setTimeout(r, 10_000).unref())))));
  for (const p of procs) p.kill('SIGKILL');
  statsd.close();
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
}
