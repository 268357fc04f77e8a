// The UI in a real browser: Debian's chromium driven by playwright-core (which never downloads a browser),
// against a real `conclave agent -dev`. One browser launch for the whole file. Screenshots of every page go
// to test-output/screenshots (the review); axe-core runs in each page in both colour schemes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDevAgent, type DevAgent } from './support/dev-agent.js';

const CHROMIUM = process.env.CONCLAVE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const WEIRD = 'a/b%c<script>alert(1)</script>😀';
const LONG_KEY = `weird/${'k'.repeat(10_000)}`;

let agent: DevAgent;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const pageErrors: string[] = [];

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${agent.base}${path}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  }).then(async (r) => {
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text;
  });

async function heading(): Promise<string> {
  return (await page.locator('main h1').textContent({ timeout: 5000 })) ?? '';
}

async function axe(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // CDP evaluation is not subject to the page's CSP, so the page keeps its real policy while axe runs.
    const violations = (await page.evaluate(`${AXE};axe.run(document, { runOnly: ['wcag2a','wcag2aa','wcag21a','wcag21aa'] }).then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`)) as string[];
    expect(violations, `${name} (${scheme})`).toEqual([]);
    await page.screenshot({ path: `${SHOTS}${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  agent = await startDevAgent();
  // A service with two instances and TTL checks, one on an external node with a name that needs escaping.
  for (const id of ['web-1', 'web-2'])
    await api('PUT', '/v1/agent/service/register', { Name: 'web', ID: id, Port: id === 'web-1' ? 8080 : 8081, Tags: ['v1'], Check: { CheckID: `check-${id}`, TTL: '10m' } });
  await api('PUT', '/v1/agent/check/pass/check-web-1?note=all%20good');
  await api('PUT', '/v1/agent/check/pass/check-web-2');
  await api('PUT', '/v1/catalog/register', {
    Node: 'ext<b>node',
    Address: '10.1.1.1',
    NodeMeta: { rack: 'r1' },
    Service: { Service: WEIRD, ID: 'weird-1', Port: 1 },
    Check: { CheckID: 'weird-check', Name: 'weird', ServiceID: 'weird-1', Status: 'warning', Output: '<img src=x onerror=alert(1)>' },
  });
  await api('PUT', '/v1/kv/app/config', 'hello');
  await api('PUT', '/v1/kv/app/binary', new Uint8Array([0xff, 0x00, 0xfe]));
  await api('PUT', `/v1/kv/${encodeURIComponent(LONG_KEY).replaceAll('%2F', '/')}`, 'long');
  await api('PUT', `/v1/kv/weird/${encodeURIComponent(WEIRD)}`, '<script>alert(2)</script>');
  const session = JSON.parse(await api('PUT', '/v1/session/create', { Name: 'locker' })).ID as string;
  await api('PUT', `/v1/kv/app/lock?acquire=${session}`, 'held');

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(5000);
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    pageErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
});

describe('the web UI in chromium', () => {
  it('opens on the services page from / and lists services with health as words', async () => {
    await page.goto(`${agent.base}/`);
    await page.waitForURL(/\/ui\/dc1\/services$/);
    await expect.poll(heading).toBe('Services');
    const web = page.locator('tr', { has: page.locator('a', { hasText: /^web$/ }) });
    await expect.poll(() => web.locator('.health').allTextContents()).toEqual([expect.stringMatching(/3 passing/)]);
    await expect.poll(() => page.locator('a', { hasText: WEIRD }).count()).toBe(1);
    await axe('services');
  });

  it('filters by text and by a ?filter expression, showing the agent\'s error text', async () => {
    const box = page.getByLabel('Filter');
    await box.fill('web');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await expect.poll(() => page.url()).toContain('?filter=web');
    await box.fill('Service.Port == 8081');
    await expect.poll(() => page.locator('tbody tr a').allTextContents()).toEqual(['web']);
    await box.fill('Service.Nope == 1');
    await expect.poll(() => page.locator('.error').textContent()).toMatch(/400[\s\S]*Nope/);
    await box.fill('');
    await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(2);
  });

  it('shows a service with instances and checks, and turns a check critical live', async () => {
    await page.locator('a', { hasText: /^web$/ }).click();
    await expect.poll(heading).toBe('Service web');
    const row = page.locator('tr[data-check="check-web-1"]');
    await expect.poll(() => row.locator('.health').textContent()).toMatch(/passing/);
    expect(await row.locator('pre').textContent()).toBe('all good');
    await axe('service');
    const before = requests.length;
    const t0 = Date.now();
    await api('PUT', '/v1/agent/check/fail/check-web-1?note=down%20now');
    await row.locator('.health', { hasText: 'critical' }).waitFor({ timeout: 3000 });
    const ms = Date.now() - t0;
    expect(await row.locator('pre').textContent()).toBe('down now');
    // Live without a reload: no navigation and no new request was needed.
    expect(requests.slice(before)).toEqual([]);
    console.log(`check failure visible after ${ms} ms`);
  });

  it('renders names with /, %, <script> and emoji escaped and navigable', async () => {
    await page.goBack();
    await expect.poll(heading).toBe('Services');
    await page.locator('a', { hasText: WEIRD }).click();
    await expect.poll(heading).toBe(`Service ${WEIRD}`);
    expect(page.url()).toContain(encodeURIComponent(WEIRD));
    await expect.poll(() => page.locator('pre.output').textContent()).toBe('<img src=x onerror=alert(1)>');
    await page.reload();
    await expect.poll(heading).toBe(`Service ${WEIRD}`);
    await page.locator('a', { hasText: 'ext<b>node' }).click();
    await expect.poll(heading).toBe('Node ext<b>node');
    await axe('node-external');
  });

  it('lists nodes and shows one node with its sessions and the keys they lock', async () => {
    await page.getByRole('link', { name: 'Nodes', exact: true }).click();
    await expect.poll(heading).toBe('Nodes');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await axe('nodes');
    const self = (await page.locator('tbody tr a').allTextContents()).find((n) => n !== 'ext<b>node')!;
    await page.locator('a', { hasText: self }).click();
    await expect.poll(heading).toBe(`Node ${self}`);
    await expect.poll(() => page.locator('a.tag', { hasText: 'app/lock' }).count()).toBe(1);
    await axe('node');
    await page.getByRole('button', { name: /Invalidate/ }).click();
    await expect.poll(() => page.getByText('No sessions on this node.').count()).toBe(1);
  });

  it('browses KV folders, shows binary as base64, creates and edits with CAS, shows a stale save as a conflict', async () => {
    await page.getByRole('link', { name: 'Key/Value' }).click();
    await expect.poll(heading).toBe('Key/Value');
    await page.locator('a', { hasText: 'app/' }).click();
    await expect.poll(heading).toBe('Key/Value: app/');
    await page.locator('a', { hasText: /^binary$/ }).click();
    await expect.poll(() => page.getByTestId('kv-value').textContent()).toBe(Buffer.from([0xff, 0x00, 0xfe]).toString('base64'));
    await page.goBack();
    await page.getByLabel(/^Key \(under/).fill('new-key');
    await page.getByLabel('Value', { exact: true }).fill('v1');
    await page.getByLabel('Flags').fill('42');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(heading).toBe('Key app/new-key');
    await expect.poll(() => page.getByTestId('kv-value').textContent()).toBe('v1');
    await axe('kv-key');
    // Edit round trip.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('New value').fill('v2');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('kv-value').textContent()).toBe('v2');
    const stored = JSON.parse(await api('GET', '/v1/kv/app/new-key'))[0];
    expect([Buffer.from(stored.Value, 'base64').toString(), stored.Flags]).toEqual(['v2', 42]);
    // Someone else saves while this editor is open: the save is refused and explained.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('New value').fill('mine');
    await api('PUT', '/v1/kv/app/new-key', 'theirs');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.error').textContent()).toMatch(/Conflict: .*changed by someone else/);
    expect(Buffer.from(JSON.parse(await api('GET', '/v1/kv/app/new-key'))[0].Value, 'base64').toString()).toBe('theirs');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('kv-value').textContent()).toBe('theirs');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(heading).toBe('Key/Value: app/');
    await axe('kv-folder');
    // A 10,000-character key and a key holding markup.
    // The key is weird/a/b%c<script>alert(1)</script>😀: each `/` makes a folder, as in Consul.
    await page.goto(`${agent.base}/ui/dc1/kv/weird/`);
    await page.locator('a', { hasText: /^📁 a\/$/ }).click();
    await page.locator('a', { hasText: 'b%c<script>alert(1)</' }).click();
    await page.locator('a', { hasText: 'script>😀' }).click();
    await expect.poll(heading).toBe(`Key weird/${WEIRD}`);
    await expect.poll(() => page.getByTestId('kv-value').textContent()).toBe('<script>alert(2)</script>');
    await page.reload();
    await expect.poll(() => page.getByTestId('kv-value').textContent()).toBe('<script>alert(2)</script>');
    await page.goto(`${agent.base}/ui/dc1/kv/weird/`);
    await page.locator('a', { hasText: /^k{10000}$/ }).click();
    await expect.poll(() => page.getByTestId('kv-value').textContent()).toBe('long');
  });

  it('shows members, Raft peers with the leader, and the settings page with the token field', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await expect.poll(() => page.locator('tbody tr td', { hasText: 'server' }).count()).toBe(1);
    await axe('members');
    await page.getByRole('link', { name: 'Raft' }).click();
    await expect.poll(() => page.getByText('★ leader').count()).toBe(1);
    await axe('raft');
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(heading).toBe('Settings');
    await axe('settings');
  });

  it('keeps deep links across reloads and walks back and forward', async () => {
    await page.goto(`${agent.base}/ui/dc1/kv/app/config`);
    await expect.poll(heading).toBe('Key app/config');
    await page.getByRole('link', { name: 'Nodes' }).click();
    await expect.poll(heading).toBe('Nodes');
    await page.goBack();
    await expect.poll(heading).toBe('Key app/config');
    await page.goForward();
    await expect.poll(heading).toBe('Nodes');
    await page.goto(`${agent.base}/ui/dc1/no-such-page`);
    await expect.poll(heading).toBe('Not found');
    // A datacenter the agent does not know: its 500 is shown with the agent's own text.
    await page.goto(`${agent.base}/ui/elsewhere/services`);
    await expect.poll(() => page.locator('.error').textContent()).toMatch(/The agent answered 500:[\s\S]*No path to datacenter/);
    await axe('error-500');
  });

  it('is usable from the keyboard: filter, then Tab to a service and Enter', async () => {
    await page.goto(`${agent.base}/ui/dc1/services`);
    await page.locator('tbody tr').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.getByLabel('Filter').focus();
    await page.keyboard.type('web');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('web');
    await page.keyboard.press('Enter');
    await expect.poll(heading).toBe('Service web');
    // Focus moved to the new page's heading for screen readers and keyboard users.
    await expect.poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
  });

  it('shows a retrying banner while the agent is away and recovers by itself', async () => {
    await page.goto(`${agent.base}/ui/dc1/services`);
    await page.locator('tbody tr').first().waitFor();
    await agent.stop();
    await page.locator('.banner', { hasText: 'Retrying' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${SHOTS}offline-banner.png` });
    await agent.start();
    await page.locator('.banner').waitFor({ state: 'detached', timeout: 15_000 });
    // The restarted -dev agent starts empty at lower indexes: the page follows it (web is gone) rather than
    // keep what it showed, without a reload.
    await expect.poll(() => page.locator('tbody tr a').allTextContents(), { timeout: 10_000 }).toEqual(['consul']);
  });

  it('falls back to blocking queries where EventSource is missing', async () => {
    // (The agent was restarted empty by the test before.)
    await api('PUT', '/v1/kv/app/config', 'hello');
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    p.setDefaultTimeout(5000);
    await p.addInitScript('delete window.EventSource');
    const seen: string[] = [];
    p.on('request', (r) => seen.push(r.url()));
    await p.goto(`${agent.base}/ui/dc1/kv/app/config`);
    await expect.poll(() => p.getByTestId('kv-value').textContent()).toBe('hello');
    await api('PUT', '/v1/kv/app/config', 'changed');
    await expect.poll(() => p.getByTestId('kv-value').textContent()).toBe('changed');
    expect(seen.some((u) => u.includes('/v1/kv/app/config?dc=dc1&index='))).toBe(true);
    expect(seen.some((u) => u.includes('/v1/internal/ui/stream'))).toBe(false);
    await ctx.close();
  });

  it('made every request to the agent\'s own origin and raised no page error', () => {
    const origin = new URL(agent.base).origin;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
