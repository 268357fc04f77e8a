import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prometheusText, stubLog } from './harness.js';
import Consul from 'consul';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
let consul: Consul;

beforeAll(async () => {
  h = await startHarness();
  consul = new Consul({ host: '127.0.0.1', port: h.port });
});
afterAll(async () => {
  consul.destroy();
  await h.close();
});
beforeEach(() => {
  h.agentCalls.length = 0;
});

async function put(path: string, body?: string, headers?: Record<string, string>) {
  const r = await fetch(`${h.base}${path}`, { method: 'PUT', body, headers });
  return { status: r.status, text: await r.text() };
}

describe('agent routes to AgentEndpoints', () => {
  it('reads self, members, services and checks', async () => {
    const self = (await consul.agent.self()) as Record<string, unknown>;
    expect(Object.keys(self)).toEqual(['Config', 'DebugConfig', 'Coord', 'Member', 'Stats', 'Meta']);
    await fetch(`${h.base}/v1/agent/members?wan=1&segment=alpha`).then((r) => r.json());
    expect(await consul.agent.service.list()).toEqual({ web: { ID: 'web', Service: 'web' } });
    await fetch(`${h.base}/v1/agent/checks`, { headers: { Authorization: 'Bearer tok' } }).then((r) => r.json());
    expect(h.agentCalls.map((c) => c.method)).toEqual(['self', 'members', 'services', 'checks']);
    expect(h.agentCalls[1]!.args).toEqual([{ wan: true, segment: 'alpha' }]);
    expect(h.agentCalls[3]!.args).toEqual([{ token: 'tok' }]);
  });

  it('passes IDs containing "/" and bodies through', async () => {
    const svc = await fetch(`${h.base}/v1/agent/service/web%2F1`);
    const hash = svc.headers.get('x-consul-contenthash');
    expect(hash).toMatch(/^[0-9a-f]{1,16}$/);
    expect(await svc.json()).toEqual({ ID: 'web/1', Service: 'web', ContentHash: hash });
    const missing = await fetch(`${h.base}/v1/agent/service/none`);
    expect([missing.status, await missing.text()]).toEqual([404, 'unknown service ID: none']);
    const body = { name: 'db', tags: ['master'], port: 3306, check: { args: ['true'], interval: '10s' } };
    expect(await put('/v1/agent/service/register?replace-existing-checks', JSON.stringify(body), { 'X-Consul-Token': 't1' })).toEqual({
      status: 200,
      text: '',
    });
    expect(await put('/v1/agent/service/deregister/web/1')).toEqual({ status: 200, text: '' });
    expect(h.agentCalls.slice(2)).toEqual([
      { method: 'registerService', args: [body, { replaceExistingChecks: true }, { token: 't1' }] },
      { method: 'deregisterService', args: ['web/1', { token: '' }] },
    ]);
  });

  it('routes checks: register, deregister, pass/warn/fail with note, update', async () => {
    await put('/v1/agent/check/register', '{"Name":"mem","TTL":"30s"}');
    await put('/v1/agent/check/pass/mem?note=all%20good');
    await put('/v1/agent/check/warn/mem');
    await put('/v1/agent/check/fail/service:web/2?note=x');
    await put('/v1/agent/check/update/mem', '{"Status":"passing","Output":"ok"}');
    await put('/v1/agent/check/deregister/mem');
    expect(h.agentCalls.map((c) => [c.method, ...c.args.slice(0, 3)])).toEqual([
      ['registerCheck', { Name: 'mem', TTL: '30s' }, { token: '' }],
      ['updateTtlCheck', 'mem', 'passing', 'all good'],
      ['updateTtlCheck', 'mem', 'warning', ''],
      ['updateTtlCheck', 'service:web/2', 'critical', 'x'],
      ['updateCheck', 'mem', { Status: 'passing', Output: 'ok' }, { token: '' }],
      ['deregisterCheck', 'mem', { token: '' }],
    ]);
  });

  it('routes maintenance, reload, join, leave and force-leave', async () => {
    expect(await put('/v1/agent/maintenance?enable=true&reason=patching')).toEqual({ status: 200, text: '' });
    expect(await put('/v1/agent/maintenance')).toEqual({ status: 400, text: 'Missing value for enable' });
    expect(await put('/v1/agent/maintenance?enable=perhaps')).toEqual({ status: 400, text: 'Invalid value for enable: "perhaps"' });
    await put('/v1/agent/service/maintenance/web?enable=false');
    await put('/v1/agent/reload');
    await put('/v1/agent/join/10.0.0.5:8301?wan=1');
    await put('/v1/agent/force-leave/old-node?prune');
    await put('/v1/agent/leave');
    expect(h.agentCalls.map((c) => [c.method, ...c.args.slice(0, 2)])).toEqual([
      ['nodeMaintenance', true, 'patching'],
      ['serviceMaintenance', 'web', false],
      ['reload'],
      ['join', '10.0.0.5:8301', true],
      ['forceLeave', 'old-node', true],
      ['leave'],
    ]);
  });

  it('routes host (with the token) and version as GETs only', async () => {
    const host = await fetch(`${h.base}/v1/agent/host`, { headers: { 'X-Consul-Token': 'op' } });
    expect([host.status, Object.keys((await host.json()) as object)]).toEqual([200, ['Memory', 'CPU', 'Host', 'Disk', 'CollectionTime', 'Errors']]);
    const version = await fetch(`${h.base}/v1/agent/version`);
    expect([version.status, await version.json()]).toEqual([200, { SHA: 'conclave', BuildDate: '1970-01-01T00:00:01Z', HumanVersion: '0.1.0', FIPS: '' }]);
    expect((await put('/v1/agent/version')).status).toBe(405);
    expect((await put('/v1/agent/host')).status).toBe(405);
    expect(h.agentCalls).toEqual([
      { method: 'host', args: [{ token: 'op' }] },
      { method: 'version', args: [] },
    ]);
  });

  it('maps aggregated service health to status codes', async () => {
    const byId = await fetch(`${h.base}/v1/agent/health/service/id/web`);
    expect([byId.status, await byId.json()]).toEqual([429, { AggregatedStatus: 'warning', ID: 'web' }]);
    const byName = await fetch(`${h.base}/v1/agent/health/service/name/web?format=text`);
    expect([byName.status, await byName.text()]).toEqual([503, 'critical']);
    const accept = await fetch(`${h.base}/v1/agent/health/service/id/web`, { headers: { Accept: 'text/plain' } });
    expect([accept.status, await accept.text()]).toEqual([429, 'warning']);
    // Not found: Consul's payloads for each form.
    const noName = await fetch(`${h.base}/v1/agent/health/service/name/none`);
    expect([noName.status, await noName.json()]).toEqual([404, []]);
    const noNameText = await fetch(`${h.base}/v1/agent/health/service/name/none?format=text`);
    expect([noNameText.status, await noNameText.text()]).toEqual([404, 'ServiceName none Not Found']);
    const noId = await fetch(`${h.base}/v1/agent/health/service/id/none`);
    expect([noId.status, await noId.json()]).toEqual([404, { AggregatedStatus: 'critical', Service: null, Checks: null }]);
    const noIdText = await fetch(`${h.base}/v1/agent/health/service/id/none?format=text`);
    expect([noIdText.status, await noIdText.text()]).toEqual([404, 'ServiceId none not found']);
  });

  it('answers the agent errors as thrown, without crashing', async () => {
    const { ApiError } = await import('../src/index.js');
    const { DecodeError } = await import('@conclave/toolkit');
    // An agent whose reload throws, as a real one does for refused input.
    const failing = await startFailing(new ApiError(403, 'Permission denied'));
    expect(await failing.put('/v1/agent/reload')).toEqual({ status: 403, text: 'Permission denied' });
    await failing.close();
    const decoding = await startFailing(new DecodeError('Check: interval is required'));
    expect(await decoding.put('/v1/agent/reload')).toEqual({ status: 400, text: 'Check: interval is required' });
    await decoding.close();
    const boom = await startFailing(new Error('disk on fire'));
    expect(await boom.put('/v1/agent/reload')).toEqual({ status: 500, text: 'disk on fire' });
    await boom.close();
  });
});

