import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { ConsulClient } from '@conclave/client';
import { Renderer, RendererEvent, consulClientSource, parseWaitSpec, runCommand } from '../src/internal.js';
import { ARTICLE_BLUE_GREEN, ARTICLE_HAPROXY } from './article-templates.js';
import { MemoryConsul } from './memory-consul.js';
import { serveMemoryConsul } from './memory-consul-http.js';

const HAPROXY = ARTICLE_HAPROXY;
const BLUE_GREEN = ARTICLE_BLUE_GREEN;

function cluster(): MemoryConsul {
  const c = new MemoryConsul();
  c.register({ id: 'web1', service: 'web', node: 'node-a', address: '10.0.0.1', port: 8080, tags: ['blue'] });
  c.register({ id: 'web2', service: 'web', node: 'node-b', address: '10.0.0.2', port: 8080, tags: ['green'] });
  return c;
}

const running: Renderer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function start(opts: ConstructorParameters<typeof Renderer>[0]): { r: Renderer; events: RendererEvent[] } {
  const events: RendererEvent[] = [];
  const r = new Renderer({ retryDelayMs: () => 20, ...opts, onEvent: (e) => events.push(e) });
  running.push(r);
  return { r, events };
}

const writes = (ev: RendererEvent[]) => ev.filter((e) => e.type === 'write' && e.changed).length;
const commands = (ev: RendererEvent[]) => ev.filter((e) => e.type === 'command').length;

