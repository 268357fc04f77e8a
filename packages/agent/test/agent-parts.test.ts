// The agent's parts wired as Agent wires them for -dev, without a process: a LocalLog on a real state machine
// behind the real HTTP API, and the facts /v1/agent/self and /v1/operator/raft/configuration are shaped from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateMachine, NoLeaderError, type Command } from '@conclave/state';
import { createHttpApi, selfJson, type HttpApi } from '@conclave/http-api';
import { defaultConfig } from '../src/config/agent-config.js';
import { LocalLog } from '../src/local-log.js';
import { LocalState } from '../src/local-state.js';
import { LocalServices } from '../src/local-services.js';
import { LocalUserEvents } from '../src/user-events.js';
import { SessionTimers } from '@conclave/state';
import { AgentFacts } from '../src/agent-facts.js';
import { agentApiBackend } from '../src/api-backend.js';
import { nodeIdentity, selfRegistration } from '../src/node-identity.js';
import type { ConsulMember } from '../src/membership.js';
import { memoryLogger } from './support.js';
import { AgentMetrics } from '../src/agent-metrics.js';

function devParts() {
  const config = { ...defaultConfig('node1'), dev: true, server: true, bootstrap: true, nodeId: '11111111-2222-3333-4444-555555555555' };
  const identity = nodeIdentity(config);
  const state = new StateMachine();
  // Telemetry as with prometheus_retention_time = "60s": the JSON and the Prometheus views of the same metrics.
  const metrics = new AgentMetrics({ ...config, telemetry: { ...config.telemetry, prometheusRetentionMs: 60_000 } }, memoryLogger(), 'host1');
  const log = metrics.measuredLog(new LocalLog((cmd: Command, i) => state.apply(cmd, i)));
  const local = new LocalState();
  const { services, scheduler } = LocalServices.withChecks(local, config, memoryLogger());
  const facts = new AgentFacts({
    config: () => config,
    identity,
    dev: true,
    log,
    raftServer: undefined,
    membership: () => undefined,
    localCounts: () => ({ checks: local.checks.size, services: local.services.size }),
    startedAt: Date.now(),
  });
  return { config, identity, state, log, local, services, scheduler, facts, metrics };
}

