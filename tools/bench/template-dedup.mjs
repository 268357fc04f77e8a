#!/usr/bin/env node
// De-duplication mode at the agent (issue 20, aim 6): N `conclave-template -dedup` processes render the same T
// templates (one service each) from one `conclave agent -dev`; the agent's `Request finished` debug lines count
// what they cost it, next to the baseline measured in the same run: N processes without -dedup. Also the time from
// a health change to the file rewritten in every instance (the holder's publish, then the followers' KV wake).
// Usage: build apps/agent and apps/template, then
//        node tools/bench/template-dedup.mjs [--processes 3] [--templates 100] [--changes 20]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort } from '@conclave/test-support/free-port';
import { opt, sleep, until } from './lib.mjs';

const N = Number(opt('processes', 3));
const T = Number(opt('templates', 100));
const CHANGES = Math.min(Number(opt('changes', 20)), Number(opt('templates', 100)));
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const agentBin = join(root, 'apps/agent/bin/conclave.js');
const templateBin = join(root, 'apps/template/bin/conclave-template.js');
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'bench-template-dedup-'));
const httpPort = await freePort();
const agent = spawn(
  process.execPath,
  [agentBin, 'agent', '-dev', '-http-port', String(httpPort), '-dns-port', '-1', '-serf-lan-port', String(await freePort()), '-log-level', 'debug', '-hcl', 'limits { http_max_conns_per_client = 10000 }'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const finished = [];
let buf = '';
agent.stderr.setEncoding('utf8');
agent.stderr.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const m = /Request finished: method=(\S+) url=(\S+)/.exec(buf.slice(0, i));
    if (m) finished.push([m[1], m[2]]);
    buf = buf.slice(i + 1);
  }
});
const base = `http://127.0.0.1:${httpPort}`;
const put = async (path, body) => {
  const r = await fetch(base + path, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
};
const instance = (s, k, status) => ({
  Node: `node-${s}`,
  Address: `10.1.${s >> 8}.${s & 255}`,
  Service: { ID: `svc-${s}-${k}`, Service: `svc-${s}`, Port: 9000 + k },
  Check: { CheckID: `chk-${s}-${k}`, Name: 'health', Status: status, ServiceID: `svc-${s}-${k}` },
});

/**
 * Runs N processes (with or without -dedup) through CHANGES changes, each setting instance 0 of a distinct service to
 * `status` (the first scenario fails them, the second brings them back); what the agent saw and how fast files followed.
 */
async function scenario(name, dedup, status) {
  const procs = [];
  const dirs = [];
  for (let p = 0; p < N; p++) {
    const cwd = join(dir, `${name}-${p}`);
    mkdirSync(join(cwd, 'out'), { recursive: true });
    // Relative destinations: equal templates in every working directory, so equal de-duplication ids.
    writeFileSync(join(cwd, 'templates.json'), JSON.stringify({
      template: Array.from({ length: T }, (_, t) => ({ contents: `{{range service "svc-${t}"}}{{.ID}} {{.Address}}:{{.Port}}\n{{end}}`, destination: `out/t-${t}.cfg` })),
      ...(dedup ? { deduplicate: { prefix: `bench/${name}/`, ttl: '15s' } } : {}),
    }));
    procs.push(spawn(process.execPath, [templateBin, '-config', 'templates.json', '-consul-addr', `127.0.0.1:${httpPort}`, ...(dedup ? ['-dedup'] : [])], { cwd, stdio: 'ignore' }));
    dirs.push(cwd);
  }
  const text = (p, t) => {
    const f = join(dirs[p], 'out', `t-${t}.cfg`);
    return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
  };
  await until(() => dirs.every((_, p) => Array.from({ length: T }, (_, t) => text(p, t)).every((x) => x !== undefined && x.includes('svc-'))), 120_000, `${name}: first render`, 100);
  await sleep(1000);
  const start = finished.length;
  const latency = [];
  for (let k = 0; k < CHANGES; k++) {
    const s = (k * 7) % T;
    const t0 = performance.now();
    await put('/v1/catalog/register', instance(s, 0, status));
    const want = (x) => (status === 'critical' ? !x.includes(`svc-${s}-0 `) : x.includes(`svc-${s}-0 `));
    await until(() => dirs.every((_, p) => want(text(p, s) ?? '')), 30_000, `${name}: change ${k}`, 2);
    latency.push(performance.now() - t0);
    await sleep(150);
  }
  const during = finished.slice(start);
  for (const p of procs) p.kill('SIGINT');
  await Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
  await sleep(500);
  const count = (re, list) => list.filter(([m, url]) => m === 'GET' && re.test(url)).length;
  return {
    name,
    health: count(/^\/v1\/health\/service\//, finished.slice(start)),
    healthDuring: count(/^\/v1\/health\/service\//, during),
    kv: count(new RegExp(`^/v1/kv/bench/${name}/`), finished.slice(start)),
    latency,
  };
}

const results = [];
try {
  await until(async () => (await fetch(`${base}/v1/status/leader`).catch(() => undefined))?.ok, 30_000, 'agent ready', 50);
  for (let s = 0; s < T; s++) for (let k = 0; k < 3; k++) await put('/v1/catalog/register', instance(s, k, 'passing'));
  results.push(await scenario('plain', false, 'critical'));
  results.push(await scenario('dedup', true, 'passing'));
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n${N} conclave-template processes × ${T} templates (one service each, 3 instances), ${CHANGES} health changes; requests counted at the agent from the first change until the processes stopped\n`);
console.log('| mode | service GETs at the agent | of which during the changes | dedup KV GETs | change → file in all instances p50 | p99 | max |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.name === 'dedup' ? '-dedup' : 'without -dedup (baseline)'} | ${r.health} | ${r.healthDuring} | ${r.kv} | ${ms(pct(r.latency, 50))} | ${ms(pct(r.latency, 99))} | ${ms(Math.max(...r.latency))} |`);
}
console.log(`\nload average: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