describe('Renderer', () => {
  it('follows the cluster: one write and one command per real change', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const dst = join(dir, 'haproxy.cfg');
    const counter = join(dir, 'reloads');
    const { r, events } = start({
      source: c,
      templates: [{ contents: HAPROXY, destination: dst, command: `echo reload >> ${counter}` }],
    });
    await r.start();
    await waitFor('first render', () => commands(events) === 1, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toContain(' server web1 10.0.0.1:8080 check server web2 10.0.0.2:8080 check |');
    expect(statSync(dst).mode & 0o777).toBe(0o644);
    expect(r.watchCount).toBe(1);

    c.setCheck('web2', 'critical');
    await waitFor('render after critical', () => commands(events) === 2, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toContain(' server web1 10.0.0.1:8080 check |');
    expect(readFileSync(counter, 'utf8')).toBe('reload\nreload\n');

    c.register({ id: 'web3', service: 'web', node: 'node-c', address: '10.0.0.3', port: 8081 });
    await waitFor('render after register', () => commands(events) === 3, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toContain(' server web1 10.0.0.1:8080 check server web3 10.0.0.3:8081 check |');

    // A change elsewhere in the cluster (a db instance) moves the index but not the rendered text.
    const answered = c.answered;
    c.register({ id: 'db1', service: 'db', node: 'node-a', port: 5432 });
    await waitFor('the watch to see the new index', () => c.answered > answered, { timeoutMs: 15_000 });
    const again = c.answered;
    c.setCheck('web2', 'warning');
    await waitFor('the watch to see the next index', () => c.answered > again, { timeoutMs: 15_000 });
    await new Promise((res) => setTimeout(res, 100));
    expect(commands(events)).toBe(3);
    expect(writes(events)).toBe(3);
  });

  it('shares one watch per dependency between templates', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const { r, events } = start({
      source: c,
      templates: [
        { contents: '{{range service "web"}}{{.ID}} {{end}}', destination: join(dir, 'a') },
        { contents: '{{range service "web"}}{{.Port}} {{end}}{{key "x"}}', destination: join(dir, 'b') },
        { contents: '{{len (service "web")}}', destination: join(dir, 'c') },
      ],
    });
    c.put('x', 'X');
    await r.start();
    await waitFor('three files', () => writes(events) === 3, { timeoutMs: 15_000 });
    expect(r.watchCount).toBe(2);
    expect(c.requests.filter((q) => q.startsWith('/v1/health/service/web')).length).toBeLessThanOrEqual(2);
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('8080 8080 X');
  });

  it('runs a command shared by several changed templates once per pass', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const counter = join(dir, 'reloads');
    const command = `echo reload >> ${counter}`;
    const { r, events } = start({
      source: c,
      templates: [
        { contents: '{{range service "web"}}{{.ID}} {{end}}', destination: join(dir, 'a'), command },
        { contents: '{{range service "web"}}{{.Address}} {{end}}', destination: join(dir, 'b'), command },
        { contents: '{{key "other"}}', destination: join(dir, 'c'), command: `echo other >> ${counter}` },
      ],
    });
    c.put('other', 'o');
    await r.start();
    await waitFor('three files', () => writes(events) === 3, { timeoutMs: 15_000 });
    await waitFor('commands', () => commands(events) === 3, { timeoutMs: 15_000 });
    expect(readFileSync(counter, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['other', 'reload']);
    c.setCheck('web1', 'critical');
    await waitFor('both web files rewritten', () => writes(events) === 5, { timeoutMs: 15_000 });
    await waitFor('command events for both templates', () => commands(events) === 5, { timeoutMs: 15_000 });
    expect(readFileSync(counter, 'utf8').split('\n').filter((l) => l === 'reload')).toHaveLength(2);
  });

  it('keeps the destination permissions and writes a backup', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const dst = join(dir, 'out.cfg');
    writeFileSync(dst, 'old\n');
    chmodSync(dst, 0o600);
    const { r, events } = start({ source: c, templates: [{ contents: '{{range service "web"}}{{.ID}} {{end}}', destination: dst, backup: true }] });
    await r.start();
    await waitFor('render', () => writes(events) === 1, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toBe('web1 web2 ');
    expect(statSync(dst).mode & 0o777).toBe(0o600);
    expect(readFileSync(dst + '.bak', 'utf8')).toBe('old\n');
  });

  it('waits for the blue/green key, then switches ports when it changes (-once and long-running)', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const dst = join(dir, 'bg.cfg');
    const { r, events } = start({ source: c, templates: [{ contents: BLUE_GREEN, destination: dst }] });
    await r.start();
    await waitFor('incomplete render', () => events.some((e) => e.type === 'render' && !e.complete && e.missing.includes('kv.block(service/web/state)')), { timeoutMs: 15_000 });
    await new Promise((res) => setTimeout(res, 100));
    expect(existsSync(dst)).toBe(false);

    c.put('service/web/state', 'blue');
    await waitFor('blue render', () => writes(events) === 1, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toContain('bind *:80 server web1 10.0.0.1:8080 bind *:8080 server web2 10.0.0.2:8080 |');
    c.put('service/web/state', 'green');
    await waitFor('green render', () => writes(events) === 2, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toContain('bind *:8080 server web1 10.0.0.1:8080 bind *:80 server web2 10.0.0.2:8080 |');
    expect(r.watchCount).toBe(3);

    const dst2 = join(dir, 'once.cfg');
    const o = start({ source: c, once: true, templates: [{ contents: BLUE_GREEN, destination: dst2 }] });
    await o.r.start();
    await o.r.finished;
    expect(readFileSync(dst2, 'utf8')).toBe(readFileSync(dst, 'utf8'));
    expect(o.r.watchCount).toBe(0);
  });

  it('renders a burst of changes once after quiescence (-wait)', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const dst = join(dir, 'w.cfg');
    const { r, events } = start({ source: c, wait: { minMs: 300, maxMs: 3000 }, templates: [{ contents: '{{range service "web"}}{{.ID}} {{end}}', destination: dst }] });
    await r.start();
    await waitFor('first render', () => writes(events) === 1, { timeoutMs: 15_000 });
    for (const id of ['a', 'b', 'c', 'd']) {
      c.register({ id: `web-${id}`, service: 'web', node: `n-${id}`, port: 1 });
      await new Promise((res) => setTimeout(res, 20));
    }
    await waitFor('render after burst', () => writes(events) === 2, { timeoutMs: 15_000 });
    await new Promise((res) => setTimeout(res, 500));
    expect(writes(events)).toBe(2);
    expect(readFileSync(dst, 'utf8')).toBe('web-a web-b web-c web-d web1 web2 ');
  });

  it('-dry prints instead of writing and runs no command', async () => {
    const c = cluster();
    const out: string[] = [];
    const { r } = start({ source: c, dry: true, once: true, stdout: (s) => out.push(s), templates: [{ contents: '{{range service "web"}}{{.Port}} {{end}}', destination: '/nonexistent/x', command: 'false' }] });
    await r.start();
    await r.finished;
    expect(out).toEqual(['> /nonexistent/x\n8080 8080 ']);
  });

  it('reports template execution errors and keeps running', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const { r, events } = start({ source: c, templates: [{ contents: '{{range service "web"}}{{.Nope}}{{end}}', destination: join(dir, 'x') }] });
    await r.start();
    await waitFor('error', () => events.some((e) => e.type === 'error'), { timeoutMs: 15_000 });
    const err = events.find((e) => e.type === 'error') as { error: Error };
    expect(err.error.message).toContain("can't evaluate field Nope in type *dependency.HealthService");
  });

  it('errorFatal: an execution error stops the renderer with its failure, and nothing is written', async () => {
    const c = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const { r } = start({
      source: c,
      templates: [{ contents: '{{range service "web"}}{{.Nope}}{{end}}', destination: join(dir, 'x'), errorFatal: true }],
    });
    await r.start();
    await r.finished;
    // Wrapped with the template's name (its destination for `contents`), as consul-template wraps with the source.
    expect(r.failure?.message).toMatch(new RegExp(`^${join(dir, 'x')}: template: .*can't evaluate field Nope`));
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});

describe('through @conclave/client against a real HTTP server', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('renders and re-renders over blocking HTTP queries', async () => {
    const c = cluster();
    const served = await serveMemoryConsul(c);
    server = served.server;
    const client = new ConsulClient({ address: served.address, env: {} });
    const dir = mkdtempSync(join(tmpdir(), 'renderer-http-'));
    const dst = join(dir, 'haproxy.cfg');
    const { r, events } = start({ source: consulClientSource(client), blockQueryWaitMs: 2000, templates: [{ contents: HAPROXY, destination: dst }] });
    await r.start();
    await waitFor('first render over HTTP', () => writes(events) === 1, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toContain('server web1 10.0.0.1:8080 check server web2 10.0.0.2:8080 check |');
    c.setCheck('web1', 'critical');
    await waitFor('render after critical over HTTP', () => writes(events) === 2, { timeoutMs: 15_000 });
    expect(readFileSync(dst, 'utf8')).toContain('balance roundrobin server web2 10.0.0.2:8080 check |');
    await r.stop();
    client.close();
  });
});

describe('an unreachable agent', () => {
  it('is retried with backoff until it answers, without stopping', async () => {
    const c = cluster();
    // Reserve a port, then free it: nothing listens there until the "agent" comes up.
    const probe = await serveMemoryConsul(c);
    const address = probe.address;
    await new Promise<void>((res) => probe.server.close(() => res()));
    const client = new ConsulClient({ address, env: {} });
    const dir = mkdtempSync(join(tmpdir(), 'renderer-down-'));
    const dst = join(dir, 'out');
    const { r, events } = start({ source: consulClientSource(client), templates: [{ contents: '{{range service "web"}}{{.ID}} {{end}}', destination: dst }] });
    await r.start();
    await waitFor('two failed attempts', () => events.filter((e) => e.type === 'error').length >= 2, { timeoutMs: 15_000 });
    expect(existsSync(dst)).toBe(false);
    const { createServer } = await import('node:http');
    const later = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      void c.fetch({ path: decodeURIComponent(url.pathname), query: { passing: '1' } }, { index: 0n }).then((x) => {
        res.setHeader('X-Consul-Index', String(x.index));
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(x.data));
      });
    });
    const [host, port] = address.split(':');
    later.listen(Number(port), host);
    try {
      await waitFor('render once the agent is up', () => writes(events) === 1, { timeoutMs: 15_000 });
      expect(readFileSync(dst, 'utf8')).toBe('web1 web2 ');
    } finally {
      await r.stop();
      client.close();
      later.close();
    }
  });
});

describe('building blocks', () => {
  it('runCommand reports status, output and timeouts', async () => {
    const ok = await runCommand('echo hi; echo err >&2; exit 3');
    expect(ok).toMatchObject({ exitCode: 3, timedOut: false });
    expect(ok.output).toContain('hi');
    expect(ok.output).toContain('err');
    const slow = await runCommand('sleep 5', { timeoutMs: 100 });
    expect(slow.timedOut).toBe(true);
    const missing = await runCommand(['/nonexistent/binary']);
    expect(missing.error).toBeDefined();
  });

  it('parseWaitSpec: one value means max = 4 × min', () => {
    expect(parseWaitSpec('2s')).toEqual({ minMs: 2000, maxMs: 8000 });
    expect(parseWaitSpec('1s:3s')).toEqual({ minMs: 1000, maxMs: 3000 });
    expect(parseWaitSpec('500ms:1m')).toEqual({ minMs: 500, maxMs: 60000 });
    expect(() => parseWaitSpec('3s:1s')).toThrow('must be larger');
    expect(() => parseWaitSpec('1s:2s:3s')).toThrow('invalid value');
  });
});
