// The web UI at scale, measured in Debian's chromium (playwright-core): a dev agent holding 1,000 services × 5
// instances on 500 nodes; first render of the services page (navigation start → 1,000 rows in the DOM), a filter
// keystroke (input event → the next frame after the repaint), long tasks (PerformanceObserver 'longtask') over
// the whole run, and how fast a change reaches the open page (PUT → the DOM shows it, 20 changes each of a
// check failing and a KV value). Prints a table. Usage: node tools/bench/ui-render.mjs [--services 1000]
// [--instances 5] [--nodes 500] [--changes 20]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort } from '@conclave/test-support/free-port';
import { opt, until } from './lib.mjs';

const SERVICES = Number(opt('services', 1000));
const INSTANCES = Number(opt('instances', 5));
const NODES = Number(opt('nodes', 500));
const CHANGES = Number(opt('changes', 20));
const MAIN = fileURLToPath(new URL('../../apps/agent/dist/main.js', import.meta.url));

const [http, serf, server] = [await freePort(), await freePort(), await freePort()];
const base = `http://127.0.0.1:${http}`;
const agent = spawn(process.execPath, [MAIN, 'agent', '-dev', '-log-level', 'warn', '-http-port', String(http), '-dns-port', '-1', '-serf-lan-port', String(serf), '-server-port', String(server)], { stdio: 'ignore' });
let browser;
try {
  await until(() => fetch(`${base}/v1/status/leader`).then((r) => r.json()), 20_000, 'agent ready');
  const put = (path, body) => fetch(`${base}${path}`, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) }).then((r) => r.text());
  const t0 = performance.now();
  const jobs = [];
  for (let s = 0; s < SERVICES; s++)
    for (let i = 0; i < INSTANCES; i++) {
      const n = (s * INSTANCES + i) % NODES;
      jobs.push({
        Node: `node-${n}`,
        Address: `10.0.${n >> 8}.${n & 255}`,
        NodeMeta: { rack: `r${n % 10}` },
        Service: { Service: `service-${s}`, ID: `service-${s}-${i}`, Port: 8000 + i, Tags: [`v${i}`, s % 2 ? 'odd' : 'even'] },
        Check: { CheckID: `check-${s}-${i}`, Name: 'alive', ServiceID: `service-${s}-${i}`, Status: (s + i) % 17 === 0 ? 'critical' : 'passing' },
      });
    }
  for (let k = 0; k < jobs.length; k += 32) await Promise.all(jobs.slice(k, k + 32).map((j) => put('/v1/catalog/register', j)));
  const loadMs = performance.now() - t0;
  await put('/v1/agent/service/register', { Name: 'watched', ID: 'watched', Port: 1, Check: { CheckID: 'watched-ttl', TTL: '10m' } });
  await put('/v1/kv/bench/key', 'v0');

  const apiMs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await fetch(`${base}/v1/internal/ui/services`).then((r) => r.text());
    apiMs.push(performance.now() - t);
  }
  browser = await chromium.launch({ executablePath: process.env.CONCLAVE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(() => {
    window.__long = [];
    new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: true });
  });
  const renders = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(`${base}/ui/dc1/services`);
    await page.waitForFunction((n) => document.querySelectorAll("tbody tr").length >= n, Math.min(SERVICES, 200), { polling: 'raf', timeout: 30_000 });
    renders.push(await page.evaluate(() => performance.now()));
  }
  // Keystrokes: each types one more character of "service-99" into the filter box.
  const keys = await page.evaluate(async () => {
    const input = document.getElementById('service-filter');
    const out = [];
    let text = '';
    for (const ch of 'service-99') {
      text += ch;
      const t = performance.now();
      input.value = text;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      out.push(performance.now() - t);
    }
    return out;
  });
  const filteredRows = await page.locator('tbody tr').count();
  const longTasks = await page.evaluate(() => window.__long);

  // Changes reaching the open page.
  const changeMs = async (path, change, shown) => {
    await page.goto(`${base}/ui/dc1/${path}`);
    await page.waitForFunction(shown(0), undefined, { polling: 'raf' });
    const out = [];
    for (let i = 1; i <= CHANGES; i++) {
      const t = performance.now();
      await change(i);
      await page.waitForFunction(shown(i), undefined, { polling: 'raf', timeout: 10_000 });
      out.push(performance.now() - t);
    }
    return out;
  };
  const checkMs = await changeMs(
    'services/watched',
    (i) => put(`/v1/agent/check/${i % 2 ? 'fail' : 'pass'}/watched-ttl?note=change-${i}`, ''),
    (i) => (i === 0 ? `() => !!document.querySelector('tr[data-check="watched-ttl"]')` : `() => document.querySelector('tr[data-check="watched-ttl"] pre')?.textContent === 'change-${i}'`),
  );
  const kvMs = await changeMs(
    'kv/bench/key',
    (i) => put('/v1/kv/bench/key', `v${i}`),
    (i) => `() => document.querySelector('[data-testid="kv-value"]')?.textContent === 'v${i}'`,
  );

  const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const f = (n) => n.toFixed(1);
  const rows = [
    ['catalog load (register calls)', `${jobs.length} instances`, f(loadMs), '', ''],
    ['GET /v1/internal/ui/services (5 calls)', `${SERVICES} summaries`, f(q(apiMs, 0.5)), f(Math.max(...apiMs)), ''],
    ['services page first render (5 loads)', `${SERVICES} services, first ${Math.min(SERVICES, 200)} rows`, f(q(renders, 0.5)), f(Math.max(...renders)), '≤ 1000'],
    ['filter keystroke to next frame', `${keys.length} keys, ${filteredRows} rows left`, f(q(keys, 0.5)), f(Math.max(...keys)), '≤ 50'],
    ['long tasks over the run', `${longTasks.length} tasks`, longTasks.length ? f(q(longTasks, 0.5)) : '-', longTasks.length ? f(Math.max(...longTasks)) : '-', 'none > 100'],
    ['check change visible (p95)', `${CHANGES} changes`, f(q(checkMs, 0.5)), f(q(checkMs, 0.95)), 'p95 ≤ 500'],
    ['KV change visible (p95)', `${CHANGES} changes`, f(q(kvMs, 0.5)), f(q(kvMs, 0.95)), 'p95 ≤ 500'],
  ];
  console.log('| measure | size | median / value (ms) | max or p95 (ms) | budget (ms) |');
  console.log('|---|---|--:|--:|--:|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  await browser?.close();
  agent.kill('SIGKILL');
}
