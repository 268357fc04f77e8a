// De-duplication mode end to end: three built conclave-template processes with -dedup render the same template
// from one built `conclave agent -dev`. Each reaches the agent through its own counting pass-through proxy (plain
// HTTP on a real socket), so the test sees which process sends the service's queries: only the holder of the
// template's KV lock does; the others render from the data it publishes under the lock key. Killing the holder
// with SIGKILL (its session then expires after twice its TTL, and the key with it) hands the lock, and the
// queries, to one of the others, and every survivor keeps following the service; stopping the next holder cleanly
// (SIGINT) destroys its session at once, so the last instance takes over without waiting for a TTL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

const TEMPLATE_BIN = fileURLToPath(new URL('../bin/conclave-template.js', import.meta.url));
const TEMPLATE = '{{range service "web"}}{{.ID}} {{.Address}}:{{.Port}}\n{{end}}';

let agent: AgentProcess;
let dir: string;
const procs: ChildProcess[] = [];
const proxies: http.Server[] = [];

interface Proxy {
  addr: string;
  /** GETs of the web service's health endpoint that went through. */
  serviceQueries: number;
}

/** A pass-through HTTP proxy to the agent that counts the service queries. */
async function countingProxy(): Promise<Proxy> {
  const p: Proxy = { addr: '', serviceQueries: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/v1/health/service/web')) p.serviceQueries++;
    const up = http.request({ host: '127.0.0.1', port: agent.httpPort, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  proxies.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return p;
}

async function register(id: string, port: number): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'web', ID: id, Address: '10.0.0.1', Port: port }) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-template-dedup-'));
  agent = await startDevAgent(['-node', 'dedup-1']);
  await register('web-1', 8001);
  await register('web-2', 8002);
}, 60000);

afterAll(async () => {
  const alive = procs.filter((p) => p.exitCode === null && p.signalCode === null);
  for (const p of alive) p.kill('SIGKILL');
  await Promise.all(alive.map((p) => new Promise((r) => p.once('exit', r))));
  for (const s of proxies) s.closeAllConnections();
  await Promise.all(proxies.map((s) => new Promise((r) => s.close(r))));
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave-template -dedup', () => {
  it('one instance queries and publishes, all render the same; the lock moves when its holder dies', async () => {
    // Same source, contents and destination (relative paths, one working directory each): the same template.
    const config = 'deduplicate {\n  TTL = "10s"\n  prefix = "test/dedup/"\n}\n';
    const runs: { proc: ChildProcess; proxy: Proxy; out: string; log: () => string }[] = [];
    for (let i = 0; i < 3; i++) {
      const cwd = join(dir, `instance-${i}`);
      mkdirSync(cwd);
      writeFileSync(join(cwd, 'web.ctmpl'), TEMPLATE);
      writeFileSync(join(cwd, 'dedup.hcl'), config);
      const proxy = await countingProxy();
      const proc = spawn(process.execPath, [TEMPLATE_BIN, '-dedup', '-config', 'dedup.hcl', '-template', 'web.ctmpl:web.out', '-consul-addr', proxy.addr, '-log-level', 'info'], {
        cwd,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      procs.push(proc);
      let log = '';
      proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      runs.push({ proc, proxy, out: join(cwd, 'web.out'), log: () => log });
    }
    const rendered = (want: string) => async () => runs.filter((r) => r.proc.exitCode === null && r.proc.signalCode === null).every((r) => existsSync(r.out) && readFileSync(r.out, 'utf8') === want);
    const logs = () => runs.map((r, i) => `--- instance ${i}\n${r.log()}`).join('\n');
    const two = 'web-1 10.0.0.1:8001\nweb-2 10.0.0.1:8002\n';
    await waitFor('all three render', rendered(two), { timeoutMs: 20_000, intervalMs: 50 }).catch(() => {
      throw new Error(logs());
    });
    const holders = () => runs.filter((r) => r.proc.exitCode === null && r.proc.signalCode === null && r.proxy.serviceQueries > 0);
    expect(holders().length, logs()).toBe(1);
    const leader = holders()[0]!;
    // The lock key: held by a session, carrying the data (gzip) rather than the placeholder.
    const keys = (await (await fetch(`http://${agent.httpAddr}/v1/kv/test/dedup/?recurse`)).json()) as { Key: string; Session?: string; Value: string }[];
    expect(keys.length).toBe(1);
    expect(keys[0]!.Key).toMatch(/^test\/dedup\/[0-9a-f]{64}\/data$/);
    expect(keys[0]!.Session).toBeTruthy();
    expect(Buffer.from(keys[0]!.Value, 'base64').subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    // A change reaches every instance through the holder alone.
    await register('web-3', 8003);
    const three = two + 'web-3 10.0.0.1:8003\n';
    await waitFor('all three follow a change', rendered(three), { timeoutMs: 20_000, intervalMs: 50 });
    expect(holders()).toEqual([leader]);

    // The holder dies without a word: its session expires (2 × 10 s), the key is deleted, another takes the lock.
    leader.proc.kill('SIGKILL');
    await new Promise((r) => leader.proc.once('exit', r));
    await register('web-4', 8004);
    const four = three + 'web-4 10.0.0.1:8004\n';
    await waitFor('the survivors follow the service again', rendered(four), { timeoutMs: 45_000, intervalMs: 100 }).catch(() => {
      throw new Error(logs());
    });
    expect(holders().length, logs()).toBe(1);
    const second = holders()[0]!;
    expect(second).not.toBe(leader);

    // A clean stop destroys the session at once (no TTL wait): the key goes, the last instance takes over.
    const held = async () => ((await (await fetch(`http://${agent.httpAddr}/v1/kv/test/dedup/?recurse`)).json()) as { Session?: string }[])[0]?.Session;
    const session = await held();
    expect(session).toBeTruthy();
    second.proc.kill('SIGINT');
    expect(await new Promise((r) => second.proc.once('exit', r))).toBe(12);
    expect(await (await fetch(`http://${agent.httpAddr}/v1/session/info/${session}`)).json()).toEqual([]);
    await register('web-5', 8005);
    await waitFor('the last instance follows', rendered(four + 'web-5 10.0.0.1:8005\n'), { timeoutMs: 30_000, intervalMs: 100 }).catch(() => {
      throw new Error(logs());
    });
    expect(holders().length).toBe(1);
    expect(await held()).not.toBe(session);
  }, 120_000);
});
