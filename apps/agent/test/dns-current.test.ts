// DNS answers are cached (the reply bytes per query, packages/dns/src/wire-answer-cache.ts) but always current: a
// catalog change is in the very next answer once the write that made it has returned. A dev agent, real `dig`
// (+nocookie, so that repeated questions are byte for byte the same and hit the cache), each step asked twice before
// the next write so that the cache holds the old answer when the write lands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  expect(res.status, `${path}: ${await res.text()}`).toBe(200);
}

/** The A answers for `name`, asked twice (the second from the cache), both the same. */
async function addresses(name: string): Promise<string[] | 'NXDOMAIN'> {
  const ask = async () => {
    const r = await dig(agent.dnsPort, name, 'A', ['+nocookie', '+noedns']);
    return r.status === 'NXDOMAIN' ? 'NXDOMAIN' : r.answer.map((a) => a[4]!).sort();
  };
  const first = await ask();
  expect(await ask()).toEqual(first);
  return first;
}

beforeAll(async () => {
  agent = await startDevAgent();
});
afterAll(async () => {
  await agent?.stop();
});

describe('DNS answers after a write', () => {
  it('shows registrations, deregistrations and check changes in the next answer', async () => {
    const service = (node: string, address: string, status?: string) => ({
      Node: node,
      Address: address,
      Service: { ID: 'api', Service: 'api', Port: 80 },
      ...(status ? { Check: { CheckID: 'api-alive', Name: 'alive', ServiceID: 'api', Status: status } } : {}),
    });
    expect(await addresses('api.service.consul')).toBe('NXDOMAIN');
    await put('/v1/catalog/register', service('n1', '10.2.0.1', 'passing'));
    expect(await addresses('api.service.consul')).toEqual(['10.2.0.1']);
    await put('/v1/catalog/register', service('n2', '10.2.0.2'));
    expect(await addresses('api.service.consul')).toEqual(['10.2.0.1', '10.2.0.2']);
    await put('/v1/catalog/register', service('n1', '10.2.0.1', 'critical'));
    expect(await addresses('api.service.consul')).toEqual(['10.2.0.2']);
    // A KV write moves the Raft index but not the catalog: the answer stays what it is.
    await put('/v1/kv/unrelated', 'x');
    expect(await addresses('api.service.consul')).toEqual(['10.2.0.2']);
    await put('/v1/catalog/deregister', { Node: 'n2' });
    expect(await addresses('api.service.consul')).toBe('NXDOMAIN');
    await put('/v1/catalog/register', service('n1', '10.2.0.1', 'passing'));
    expect(await addresses('api.service.consul')).toEqual(['10.2.0.1']);
    // A node's address changes its node answer, too.
    expect(await addresses('n1.node.consul')).toEqual(['10.2.0.1']);
    await put('/v1/catalog/register', { Node: 'n1', Address: '10.2.0.11' });
    expect(await addresses('n1.node.consul')).toEqual(['10.2.0.11']);
    expect(await addresses('api.service.consul')).toEqual(['10.2.0.11']);
  });

  it('shows a service registered with the agent, and its check going critical, in the next answer', async () => {
    await put('/v1/agent/service/register', { Name: 'web', Address: '10.3.0.1', Port: 80, Check: { CheckID: 'web-ttl', TTL: '10m', Status: 'passing' } });
    expect(await addresses('web.service.consul')).toEqual(['10.3.0.1']);
    await put('/v1/agent/check/fail/web-ttl', {});
    expect(await addresses('web.service.consul')).toBe('NXDOMAIN');
    await put('/v1/agent/check/pass/web-ttl', {});
    expect(await addresses('web.service.consul')).toEqual(['10.3.0.1']);
    await put('/v1/agent/service/deregister/web', {});
    expect(await addresses('web.service.consul')).toBe('NXDOMAIN');
  });
});
