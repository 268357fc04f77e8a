// The UI with ACLs on (default_policy deny), in Debian's chromium through playwright-core, against a real
// `conclave agent -dev`: without a token the pages say what is hidden and explain 403s; the token field keeps
// a token in localStorage and sends it; a management token creates a policy, a token and a role in the ACL
// pages, edits and deletes; a narrow token then sees only what it may read. axe-core on every ACL page in both
// schemes; screenshots to test-output/screenshots/acl-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDevAgent, type DevAgent } from './support/dev-agent.js';

const CHROMIUM = process.env.CONCLAVE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const ROOT = randomUUID();

let agent: DevAgent;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const pageErrors: string[] = [];
let narrow = '';

const api = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${agent.base}${path}`, {
    method,
    headers: { 'X-Consul-Token': ROOT },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text;
};

/** A link of the main navigation (error boxes link to Settings too). */
const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

const heading = async () => (await page.locator('main h1').textContent({ timeout: 5000 })) ?? '';

async function axe(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const violations = (await page.evaluate(`${AXE};axe.run(document, { runOnly: ['wcag2a','wcag2aa','wcag21a','wcag21aa'] }).then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`)) as string[];
    expect(violations, `${name} (${scheme})`).toEqual([]);
    await page.screenshot({ path: `${SHOTS}acl-${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function setToken(secret: string): Promise<void> {
  await nav('Settings').click();
  await expect.poll(heading).toBe('Settings');
  await page.getByLabel(/^ACL token/).fill(secret);
  await page.getByRole('button', { name: 'Save token' }).click();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  agent = await startDevAgent(['-hcl', `acl {\n  enabled = true\n  default_policy = "deny"\n  tokens { initial_management = "${ROOT}" }\n}`]);
  for (let i = 0; ; i++) {
    const r = await fetch(`${agent.base}/v1/acl/token/self`, { headers: { 'X-Consul-Token': ROOT } });
    if (r.status === 200) break;
    if (i > 200) throw new Error('no initial management token');
    await new Promise((res) => setTimeout(res, 50));
  }
  for (const [node, svc] of [['web-node', 'web'], ['db-node', 'db']])
    await api('PUT', '/v1/catalog/register', { Node: node, Address: '10.2.0.1', Service: { Service: svc, Port: 80 }, Check: { CheckID: `${svc}-up`, Name: 'up', Status: 'passing', ServiceID: svc } });
  await api('PUT', '/v1/kv/app/config', 'hello');
  await api('PUT', '/v1/kv/secret/password', 'hunter2');

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(5000);
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
});

describe('the UI with ACLs on', () => {
  it('without a token: lists say entries are hidden, and a 403 says what is missing and where to fix it', async () => {
    await page.goto(`${agent.base}/ui/dc1/services`);
    await expect.poll(heading).toBe('Services');
    await expect.poll(() => page.getByRole('note').textContent()).toMatch(/hidden: the token cannot read them/);
    expect(await page.locator('tbody tr').count()).toBe(0);
    await axe('services-anonymous');
    await page.goto(`${agent.base}/ui/dc1/kv/secret/password`);
    await expect.poll(() => page.locator('.error').textContent()).toMatch(/403[\s\S]*lacks key:read on “secret\/password”[\s\S]*Set a token/);
    await axe('kv-403');
  });

  it('keeps a management token from the Settings page and shows who it is; the ACL pages appear', async () => {
    await setToken(ROOT);
    await expect.poll(() => page.locator('main dl').textContent()).toMatch(/Initial Management Token[\s\S]*global-management/);
    expect(await page.evaluate("localStorage.getItem('conclave.token')")).toBe(ROOT);
    await expect.poll(() => nav('Policies').count()).toBe(1);
    await nav('Services').click();
    await expect.poll(() => page.locator('tbody tr a').allTextContents()).toEqual(['consul', 'db', 'web']);
    expect(await page.getByRole('note').count()).toBe(0);
  });

  it('creates a policy, a token and a role, edits and deletes, through the ACL pages', async () => {
    await nav('Policies').click();
    await expect.poll(heading).toBe('ACL policies');
    await expect.poll(() => page.locator('tbody tr a').allTextContents()).toEqual(['global-management']);
    await axe('policies');
    await page.getByRole('link', { name: 'Create a policy' }).click();
    await expect.poll(heading).toBe('New ACL policy');
    await page.getByLabel('Name', { exact: true }).fill('web-reader');
    await page.getByLabel(/^Rules/).fill('service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }\nkey_prefix "app/" { policy = "read" }');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await expect.poll(heading).toBe('ACL policy web-reader');
    await axe('policy');
    // A bad rule set: the agent's 400 with line and column.
    await page.getByLabel(/^Rules/).fill('key_prefix "x" {\n  policy = "admin"\n}');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.error').textContent()).toMatch(/400[\s\S]*line 2, column 3/);
    await page.getByLabel(/^Rules/).fill('service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }\nkey_prefix "app/" { policy = "read" }');
    await page.getByLabel('Description', { exact: true }).fill('reads web');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Saved/);

    await nav('Tokens').click();
    await expect.poll(heading).toBe('ACL tokens');
    await axe('tokens');
    await page.getByRole('link', { name: 'Create a token' }).click();
    await page.getByLabel('Description', { exact: true }).fill('narrow web reader');
    await page.getByLabel(/^Policies/).fill('web-reader');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(heading).toBe('ACL token narrow web reader');
    narrow = ((await page.locator('dt:text-is("Secret ID") + dd code').textContent()) ?? '').trim();
    expect(narrow).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.locator('a.tag', { hasText: 'web-reader' }).count()).toBe(1);
    await axe('token');

    await nav('Roles').click();
    await page.getByRole('link', { name: 'Create a role' }).click();
    await page.getByLabel('Name', { exact: true }).fill('readers');
    await page.getByLabel(/^Policies/).fill('web-reader');
    await page.getByRole('button', { name: 'Create role' }).click();
    await expect.poll(heading).toBe('ACL role readers');
    await axe('role');
    await page.getByRole('link', { name: 'All roles' }).click();
    await expect.poll(() => page.locator('tbody tr').allTextContents()).toEqual([expect.stringMatching(/readers[\s\S]*web-reader/)]);
    await axe('roles');
    await page.locator('a', { hasText: 'readers' }).click();
    await page.getByRole('button', { name: 'Delete role' }).click();
    await page.getByRole('button', { name: 'Really delete this role?' }).click();
    await expect.poll(heading).toBe('ACL roles');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(0);
  });

  it('with the narrow token: only what it may read, and the ACL pages refused with the reason', async () => {
    await setToken(narrow);
    await expect.poll(() => page.locator('main dl').textContent()).toMatch(/narrow web reader[\s\S]*web-reader/);
    await nav('Services').click();
    await expect.poll(() => page.locator('tbody tr a').allTextContents()).toEqual(['web']);
    await expect.poll(() => page.getByRole('note').textContent()).toMatch(/hidden/);
    await axe('services-narrow');
    await nav('Key/Value').click();
    await expect.poll(() => page.locator('main a', { hasText: 'app/' }).count()).toBe(1);
    expect(await page.locator('main a', { hasText: 'secret/' }).count()).toBe(0);
    await nav('Tokens').click();
    await expect.poll(() => page.locator('.error').textContent()).toMatch(/403[\s\S]*lacks acl:read/);
    await axe('tokens-403');
  });

  it('made every request to the agent\'s own origin, without page errors', () => {
    expect(requests.filter((u) => !u.startsWith(agent.base))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
