#!/usr/bin/env node
// Template benchmarks for the built @conclave/template:
//  1. render time of the article's HAProxy template over 1,000 `web` instances, next to two baselines
//     measured in the same run: a hand-written JavaScript loop producing the same bytes (the floor), and
//     Go's text/template (tools/go-template, when `go` is installed) rendering the same template and data;
//  2. end-to-end latency from a health change in a running `conclave agent -dev` to the rewritten file
//     (Renderer + ConsulClient blocking queries, -wait 0), next to the agent's own blocking-query wake-up
//     latency (a bare ConsulClient watch on the same endpoint) measured in the same run.
// Usage: npx tsup in packages/client and packages/template (and apps/agent built), then
//        node tools/bench/template-render.mjs [--instances 1000] [--iterations 200] [--changes 20]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:net';
import { Renderer, consulClientSource, parseConsulTemplate } from '@conclave/template';
import { DependencyStore, healthServiceDependency } from '@conclave/template/internal';
import { writeFileDurable } from '@conclave/toolkit';
import { buildGoTool } from '@conclave/test-support/go-tool';
import { ConsulClient } from '@conclave/client';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const INSTANCES = opt('instances', 1000);
const ITER = opt('iterations', 200);
const CHANGES = opt('changes', 20);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const HAPROXY =
  'global log /dev/log local0 log /dev/log local1 notice chroot /var/lib/haproxy user haproxy group haproxy daemon frontend main *:80 default_backend web backend web balance roundrobin{{range service "web"}} server {{.ID}} {{.Address}}:{{.Port}} check{{end}} |';

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (ms) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`);

// ---------- 1. render time ----------
function healthReply(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      Node: { ID: `id-${i}`, Node: `node-${String(i).padStart(4, '0')}`, Address: `10.0.${i >> 8}.${i & 255}`, Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
      Service: { ID: `web-${i}`, Service: 'web', Tags: ['v1'], Address: '', Meta: {}, Port: 8000 + (i % 1000), Weights: { Passing: 1, Warning: 1 } },
      Checks: [{ CheckID: 'serfHealth', Status: 'passing' }],
    });
  }
  return out;
}

const raw = healthReply(INSTANCES);
const dep = healthServiceDependency('web');
const store = new DependencyStore();
store.remember(dep, dep.decode(raw));
const tmpl = parseConsulTemplate('haproxy.ctmpl', HAPROXY);
const items = dep.decode(raw);

function handWritten() {
  let s = 'global log /dev/log local0 log /dev/log local1 notice chroot /var/lib/haproxy user haproxy group haproxy daemon frontend main *:80 default_backend web backend web balance roundrobin';
  for (const it of items) s += ` server ${it.ID} ${it.Address}:${it.Port} check`;
  return s + ' |';
}

const expected = handWritten();
const check = tmpl.render(store);
if (check.output !== expected) throw new Error('template output differs from the hand-written baseline');

function time(fn, n) {
  for (let i = 0; i < Math.min(20, n); i++) fn(); // warm-up
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

const ours = time(() => tmpl.render(store), ITER);
const floor = time(handWritten, ITER);
let goPerRender;
try {
  const goTool = buildGoTool('go-template');
  const bin = goTool.bin;
  // Go renders `.web` (the items as JSON) with the same template text; a run of 1 case measures the fixed
  // cost (process start, JSON decode), a run of ITER+1 cases the marginal cost per render.
  const goTemplate = HAPROXY.replace('{{range service "web"}}', '{{range .web}}');
  const data = { web: items.map((x) => ({ ID: x.ID, Address: x.Address, Port: x.Port })) };
  const run = (n) => {
    const input = JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `c${i}`, template: goTemplate, data })));
    const t0 = performance.now();
    const out = JSON.parse(execFileSync(bin, [], { input, maxBuffer: 1 << 30 }).toString());
    if (out[0].output !== expected) throw new Error('Go output differs');
    return performance.now() - t0;
  };
  const one = Math.min(run(1), run(1));
  const many = run(ITER + 1);
  // Includes Go decoding each case's JSON data, so it is an upper bound for Go's render alone.
  goPerRender = (many - one) / ITER;
  goTool.dispose();
} catch (e) {
  goPerRender = undefined;
  console.error(`(Go baseline skipped: ${e.message.split('\n')[0]})`);
}

console.log(`\nRender of the article's HAProxy template over ${INSTANCES} passing instances (${ITER} renders, output ${expected.length} bytes)\n`);
console.log('| renderer | mean | p50 | p99 | vs hand-written JS |');
console.log('| --- | --- | --- | --- | --- |');
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`| @conclave/template (ConsulTemplate.render) | ${fmt(mean(ours))} | ${fmt(pct(ours, 50))} | ${fmt(pct(ours, 99))} | ${(mean(ours) / mean(floor)).toFixed(1)}× |`);
console.log(`| hand-written JS loop (floor) | ${fmt(mean(floor))} | ${fmt(pct(floor, 50))} | ${fmt(pct(floor, 99))} | 1.0× |`);
if (goPerRender !== undefined) {
  console.log(`| Go text/template incl. JSON decode (marginal per case) | ${fmt(goPerRender)} | | | ${(goPerRender / mean(floor)).toFixed(1)}× |`);
}

