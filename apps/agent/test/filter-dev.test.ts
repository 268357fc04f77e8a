// ?filter on a dev agent, through the npm `consul` client where it passes `filter` (every list call does) and plain
// HTTP for status codes and error texts: the agent endpoints that used to ignore it (issue 21: Nomad asks for
// `Service == "web"` and acted on every service), the catalog and health lists, Consul's messages for a bad
// expression, and the ReDoS pattern of issue 16 over the 29-character service ID, answered by the linear engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Consul from 'consul';
import { waitFor } from '@conclave/test-support/wait-for';
import { startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
let consul: Consul;
const REDOS_ID = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!';

beforeAll(async () => {
  agent = await startDevAgent(['-node', 'filter-1']);
  consul = new Consul({ host: '127.0.0.1', port: agent.httpPort });
  const services = [
    { name: 'web', id: 'web-1', tags: ['v1', 'primary'], port: 8080, meta: { env: 'prod' }, check: { ttl: '30s' } },
    { name: 'web', id: 'web-2', tags: ['v2'], port: 8081, meta: { env: 'staging' }, check: { ttl: '30s' } },
    { name: 'web', id: REDOS_ID, tags: [], port: 8082 },
    { name: 'db', id: 'db-1', tags: ['v1'], port: 3306, check: { ttl: '30s' } },
  ];
  for (const s of services) await consul.agent.service.register(s as never);
  await consul.agent.check.pass('service:web-1');
  // The catalog catches up with the agent by anti-entropy; the catalog and health tests read it.
  await waitFor('the services in the catalog', async () => {
    const nodes = (await consul.catalog.service.nodes('web')) as unknown[];
    const db = (await consul.catalog.service.nodes('db')) as unknown[];
    const checks = (await consul.health.checks('web')) as Array<{ Status: string }>;
    return nodes.length === 3 && db.length === 1 && checks.some((c) => c.Status === 'passing') ? true : undefined;
  }, { timeoutMs: 15000, intervalMs: 100 });
}, 60000);

afterAll(async () => {
  consul?.destroy();
  const code = await agent?.stop('SIGTERM');
  expect(code).toBe(0);
});

async function get(path: string, filter: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${agent.httpAddr}${path}?filter=${encodeURIComponent(filter)}`);
  return { status: res.status, body: await res.text() };
}

describe('?filter on a dev agent', () => {
  it('filters /v1/agent/services: only the web services come back for Service == "web"', async () => {
    const web = (await consul.agent.service.list({ filter: 'Service == "web"' } as never)) as Record<string, unknown>;
    expect(Object.keys(web).sort()).toEqual([REDOS_ID, 'web-1', 'web-2']);
    const prod = (await consul.agent.service.list({ filter: 'Meta.env == prod and "v1" in Tags' } as never)) as Record<string, unknown>;
    expect(Object.keys(prod)).toEqual(['web-1']);
    const untagged = (await consul.agent.service.list({ filter: 'Tags is empty' } as never)) as Record<string, unknown>;
    expect(Object.keys(untagged)).toEqual([REDOS_ID]);
  });

  it('filters /v1/agent/checks', async () => {
    const critical = (await consul.agent.check.list({ filter: 'Status == critical' } as never)) as Record<string, unknown>;
    expect(Object.keys(critical).sort()).toEqual(['service:db-1', 'service:web-2']);
    const web = (await consul.agent.check.list({ filter: 'ServiceName == web and Status != critical' } as never)) as Record<string, unknown>;
    expect(Object.keys(web)).toEqual(['service:web-1']);
  });

  it('filters the catalog: nodes, service instances and a node\'s services', async () => {
    const nodes = (await consul.catalog.node.list({ filter: 'Node == "filter-1"' } as never)) as Array<{ Node: string }>;
    expect(nodes.map((n) => n.Node)).toEqual(['filter-1']);
    expect(await consul.catalog.node.list({ filter: 'Node != "filter-1"' } as never)).toEqual([]);
    const web = (await consul.catalog.service.nodes({ service: 'web', filter: 'ServiceMeta.env == staging or ServicePort == 8082' } as never)) as Array<{
      ServiceID: string;
    }>;
    expect(web.map((s) => s.ServiceID).sort()).toEqual([REDOS_ID, 'web-2']);
    // The client turns a 400 into `bad request` (the text itself is checked over plain HTTP below).
    const bad = (await consul.catalog.node.services({ node: 'filter-1', filter: 'Port >= 1' } as never).catch((e: Error) => e)) as Error;
    expect(bad.message).toBe('bad request');
    const own = (await consul.catalog.node.services({ node: 'filter-1', filter: 'Service == db' } as never)) as { Services: Record<string, unknown> };
    expect(Object.keys(own.Services)).toEqual(['db-1']);
  });

  it('filters health: node, checks, service and state', async () => {
    const nodeChecks = (await consul.health.node({ node: 'filter-1', filter: 'ServiceID == "web-1"' } as never)) as Array<{ CheckID: string }>;
    expect(nodeChecks.map((c) => c.CheckID)).toEqual(['service:web-1']);
    const checks = (await consul.health.checks({ service: 'web', filter: 'Status == passing' } as never)) as Array<{ CheckID: string }>;
    expect(checks.map((c) => c.CheckID)).toEqual(['service:web-1']);
    const entries = (await consul.health.service({ service: 'web', filter: 'Checks.Status == critical' } as never)) as Array<{ Service: { ID: string } }>;
    expect(entries.map((e) => e.Service.ID)).toEqual(['web-2']);
    const state = (await consul.health.state({ state: 'critical', filter: 'ServiceTags contains v1' } as never)) as Array<{ CheckID: string }>;
    expect(state.map((c) => c.CheckID)).toEqual(['service:db-1']);
  });

  it("answers a bad expression or an unknown selector with 400 and Consul's text", async () => {
    expect(await get('/v1/agent/services', 'foo')).toEqual({
      status: 400,
      body: 'Failed to create boolean expression evaluator: 1:4 (3): no match found, expected: "!=", ".", "==", "[", [ \\t\\r\\n] or [a-zA-Z0-9_]',
    });
    expect(await get('/v1/agent/checks', 'Nope == 1')).toEqual({
      status: 400,
      body: 'Failed to create boolean expression evaluator: Selector "Nope" is not valid',
    });
    expect(await get('/v1/catalog/nodes', 'Address == 10.10.10.10')).toEqual({
      status: 400,
      body: 'Failed to create boolean expression evaluator: 1:17 (16): rule "number": Invalid number literal',
    });
    expect(await get('/v1/health/service/web', 'Service.Port == abc')).toEqual({
      status: 400,
      body: 'Failed to create boolean expression evaluator: Failed to coerce value "abc" for selector "Service.Port": strconv.ParseInt: parsing "abc": invalid syntax',
    });
    expect(await get('/v1/catalog/service/web', 'ServiceID matches "(?<"')).toEqual({
      status: 400,
      body: 'Failed to create boolean expression evaluator: Failed to compile regular expression "(?<": error parsing regexp: invalid named capture: `(?<`',
    });
  });

  it('answers the ReDoS pattern of issue 16 over the 29-character ID, with Go regexp semantics', async () => {
    const none = await get('/v1/catalog/service/web', 'ServiceID matches "(a+)+$"');
    expect(none.status).toBe(200);
    expect(JSON.parse(none.body)).toEqual([]);
    const bang = (await consul.catalog.service.nodes({ service: 'web', filter: 'ServiceID matches "(a+)+!$"' } as never)) as Array<{ ServiceID: string }>;
    expect(bang.map((s) => s.ServiceID)).toEqual([REDOS_ID]);
    // \z and \pL are Go's; a JS RegExp reads neither that way.
    const go = (await consul.catalog.service.nodes({ service: 'web', filter: 'ServiceID matches `^\\pL+-\\d\\z`' } as never)) as Array<{ ServiceID: string }>;
    expect(go.map((s) => s.ServiceID).sort()).toEqual(['web-1', 'web-2']);
  });
});