describe('-dev parts', () => {
  const p = devParts();
  let api: HttpApi;
  let base = '';

  beforeAll(async () => {
    await p.log.propose(selfRegistration(p.identity, p.config.ports.server));
    api = createHttpApi(
      agentApiBackend({
        config: p.config,
        node: p.identity.node,
        client: false,
        state: p.state,
        log: p.log,
        facts: p.facts,
        local: p.local,
        services: p.services,
        events: new LocalUserEvents({ node: p.identity.node, services: () => [] }),
        sessionTimers: new SessionTimers({ state: p.state, propose: (c) => p.log.propose(c) }),
        forwarder: undefined,
        reload: async () => {},
        join: async () => ({ joined: 0, errors: ['no'] }),
        leave: async () => {},
        logger: memoryLogger(),
        forceLeave: () => false,
        gossip: () => undefined,
        metrics: p.metrics,
      }),
      { onRequestDone: (method, route, ms) => p.metrics.http(method, route).add(ms) },
    );
    base = `http://127.0.0.1:${(await api.listen(0, '127.0.0.1')).port}`;
  });

  afterAll(async () => {
    await api.close();
    await p.scheduler.stop();
    p.metrics.close();
  });

  it("counts KV writes and HTTP requests under Consul's names, in both views", async () => {
    const scrape = async () => (await fetch(`${base}/v1/agent/metrics?format=prometheus`)).text();
    const count = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await scrape();
    for (let i = 0; i < 3; i++) await fetch(`${base}/v1/kv/m${i}`, { method: 'PUT', body: 'v' });
    await fetch(`${base}/v1/kv/m0`);
    const after = await scrape();
    expect(count(after, 'consul_kvs_apply_count') - count(before, 'consul_kvs_apply_count')).toBe(3);
    const put = 'consul_api_http_count{method="PUT",path="v1_kv_"}';
    expect(count(after, put) - count(before, put)).toBe(3);
    expect(count(after, 'consul_api_http_count{method="GET",path="v1_kv_"}')).toBeGreaterThanOrEqual(1);
    expect(after).toContain('# HELP consul_kvs_apply Measures the time it takes to complete an update to the KV store.\n# TYPE consul_kvs_apply summary\n');
    const json = (await (await fetch(`${base}/v1/agent/metrics`)).json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['Timestamp', 'Gauges', 'PrecisionGauges', 'Points', 'Counters', 'Samples']);
    expect(json.Timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d0 \+0000 UTC$/);
  });

  it('a KV PUT goes from the HTTP API through the local log into the state machine', async () => {
    const res = await fetch(`${base}/v1/kv/hello`, { method: 'PUT', body: 'world' });
    expect(await res.text()).toBe('true');
    const entry = p.state.kv.get('hello').value!;
    expect(Buffer.from(entry.Value!).toString()).toBe('world');
    expect(entry.ModifyIndex).toBe(p.log.lastIndex());
  });

  it('answers /v1/agent/self and the Raft configuration from the facts', async () => {
    const self = (await (await fetch(`${base}/v1/agent/self`)).json()) as { Config: { NodeName: string }; Stats: { raft: Record<string, string> } };
    expect(self.Config.NodeName).toBe('node1');
    expect(self.Stats.raft).toEqual({ applied_index: String(p.log.lastIndex()), commit_index: String(p.log.lastIndex()), state: 'Leader', num_peers: '0' });
    const raft = await (await fetch(`${base}/v1/operator/raft/configuration`)).json();
    expect(raft).toEqual({
      Servers: [{ ID: '11111111-2222-3333-4444-555555555555', Node: 'node1', Address: `${p.identity.address}:8300`, Leader: true, ProtocolVersion: '3', Voter: true }],
      Index: 1,
    });
    const member = selfJson(p.facts.self()).Member as { Tags: Record<string, string>; Status: number };
    expect(member.Tags.role).toBe('consul');
    expect(member.Status).toBe(1);
  });

  it("answers the agent endpoints' refusals with Consul's statuses and words (mapped only in http-api)", async () => {
    const put = async (path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
      return [res.status, await res.text()];
    };
    expect(await put('/v1/agent/service/deregister/nope')).toEqual([404, 'Unknown service ID "nope". Ensure that the service ID is passed, not the service name.']);
    expect(await put('/v1/agent/check/deregister/nope')).toEqual([404, 'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.']);
    expect(await put('/v1/agent/service/deregister/consul')).toEqual([400, 'Deregistering the "consul" service is not allowed']);
    expect(await put('/v1/agent/check/pass/nope')).toEqual([500, 'CheckID "nope" does not have associated TTL']);
    expect(await put('/v1/agent/check/update/nope', { Status: 'fine' })).toEqual([400, "Invalid check status: 'fine'"]);
    expect(await put('/v1/agent/force-leave/ghost')).toEqual([500, "agent: No node found with name 'ghost'"]);
    expect(await put('/v1/agent/join/10.0.0.9')).toEqual([500, 'no']);
  });

  it('a log that cannot commit answers 500 No cluster leader', async () => {
    const failing = createHttpApi({
      state: p.state,
      log: { propose: async () => Promise.reject(new NoLeaderError()), barrier: async () => {}, lastIndex: () => 0 },
      leadership: () => ({ knownLeader: false, lastContactMs: 0, leaderAddress: '' }),
      peers: () => [],
      agent: {} as never,
      datacenter: 'dc1',
      nodeName: 'node1',
    });
    const port = (await failing.listen(0, '127.0.0.1')).port;
    const res = await fetch(`http://127.0.0.1:${port}/v1/kv/x`, { method: 'PUT', body: 'v' });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('No cluster leader');
    await failing.close();
  });
});