async function startFailing(err: Error) {
  const { createHttpApi } = await import('../src/index.js');
  const { StateMachine } = await import('@conclave/state');
  const { recordingAgent } = await import('./harness.js');
  const agent = recordingAgent([]);
  agent.reload = async () => {
    throw err;
  };
  const api = createHttpApi({
    state: new StateMachine(),
    log: stubLog(),
    leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: '' }),
    peers: () => [],
    agent,
    datacenter: 'dc1',
    nodeName: 'n',
  });
  const addr = await api.listen(0, '127.0.0.1');
  return {
    put: async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${addr.port}${path}`, { method: 'PUT' });
      return { status: r.status, text: await r.text() };
    },
    close: () => api.close(),
  };
}

describe('/v1/agent/metrics', () => {
  it('answers the JSON summary, or the Prometheus text for ?format=prometheus and for scrapers asking for OpenMetrics', async () => {
    const json = await fetch(`${h.base}/v1/agent/metrics`);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(Object.keys((await json.json()) as object)).toEqual(['Timestamp', 'Gauges', 'PrecisionGauges', 'Points', 'Counters', 'Samples']);
    prometheusText.value = '# HELP a a\n# TYPE a counter\na 1\n';
    try {
      for (const [query, accept] of [
        ['?format=prometheus', undefined],
        ['', 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'],
        ['', 'text/plain; version=0.4.0'],
      ] as const) {
        const r = await fetch(`${h.base}/v1/agent/metrics${query}`, { headers: accept ? { Accept: accept } : {} });
        expect([r.status, r.headers.get('content-type'), await r.text()]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8', prometheusText.value]);
      }
    } finally {
      prometheusText.value = undefined;
    }
    const off = await fetch(`${h.base}/v1/agent/metrics?format=prometheus`);
    expect([off.status, await off.text()]).toEqual([415, 'Prometheus is not enabled since its retention time is not positive']);
    const put = await fetch(`${h.base}/v1/agent/metrics`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(h.agentCalls.map((c) => c.method)).toEqual(['metrics', 'prometheusMetrics', 'prometheusMetrics', 'prometheusMetrics', 'prometheusMetrics']);
  });
});
