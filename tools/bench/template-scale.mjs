#!/usr/bin/env node
// Templates at scale (issue 20, aim 6): one `conclave-template` process renders T templates over S services of
// N service instances in total, against a `conclave agent -dev` (both built, each its own process). It prints
//  - requests per distinct dependency, counted at the agent (its `Request finished` debug lines): one blocking
//    query per dependency, however many templates share it;
//  - renders per health change (conclave-template's `checking template` debug lines): only the templates that
//    use the changed service;
//  - change-to-file latency (PUT of a check status → the rewritten file's inotify event) p50/p99/max, next to
//    the baseline measured in the same run: a bare ConsulClient blocking query on the same service waking.
// Template i renders `service "svc-<i mod S>"` and the shared key `bench/global`, so S + 1 distinct dependencies.
// Usage: build apps/agent, apps/template and packages/client, then
//        node tools/bench/template-scale.mjs [--templates 1000] [--services 500] [--instances 5000] [--changes 50]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort } from '@conclave/test-support/free-port';
import { ConsulClient } from '@conclave/client';
import { writeFileDurable } from '@conclave/toolkit';
import { opt, rssMb, sleep, until } from './lib.mjs';

const TEMPLATES = Number(opt('templates', 1000));
const SERVICES = Number(opt('services', 500));
const INSTANCES = Number(opt('instances', 5000));
const CHANGES = Number(opt('changes', 50));
// debug gives the render count and the breakdown; info shows what that logging costs the change → file time.
const CT_LOG_LEVEL = opt('ct-log-level', 'debug');
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const agentBin = join(root, 'apps/agent/bin/conclave.js');
const templateBin = join(root, 'apps/template/bin/conclave-template.js');

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${x.toFixed(1)} ms`;

/** Splits a stream into lines for `onLine`. */
function lines(stream, onLine) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bench-template-scale-'));
const out = join(dir, 'out');
const httpPort = await freePort();
// One blocking query holds one connection (HTTP/1.1): S + 1 of them from one address exceed Consul's default
// limits.http_max_conns_per_client (200), as they would with consul-template against Consul.
const agent = spawn(
  process.execPath,
  [agentBin, 'agent', '-dev', '-http-port', String(httpPort), '-dns-port', '-1', '-serf-lan-port', String(await freePort()), '-log-level', 'debug', '-hcl', 'limits { http_max_conns_per_client = 10000 }'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
/** Every request the agent finished: [method, url]. */
const finished = [];
lines(agent.stderr, (l) => {
  const m = /Request finished: method=(\S+) url=(\S+)/.exec(l);
  if (m) finished.push([m[1], m[2]]);
});
const base = `http://127.0.0.1:${httpPort}`;
let ct;
try {
  await until(async () => (await fetch(`${base}/v1/status/leader`).catch(() => undefined))?.ok, 30_000, 'agent ready', 50);
  const put = async (path, body) => {
    const r = await fetch(base + path, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  };
  const instance = (i, status) => ({
    // Node n holds instances n, n + 1000, ...: its address must not change from one registration to the next.
    Node: `node-${i % 1000}`,
    Address: `10.0.${(i % 1000) >> 8}.${(i % 1000) & 255}`,
    Service: { ID: `svc-${i % SERVICES}-${i}`, Service: `svc-${i % SERVICES}`, Port: 8000 + (i % 1000) },
    Check: { CheckID: `chk-${i}`, Name: 'health', Status: status, ServiceID: `svc-${i % SERVICES}-${i}` },
  });
  const t0 = performance.now();
  for (let i = 0; i < INSTANCES; i += 32) {
    await Promise.all(Array.from({ length: Math.min(32, INSTANCES - i) }, (_, k) => put('/v1/catalog/register', instance(i + k, 'passing'))));
  }
  await put('/v1/kv/bench/global', 'v1');
  const registerMs = performance.now() - t0;

  const config = join(dir, 'templates.json');
  const tmpl = (s) => `{{range service "svc-${s}"}}server {{.ID}} {{.Address}}:{{.Port}}\n{{end}}global {{key "bench/global"}}\n`;
  writeFileSync(config, JSON.stringify({ template: Array.from({ length: TEMPLATES }, (_, i) => ({ contents: tmpl(i % SERVICES), destination: join(out, `t-${i}.cfg`) })) }));
  let checks = 0;
  const startRender = performance.now();
  ct = spawn(process.execPath, [templateBin, '-config', config, '-consul-addr', `127.0.0.1:${httpPort}`, '-log-level', CT_LOG_LEVEL], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ctErr = '';
  // conclave-template's own timestamps (ms) of receiving a service's data and of finishing a file, for the breakdown.
  const received = new Map();
  const renderedAt = new Map();
  lines(ct.stderr, (l) => {
    const at = Date.parse(l.slice(0, 24));
    let m;
    if ((m = /\(view\) health\.service\((svc-\d+)\|passing\) received data/.exec(l))) received.set(m[1], at);
    else if ((m = /\(runner\) rendered ".*" => ".*\/(t-\d+\.cfg)"/.exec(l))) renderedAt.set(m[1], at);
    if (l.includes('(runner) checking template')) checks++;
    else if (/\[(ERR|WARN)\]/.test(l) && ctErr.length < 4000) ctErr += l + '\n';
  });
  await until(() => readdirSync(out, { withFileTypes: true }).filter((e) => e.name.endsWith('.cfg')).length === TEMPLATES, 300_000, `all ${TEMPLATES} files rendered\n${ctErr}`, 100).catch((e) => {
    throw new Error(`${e.message}\n${ctErr}`);
  });
  const firstRenderMs = performance.now() - startRender;
  const rendersAtStart = checks;

  // The services the changes touch, and the baseline: one bare blocking query per such service (`dc=dc1` keeps its
  // URL apart from conclave-template's in the agent's log).
  const changed = Array.from({ length: CHANGES }, (_, k) => (k * 7) % SERVICES);
  const client = new ConsulClient({ address: `127.0.0.1:${httpPort}`, env: {} });
  const woke = new Map();
  const watches = [...new Set(changed)].map((s) =>
    client.watch(`/v1/health/service/svc-${s}`, { passing: true, dc: 'dc1' }, () => woke.set(s, performance.now()), { waitMs: 600_000 }),
  );
  await until(() => watches.every((w) => w.deliveries > 0), 30_000, 'baseline watches');
  const wrote = new Map();
  const watcher = watch(out, (_ev, name) => {
    if (name && name.endsWith('.cfg')) wrote.set(name, performance.now());
  });
  await sleep(1000);
  const before = finished.length;
  const e2e = [];
  const wake = [];
  const rendersPerChange = [];
  const perChange = [];
  const toReceive = [];
  const toWrite = [];
  const flipped = new Set();
  for (let k = 0; k < CHANGES; k++) {
    const s = changed[k];
    const i = s + SERVICES * (k % Math.max(1, Math.floor(INSTANCES / SERVICES))); // an instance of svc-s
    const status = flipped.has(i) ? 'passing' : 'critical';
    if (flipped.has(i)) flipped.delete(i);
    else flipped.add(i);
    const files = [];
    for (let t = s; t < TEMPLATES; t += SERVICES) files.push(`t-${t}.cfg`);
    const c0 = checks;
    const startWall = Date.now();
    const start = performance.now();
    await put('/v1/catalog/register', instance(i, status));
    await until(() => files.every((f) => (wrote.get(f) ?? 0) > start) && (woke.get(s) ?? 0) > start, 30_000, `change ${k} rendered`, 1);
    for (const f of files) e2e.push(wrote.get(f) - start);
    wake.push(woke.get(s) - start);
    perChange.push({ k, file: Math.max(...files.map((f) => wrote.get(f) - start)), wake: woke.get(s) - start });
    if (CT_LOG_LEVEL === 'debug') {
      await until(() => (received.get(`svc-${s}`) ?? 0) >= startWall && files.every((f) => (renderedAt.get(f) ?? 0) >= startWall), 5_000, 'log lines', 5);
      toReceive.push(received.get(`svc-${s}`) - startWall);
      for (const f of files) toWrite.push(renderedAt.get(f) - received.get(`svc-${s}`));
    }
    await sleep(150); // both loops re-arm (100 ms minimum gap between queries) and stray renders show up
    rendersPerChange.push(checks - c0);
  }
  const duringChanges = finished.slice(before);
  // The disk's share: the same durable write (temp file, fsync, rename, directory fsync) alone, right after, same directory.
  const writeOnly = [];
  for (let k = 0; k < 2 * CHANGES; k++) {
    const t0 = performance.now();
    await writeFileDurable(join(out, 'write-only.txt'), `server x ${k}\n`.repeat(10));
    writeOnly.push(performance.now() - t0);
  }
  watcher.close();
  for (const w of watches) w.stop();
  const rss = rssMb(ct.pid);
  ct.kill('SIGINT');
  await new Promise((r) => ct.once('exit', r));
  ct = undefined;
  client.close();
  await sleep(500); // the agent logs the parked queries as their connections close

  // Requests per dependency: conclave-template's GETs grouped by path and query without the blocking parameters.
  const depKey = (url) => {
    const u = new URL(url, base);
    for (const p of ['index', 'wait', 'stale', 'consistent']) u.searchParams.delete(p);
    u.searchParams.sort();
    return u.pathname + (u.search ? u.search : '');
  };
  const perDep = new Map();
  for (const [m, url] of finished) {
    if (m !== 'GET' || !/^\/v1\/(health\/service|kv)\//.test(url) || /[?&]dc=/.test(url)) continue;
    const k = depKey(url);
    perDep.set(k, (perDep.get(k) ?? 0) + 1);
  }
  const changesOf = (k) => {
    const m = /^\/v1\/health\/service\/svc-(\d+)\?/.exec(k);
    return m ? changed.filter((s) => s === Number(m[1])).length : 0;
  };
  const extra = [...perDep].map(([k, n]) => n - changesOf(k));
  const ctDuring = duringChanges.filter(([m, url]) => m === 'GET' && !/[?&]dc=/.test(url) && /^\/v1\/(health\/service|kv)\//.test(url)).length;

  console.log(`\nconclave-template: ${TEMPLATES} templates over ${SERVICES} services, ${INSTANCES} instances (catalog), one process, -wait unset\n`);
  console.log(`registering ${INSTANCES} instances: ${(registerMs / 1000).toFixed(1)} s; first render of all ${TEMPLATES} files: ${(firstRenderMs / 1000).toFixed(1)} s (${rendersAtStart} template renders); conclave-template RSS ${rss.toFixed(0)} MB\n`);
  console.log('| requests at the agent | value |');
  console.log('| --- | --- |');
  console.log(`| distinct dependencies queried (expected ${SERVICES + 1}) | ${perDep.size} |`);
  console.log(`| GETs for them, whole run | ${[...perDep.values()].reduce((a, b) => a + b, 0)} |`);
  console.log(`| per dependency, less its changes: min / median / max (2 = first read + the parked query) | ${Math.min(...extra)} / ${pct(extra, 50)} / ${Math.max(...extra)} |`);
  console.log(`| conclave-template GETs finished during the ${CHANGES} changes | ${ctDuring} |`);
  console.log('');
  console.log('| per health change | min | median | max |');
  console.log('| --- | --- | --- | --- |');
  if (CT_LOG_LEVEL === 'debug') console.log(`| templates rendered (expected ${Math.ceil(TEMPLATES / SERVICES)}) | ${Math.min(...rendersPerChange)} | ${pct(rendersPerChange, 50)} | ${Math.max(...rendersPerChange)} |`);
  else console.log('| templates rendered | (counted at -ct-log-level debug only) | | |');
  console.log('');
  console.log('| change → | samples | p50 | p99 | max |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| conclave-template: file rewritten (inotify) | ${e2e.length} | ${ms(pct(e2e, 50))} | ${ms(pct(e2e, 99))} | ${ms(Math.max(...e2e))} |`);
  console.log(`| baseline: bare ConsulClient blocking query on the service wakes | ${wake.length} | ${ms(pct(wake, 50))} | ${ms(pct(wake, 99))} | ${ms(Math.max(...wake))} |`);
  if (toReceive.length > 0) console.log(`| (breakdown, conclave-template's log clock, 1 ms) PUT → data received | ${toReceive.length} | ${ms(pct(toReceive, 50))} | ${ms(pct(toReceive, 99))} | ${ms(Math.max(...toReceive))} |`);
  if (toWrite.length > 0) console.log(`| (breakdown) data received → file renamed and logged | ${toWrite.length} | ${ms(pct(toWrite, 50))} | ${ms(pct(toWrite, 99))} | ${ms(Math.max(...toWrite))} |`);
  console.log(`| (for comparison, after the changes) writeFileDurable alone, same directory | ${writeOnly.length} | ${ms(pct(writeOnly, 50))} | ${ms(pct(writeOnly, 99))} | ${ms(Math.max(...writeOnly))} |`);
  const slow = [...perChange].sort((a, b) => b.file - a.file).slice(0, 5);
  console.log(`\nslowest changes (change #: file / baseline wake): ${slow.map((c) => `#${c.k} ${ms(c.file)} / ${ms(c.wake)}`).join(', ')}`);
  console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`\naim: p99 change-to-file < 100 ms → ${pct(e2e, 99) < 100 ? 'met' : 'not met'}`);
} finally {
  ct?.kill('SIGKILL');
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