describe('server facts', () => {
  it('list voters and learners sorted with their gossip IDs and addresses, the leader marked', () => {
    const config = { ...defaultConfig('s1'), server: true, nodeId: 'id-s1' };
    const member = (name: string, port: number): ConsulMember =>
      ({ Name: name, Addr: '10.0.0.1', Port: 8301, Tags: { role: 'consul', dc: 'dc1', port: String(port), id: `id-${name}` }, Status: 1 }) as unknown as ConsulMember;
    const members = [member('s2', 8302), member('s1', 8300), member('s3', 8303)];
    const removed: string[] = [];
    const facts = new AgentFacts({
      config: () => config,
      identity: nodeIdentity(config),
      dev: false,
      log: { lastIndex: () => 9 },
      raftServer: {
        isLeader: () => true,
        leaderAddress: () => '10.0.0.1:8300',
        lastContactMs: () => 0,
        configuration: () => ({ voters: ['s2', 's1'], learners: ['s3'] }),
        appliedIndex: () => 9,
        running: true,
        removePeer: async (id: string) => void removed.push(id),
        peers: () => ['10.0.0.1:8300', '10.0.0.1:8302'],
        stats: () => ({ state: 'Leader', term: '2' }),
      },
      membership: () => ({
        local: () => members[1]!,
        members: () => members,
        serfStats: () => ({ members: 3, failed: 0, left: 0, healthScore: 0, eventTime: 4, encrypted: false }),
      }),
      localCounts: () => ({ checks: 0, services: 0 }),
      startedAt: Date.now(),
    });
    expect(facts.raftConfiguration()).toEqual({
      servers: [
        { id: 'id-s1', node: 's1', address: '10.0.0.1:8300', leader: true, voter: true },
        { id: 'id-s2', node: 's2', address: '10.0.0.1:8302', leader: false, voter: true },
        { id: 'id-s3', node: 's3', address: '10.0.0.1:8303', leader: false, voter: false },
      ],
      index: 9,
    });
    expect(facts.self().raft).toEqual({
      kind: 'raft',
      appliedIndex: 9,
      state: 'Leader',
      configuration: { voters: ['s2', 's1'], learners: ['s3'] },
      stats: { state: 'Leader', term: '2' },
    });
    expect(facts.self().serfLan).toEqual({ members: 3, failed: 0, left: 0, healthScore: 0, eventTime: 4, encrypted: false });
    expect(facts.self().knownServers).toBeUndefined();
    return Promise.all([
      facts.removeRaftPeer({ id: 'id-s3', address: '' }).then(() => expect(removed).toEqual(['s3'])),
      expect(facts.removeRaftPeer({ id: '', address: '10.9.9.9:1' })).rejects.toThrow('id "10.9.9.9:1" was not found in the Raft configuration'),
    ]);
  });
});

describe('config-file definitions', () => {
  it('a reload registers the new definitions and drops the config-file services and checks that are gone', async () => {
    const p = devParts();
    const def = (raw: unknown) => ({ raw, origin: 'web.json' });
    const first = p.services.loadDefinitions({
      services: [def({ name: 'web', port: 80 }), def({ name: 'db', port: 5432 })],
      checks: [def({ id: 'mem', name: 'mem', ttl: '30s' })],
    });
    expect([...first.services].sort()).toEqual(['db', 'web']);
    expect(p.services.reloadDefinitions({ services: [def({ name: 'web', port: 81 })], checks: [] })).toEqual({ services: 1, checks: 0 });
    expect([...p.local.services.keys()]).toEqual(['web']);
    expect(p.local.services.get('web')!.service.Port).toBe(81);
    expect(p.local.checks.has('mem')).toBe(false);
    await p.scheduler.stop();
  });
});
