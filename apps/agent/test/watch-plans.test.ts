// Every watch type that the dev agent can serve, through @conclave/watch against the real agent process: what the
// handler receives first, after a relevant change, and (by the order of runs) never for an irrelevant one. Event
// watches need /v1/event/list, which the agent does not serve yet; their rules are tested in packages/watch.
import { createServer, type Server } from 'node:http';
import { ConsulClient } from '@conclave/client';
import { parseWatchDefinition, startWatch, handlerFor, type RunningWatch } from '@conclave/watch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
let client: ConsulClient;
const running: RunningWatch[] = [];

beforeAll(async () => {
  agent = await startDevAgent(['-node', 'plans-node']);
  client = new ConsulClient({ address: agent.httpAddr, env: {} });
}, 60000);

afterEach(async () => {
  for (const w of running.splice(0)) {
    w.stop();
    await w.done;
  }
});

afterAll(async () => {
  client?.close();
  await agent?.stop('SIGTERM');
});

function watch(raw: Record<string, unknown>) {
  const calls: Array<{ index: bigint; data: unknown }> = [];
  const w = startWatch(parseWatchDefinition({ ...raw, args: ['unused'] }), {
    client,
    handler: async (index, data) => {
      calls.push({ index, data });
    },
  });
  running.push(w);
  const until = (n: number) => waitFor(`${n} handler runs of ${JSON.stringify(raw)}`, async () => (calls.length >= n ? calls : undefined), { timeoutMs: 15000, intervalMs: 100 });
  return { calls, until, watch: w };
}

async function put(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { method: 'PUT', body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  expect(res.status, path).toBe(200);
}

const keys = (data: unknown) => (data === null ? null : (data as Array<{ Key: string }>).map((p) => p.Key));
const ids = (data: unknown) => (data as Array<{ Service: { ID: string } }>).map((e) => e.Service.ID);

describe('watch types against a dev agent', () => {
  it('keyprefix: null when empty, then the entries under the prefix, not for keys elsewhere', async () => {
    const w = watch({ type: 'keyprefix', prefix: 'cfg/' });
    await w.until(1);
    expect(w.calls[0]!.data).toBeNull();
    await put('/v1/kv/cfg/a', '1');
    await w.until(2);
    await put('/v1/kv/elsewhere/x', '1');
    await put('/v1/kv/cfg/b', '2');
    await w.until(3);
    expect(w.calls.map((c) => keys(c.data))).toEqual([null, ['cfg/a'], ['cfg/a', 'cfg/b']]);
  });

  it('services and nodes', async () => {
    const s = watch({ type: 'services' });
    const n = watch({ type: 'nodes' });
    await s.until(1);
    await n.until(1);
    expect(s.calls[0]!.data).toEqual({ consul: [] });
    expect((n.calls[0]!.data as Array<{ Node: string; Address: string }>).map((x) => [x.Node, x.Address])).toEqual([['plans-node', '127.0.0.1']]);
    await put('/v1/agent/service/register', { ID: 'web1', Name: 'web', Tags: ['v1'], Port: 80 });
    await s.until(2);
    expect(s.calls[1]!.data).toEqual({ consul: [], web: ['v1'] });
  });

  it('service with a tag and passingonly follows the health of the tagged instances', async () => {
    await put('/v1/agent/service/register', { ID: 'pg1', Name: 'pg', Tags: ['primary'], Port: 5432, Check: { TTL: '10m', Status: 'passing' } });
    await put('/v1/agent/service/register', { ID: 'pg2', Name: 'pg', Tags: ['standby'], Port: 5433, Check: { TTL: '10m', Status: 'passing' } });
    const passing = watch({ type: 'service', service: 'pg', tag: 'primary', passingonly: true });
    const all = watch({ type: 'service', service: 'primary.pg' });
    await passing.until(1);
    await all.until(1);
    expect(ids(passing.calls[0]!.data)).toEqual(['pg1']);
    expect(ids(all.calls[0]!.data)).toEqual(['pg1']);
    expect(all.watch.target).toEqual({ service: 'pg', tags: ['primary'] });

    await put('/v1/agent/check/fail/service:pg1');
    await passing.until(2);
    await all.until(2);
    expect(passing.calls[1]!.data).toEqual([]);
    // Without passingonly the instance stays, with its critical check.
    const entry = (all.calls[1]!.data as Array<{ Checks: Array<{ CheckID: string; Status: string }> }>)[0]!;
    expect(entry.Checks.find((c) => c.CheckID === 'service:pg1')!.Status).toBe('critical');

    await put('/v1/agent/check/pass/service:pg1');
    await passing.until(3);
    expect(passing.calls.map((c) => ids(c.data))).toEqual([['pg1'], [], ['pg1']]);
    for (let i = 1; i < passing.calls.length; i++) expect(passing.calls[i]!.index).toBeGreaterThan(passing.calls[i - 1]!.index);
  });

  it('checks by state and by service', async () => {
    const critical = watch({ type: 'checks', state: 'critical' });
    const ofService = watch({ type: 'checks', service: 'cache' });
    await critical.until(1);
    await ofService.until(1);
    expect(ofService.calls[0]!.data).toEqual([]);
    const before = (critical.calls[0]!.data as Array<{ CheckID: string }>).map((c) => c.CheckID);
    expect(before).not.toContain('service:cache1');

    await put('/v1/agent/service/register', { ID: 'cache1', Name: 'cache', Port: 6379, Check: { TTL: '10m' } });
    await waitFor('the new critical check', async () => (critical.calls.at(-1)!.data as Array<{ CheckID: string }>).some((c) => c.CheckID === 'service:cache1'), { timeoutMs: 15000, intervalMs: 100 });
    const last = () => (ofService.calls.at(-1)!.data as Array<{ CheckID: string; Status: string }>).map((c) => `${c.CheckID}=${c.Status}`).join(',');
    await waitFor('the service check to be handed over', async () => last() === 'service:cache1=critical', { timeoutMs: 15000, intervalMs: 100 });

    await put('/v1/agent/check/pass/service:cache1');
    await waitFor('the passing check to leave the critical list', async () => !(critical.calls.at(-1)!.data as Array<{ CheckID: string }>).some((c) => c.CheckID === 'service:cache1'), { timeoutMs: 15000, intervalMs: 100 });
  });

  it('an http handler receives each result from the agent', async () => {
    const got: Array<{ index: string; body: string }> = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ index: String(req.headers['x-consul-index']), body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const def = parseWatchDefinition({ type: 'key', key: 'hooked', handler_type: 'http', http_handler_config: { path: `http://127.0.0.1:${port}/hook` } });
      const w = startWatch(def, { client, handler: handlerFor(def.handler!) });
      running.push(w);
      await waitFor('the first POST', async () => got.length >= 1, { timeoutMs: 15000, intervalMs: 100 });
      expect(got[0]!.body).toBe('null\n');
      await put('/v1/kv/hooked', 'yes');
      await waitFor('the second POST', async () => got.length >= 2, { timeoutMs: 15000, intervalMs: 100 });
      const pair = JSON.parse(got[1]!.body) as { Key: string; Value: string; ModifyIndex: number };
      expect([pair.Key, Buffer.from(pair.Value, 'base64').toString()]).toEqual(['hooked', 'yes']);
      expect(got[1]!.index).toBe(String(pair.ModifyIndex));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
