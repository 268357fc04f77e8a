// The article's load-balancer automation end to end: the built conclave-template renders haproxy.cfg from the
// article's templates with live data from a built `conclave agent -dev`, re-renders on health and KV changes,
// runs the reload command once per change, and haproxy -c accepts the result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The agent-side helpers live with the agent's end-to-end tests.
import { startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

const TEMPLATE_BIN = fileURLToPath(new URL('../bin/conclave-template.js', import.meta.url));

// The article's first template, with the line breaks of the original post.
const ARTICLE_TEMPLATE = `global
    log /dev/log local0
    log /dev/log local1 notice
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    daemon

frontend main *:80
    default_backend web

backend web
    balance roundrobin{{range service "web"}}
    server {{.ID}} {{.Address}}:{{.Port}} check{{end}}
`;

// The article's blue/green template.
const BLUE_GREEN_TEMPLATE = `backend web
    {{$state := (key "service/web/state")}}
    bind *:{{if eq $state "green"}}8080{{else}}80{{end}}{{range service "blue.web"}}
    server {{.ID}} {{.Address}}:{{.Port}}{{end}}
    bind *:{{if eq $state "green"}}80{{else}}8080{{end}}{{range service "green.web"}}
    server {{.ID}} {{.Address}}:{{.Port}}{{end}}
`;

// HAProxy 2.x no longer accepts "frontend main *:80" (bind lines are required), so the file checked with
// haproxy -c uses the same backend block under a current frontend syntax.
const HAPROXY_26_TEMPLATE = `global
    log /dev/log local0
    log /dev/log local1 notice
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    daemon

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend main
    bind *:80
    default_backend web

backend web
    balance roundrobin{{range service "web"}}
    server {{.ID}} {{.Address}}:{{.Port}} check{{end}}
`;

let agent: AgentProcess;
let renderer: ChildProcess;
let rendererOut = '';
let dir: string;

async function api(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { method: 'PUT', body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
}

function reloads(): number {
  const f = join(dir, 'reloads');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
}

const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-template-e2e-'));
  writeFileSync(join(dir, 'haproxy.ctmpl'), ARTICLE_TEMPLATE);
  writeFileSync(join(dir, 'bluegreen.ctmpl'), BLUE_GREEN_TEMPLATE);
  writeFileSync(join(dir, 'haproxy26.ctmpl'), HAPROXY_26_TEMPLATE);
  agent = await startDevAgent(['-node', 'lb-1']);
  for (const [id, address, tags] of [
    ['web-1', '192.168.33.21', ['blue']],
    ['web-2', '192.168.33.22', ['green']],
  ] as const) {
    await api('/v1/agent/service/register', { Name: 'web', ID: id, Address: address, Port: 80, Tags: tags, Check: { TTL: '60s' } });
    await api(`/v1/agent/check/pass/service:${id}`);
  }
  await api('/v1/kv/service/web/state', 'blue');
  const reload = `sh -c 'echo reload >> ${join(dir, 'reloads')}'`;
  renderer = spawn(
    process.execPath,
    [
      TEMPLATE_BIN,
      '-log-level',
      'info',
      '-consul-addr',
      agent.httpAddr,
      '-template',
      `${join(dir, 'haproxy.ctmpl')}:${join(dir, 'haproxy.cfg')}:${reload}`,
      '-template',
      `${join(dir, 'bluegreen.ctmpl')}:${join(dir, 'bluegreen.cfg')}`,
      '-template',
      `${join(dir, 'haproxy26.ctmpl')}:${join(dir, 'haproxy26.cfg')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  renderer.stdout!.on('data', (d: Buffer) => (rendererOut += d.toString()));
  renderer.stderr!.on('data', (d: Buffer) => (rendererOut += d.toString()));
  await waitFor('first render', async () => read('haproxy.cfg').includes('web-2') && reloads() === 1, { timeoutMs: 20000, intervalMs: 100 });
}, 60000);

afterAll(async () => {
  renderer?.kill('SIGTERM');
  await agent?.stop();
});

describe('conclave-template with the article templates', () => {
  it('renders one server line per passing web instance, byte for byte', () => {
    expect(read('haproxy.cfg')).toBe(
      ARTICLE_TEMPLATE.replace(
        /\{\{range[\s\S]*\{\{end\}\}/,
        '\n    server web-1 192.168.33.21:80 check\n    server web-2 192.168.33.22:80 check',
      ),
    );
    expect(reloads()).toBe(1);
  });

  it('drops a failing instance and runs the reload command once', async () => {
    await api('/v1/agent/check/fail/service:web-2');
    await waitFor('web-2 removed', async () => !read('haproxy.cfg').includes('web-2'), { timeoutMs: 15000, intervalMs: 100 });
    expect(read('haproxy.cfg')).toContain('server web-1 192.168.33.21:80 check');
    // The reload command is a process started after the write: wait for it, then check no second one follows.
    await waitFor('the reload', async () => reloads() >= 2, { timeoutMs: 15000, intervalMs: 100 });
    await new Promise((r) => setTimeout(r, 500));
    expect(reloads()).toBe(2);
  });

  it('adds a newly registered instance', async () => {
    await api('/v1/agent/service/register', { Name: 'web', ID: 'web-3', Address: '192.168.33.23', Port: 8000, Tags: ['blue'], Check: { TTL: '60s', Status: 'passing' } });
    await waitFor('web-3 added', async () => read('haproxy.cfg').includes('server web-3 192.168.33.23:8000 check'), { timeoutMs: 15000, intervalMs: 100 });
    await waitFor('the reload', async () => reloads() >= 3, { timeoutMs: 15000, intervalMs: 100 });
    await new Promise((r) => setTimeout(r, 500));
    expect(reloads()).toBe(3);
  });

  it('switches blue/green ports when service/web/state changes', async () => {
    await api('/v1/agent/check/pass/service:web-2');
    await waitFor('web-2 back', async () => read('bluegreen.cfg').includes('web-2'), { timeoutMs: 15000, intervalMs: 100 });
    const blue = read('bluegreen.cfg');
    expect(blue).toContain('bind *:80\n    server web-1 192.168.33.21:80\n    server web-3 192.168.33.23:8000');
    expect(blue).toContain('bind *:8080\n    server web-2 192.168.33.22:80');
    await api('/v1/kv/service/web/state', 'green');
    await waitFor('ports switched', async () => read('bluegreen.cfg').includes('bind *:8080\n    server web-1'), { timeoutMs: 15000, intervalMs: 100 });
    expect(read('bluegreen.cfg')).toContain('bind *:80\n    server web-2 192.168.33.22:80');
  });

  it('writes a configuration that haproxy -c accepts', () => {
    const cfg = join(dir, 'haproxy26.cfg');
    expect(read('haproxy26.cfg')).toContain('server web-3 192.168.33.23:8000 check');
    const out = execFileSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' });
    expect(out).toContain('Configuration file is valid');
  });

  it('logs each render and command as consul-template does', () => {
    expect(rendererOut).toContain(`[INFO] (runner) rendered "${join(dir, 'haproxy.ctmpl')}" => "${join(dir, 'haproxy.cfg')}"`);
  });
});