// ---------- 2. end-to-end latency against the dev agent ----------
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
const bin = join(root, 'apps/agent/bin/conclave.js');
const [port, serverPort, lanPort, wanPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
const agent = spawn(
  process.execPath,
  [bin, 'agent', '-dev', '-http-port', String(port), '-dns-port', '-1', '-server-port', String(serverPort), '-serf-lan-port', String(lanPort), '-serf-wan-port', String(wanPort), '-log-level', 'warn'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/v1/status/leader`);
      if (r.ok && (await r.json())) break;
    } catch {}
    if (i > 600) throw new Error('agent did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const put = async (path, body) => {
    const r = await fetch(base + path, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  };
  const N = 10;
  for (let i = 0; i < N; i++) {
    await put('/v1/agent/service/register', { ID: `web${i}`, Name: 'web', Port: 8000 + i, Address: `10.1.0.${i}`, Check: { CheckID: `chk-web${i}`, TTL: '10m' } });
    await put(`/v1/agent/check/pass/chk-web${i}`);
  }
  const client = new ConsulClient({ address: `127.0.0.1:${port}`, env: {} });
  const dir = mkdtempSync(join(tmpdir(), 'bench-template-'));
  const dst = join(dir, 'haproxy.cfg');
  let writes = 0;
  let lastWrite = 0;
  const renderer = new Renderer({
    source: consulClientSource(client),
    templates: [{ contents: HAPROXY, destination: dst }],
    onEvent: (e) => {
      if (e.type === 'write' && e.changed) {
        writes++;
        lastWrite = performance.now();
      }
    },
  });
  await renderer.start();
  const until = async (pred) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > 20_000) throw new Error('timed out');
      await new Promise((r) => setImmediate(r));
    }
  };
  await until(() => writes === 1);

  // Baseline: a bare blocking watch on the same endpoint, reporting when the agent answers.
  let deliveries = 0;
  let lastDelivery = 0;
  const watch = client.watch('/v1/health/service/web', { passing: true }, () => {
    deliveries++;
    lastDelivery = performance.now();
  }, { waitMs: 60_000 });
  await until(() => deliveries === 1);

  const e2e = [];
  const wake = [];
  for (let k = 0; k < CHANGES; k++) {
    const i = k % N;
    const action = Math.floor(k / N) % 2 === 0 ? 'fail' : 'pass';
    const w0 = writes;
    const d0 = deliveries;
    const t0 = performance.now();
    await put(`/v1/agent/check/${action}/chk-web${i}`);
    await until(() => writes > w0 && deliveries > d0);
    e2e.push(lastWrite - t0);
    wake.push(lastDelivery - t0);
    await new Promise((r) => setTimeout(r, 150)); // let both loops re-arm (min gap 100 ms)
  }
  watch.stop();
  // The write alone (temp file, write, fsync, chmod, rename) on the same disk, same sizes.
  const writeOnly = [];
  const text = readFileSync(dst, 'utf8');
  for (let k = 0; k < Math.max(CHANGES, 1); k++) {
    const t0 = performance.now();
    await writeFileDurable(join(dir, 'write-only.cfg'), text + k);
    writeOnly.push(performance.now() - t0);
  }
  await renderer.stop();
  client.close();
  const lines = readFileSync(dst, 'utf8').split(' server ').length - 1;
  console.log(`\nHealth change (PUT /v1/agent/check/fail|pass) → file rewritten, dev agent, ${N} instances, -wait 0, ${CHANGES} changes (final file: ${lines} servers, mode ${(statSync(dst).mode & 0o777).toString(8)})\n`);
  console.log('| path | mean | p50 | p99 | max |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| Renderer: change → blocking query wakes → render → fsync + rename | ${fmt(mean(e2e))} | ${fmt(pct(e2e, 50))} | ${fmt(pct(e2e, 99))} | ${fmt(Math.max(...e2e))} |`);
  console.log(`| baseline: bare ConsulClient watch on the same query wakes | ${fmt(mean(wake))} | ${fmt(pct(wake, 50))} | ${fmt(pct(wake, 99))} | ${fmt(Math.max(...wake))} |`);
  console.log(`| (part of the first row) writeFileDurable alone | ${fmt(mean(writeOnly))} | ${fmt(pct(writeOnly, 50))} | ${fmt(pct(writeOnly, 99))} | ${fmt(Math.max(...writeOnly))} |`);
  console.log(`\naim: under 50 ms beyond -wait → ${pct(e2e, 99) < 50 ? 'met' : 'not met'} at p99`);
} finally {
  agent.kill('SIGTERM');
}
