// A real StateMachine behind a real HTTP server on 127.0.0.1:0. The log is the simplest honest one: each
// write is applied at the next index (the production local log and Raft belong to the agent).

import { StateMachine } from '@conclave/state';
import { createLogger, type LogSink, type RootLogger } from '@conclave/toolkit';
import type { Command, CommandLog, CommandResult, RestoreSource } from '@conclave/state';
import { createHttpApi, StateTokenResolver } from '../src/index.js';
import type { AgentEndpoints, AgentSelfFacts, ApiBackend, HttpApi, HttpApiOptions, Leadership } from '../src/index.js';

export interface AgentCall {
  method: string;
  args: unknown[];
}

/** What a -dev agent named node1 reports about itself. */
export function selfFacts(over: Partial<AgentSelfFacts> = {}): AgentSelfFacts {
  return {
    datacenter: 'dc1',
    nodeName: 'node1',
    nodeId: '8ce8c9d5-2a68-4dd5-a2e4-a5d7e3e1b7f1',
    version: '0.1.0',
    server: true,
    dev: true,
    bootstrap: true,
    sessionTtlMinNs: 10e9,
    clientAddr: '127.0.0.1',
    bindAddr: '127.0.0.1',
    domain: 'consul.',
    recursors: [],
    httpPort: 8500,
    dnsPort: 8600,
    enableScriptChecks: false,
    enableLocalScriptChecks: false,
    member: { name: 'node1', address: '127.0.0.1', serfPort: -1, tags: { role: 'consul', dc: 'dc1' } },
    checks: 0,
    services: 0,
    leader: true,
    leaderAddress: '127.0.0.1:8300',
    raft: { kind: 'local', index: 1 },
    uptimeSeconds: 3,
    meta: { 'consul-network-segment': '' },
    ...over,
  };
}

/** What the recording agent's /v1/agent/metrics?format=prometheus answers (undefined: Prometheus is off). */
export const prometheusText: { value: string | undefined } = { value: undefined };

/** Records what the HTTP layer passed and answers with fixed data; monitors subscribe to `logger` as the agent's
 * do (api-backend.ts), and the last sink given is kept in `sinks`. */
export function recordingAgent(calls: AgentCall[], logger: RootLogger = createLogger('off'), sinks: LogSink[] = []): AgentEndpoints {
  const rec =
    (method: string, answer?: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      return answer ? answer(...args) : undefined;
    };
  return {
    self: rec('self', () => selfFacts()),
    members: rec('members', () => [{ gossip: { Name: 'node1', Addr: '127.0.0.1', Port: 8301, Status: 1 } }]),
    services: rec('services', () => ({ web: { ID: 'web', Service: 'web' } })),
    service: rec('service', (id) => (id === 'web/1' ? { ID: 'web/1', Service: 'web' } : undefined)),
    checks: rec('checks', () => ({})),
    serviceHealthById: rec('serviceHealthById', (id) => (id === 'web' ? { status: 'warning', entry: { ID: 'web' } } : undefined)),
    serviceHealthByName: rec('serviceHealthByName', (name) =>
      name === 'web' ? { status: 'critical', entries: [{ ID: 'web' }] } : { status: 'critical', entries: [] },
    ),
    registerService: rec('registerService'),
    deregisterService: rec('deregisterService'),
    registerCheck: rec('registerCheck'),
    deregisterCheck: rec('deregisterCheck'),
    updateTtlCheck: rec('updateTtlCheck'),
    updateCheck: rec('updateCheck'),
    serviceMaintenance: rec('serviceMaintenance'),
    nodeMaintenance: rec('nodeMaintenance'),
    host: rec('host', () => ({ Memory: { total: 1 }, CPU: [], Host: { hostname: 'h' }, Disk: { path: '/' }, CollectionTime: 1, Errors: null })),
    version: rec('version', () => ({ SHA: 'conclave', BuildDate: '1970-01-01T00:00:01Z', HumanVersion: '0.1.0', FIPS: '' })),
    reload: rec('reload'),
    join: rec('join'),
    leave: rec('leave'),
    forceLeave: rec('forceLeave'),
    monitor: (sink: LogSink) => {
      calls.push({ method: 'monitor', args: [sink.level, sink.format] });
      sinks.push(sink);
      const remove = logger.addSink(sink);
      return {
        stop: (dropped: number) => {
          remove();
          if (dropped > 0) logger.warn('Dropped logs during monitor request', { dropped_count: dropped });
        },
      };
    },
    metrics: () => {
      calls.push({ method: 'metrics', args: [] });
      return { Timestamp: '2026-12-06 22:55:00 +0000 UTC', Gauges: [], PrecisionGauges: [], Points: [], Counters: [], Samples: [] };
    },
    prometheusMetrics: async () => {
      calls.push({ method: 'prometheusMetrics', args: [] });
      return prometheusText.value;
    },
  } as AgentEndpoints;
}

/** A log that applies nothing: every proposal succeeds with `true`. */
export function stubLog(): CommandLog {
  let index = 0;
  return { propose: async () => ({ index: ++index, result: true }), barrier: async () => {}, lastIndex: () => index };
}

/** The simplest honest log: each proposal is applied at the next index; `onBarrier` counts ?consistent reads. */
export function applyingLog(state: StateMachine, onBarrier: () => void = () => {}): CommandLog & { write(cmd: Command): Promise<CommandResult> } {
  let index = 0;
  const log = {
    propose: async (cmd: Command) => ({ index: ++index, result: state.apply(cmd, index) }),
    // PUT /v1/snapshot streamed, as the dev agent's log does it.
    restore: async (source: RestoreSource): Promise<{ index: number; result: CommandResult }> => {
      const at = ++index;
      try {
        await state.restoreStream(source.open(), at);
        return { index: at, result: true };
      } catch (err) {
        return { index: at, result: { error: (err as Error).message } };
      }
    },
    barrier: async () => onBarrier(),
    lastIndex: () => index,
    write: async (cmd: Command) => (await log.propose(cmd)).result,
  };
  return log;
}

/** One request to a harness (or any base URL) with an X-Consul-Token unless `token` is undefined, and a JSON body:
 * the status, the body as text and as JSON when it parses, and the headers. */
export async function apiCall(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { method, headers: token !== undefined ? { 'X-Consul-Token': token } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

export interface Harness {
  api: HttpApi;
  state: StateMachine;
  base: string;
  port: number;
  agentCalls: AgentCall[];
  /** The sinks /v1/agent/monitor requests added to the harness logger. */
  monitorSinks: LogSink[];
  write(cmd: Command): Promise<unknown>;
  barriers: number;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    kvMaxValueSize?: number;
    bodyIdleMs?: number;
    http?: HttpApiOptions;
    logger?: RootLogger;
    acl?: { defaultPolicy: 'allow' | 'deny'; defaultToken?: string };
    /** The backend's clock (ms), for tests that move time. */
    now?: () => number;
  } = {},
): Promise<Harness> {
  const state = new StateMachine();
  const agentCalls: AgentCall[] = [];
  const monitorSinks: LogSink[] = [];
  const leadership: Leadership = { knownLeader: true, lastContactMs: 0, leaderAddress: '127.0.0.1:8300' };
  const h = { barriers: 0 } as Harness;
  const log = applyingLog(state, () => {
    h.barriers++;
  });
  const backend: ApiBackend = {
    state,
    log,
    leadership: () => leadership,
    peers: () => ['127.0.0.1:8300'],
    agent: recordingAgent(agentCalls, opts.logger, monitorSinks),
    datacenter: 'dc1',
    nodeName: 'node1',
    limits: opts.kvMaxValueSize || opts.bodyIdleMs ? { kvMaxValueSize: opts.kvMaxValueSize, bodyIdleMs: opts.bodyIdleMs } : undefined,
    acl: opts.acl
      ? new StateTokenResolver(state, { defaultPolicy: opts.acl.defaultPolicy, datacenter: 'dc1', defaultToken: () => opts.acl?.defaultToken ?? '', ...(opts.now ? { now: opts.now } : {}) })
      : undefined,
    ...(opts.now ? { now: opts.now } : {}),
  };
  // What a server registers for itself, as the agent will.
  await log.write({
    type: 'catalog.register',
    Node: 'node1',
    ID: '8ce8c9d5-2a68-4dd5-a2e4-a5d7e3e1b7f1',
    Address: '127.0.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: { lan: '127.0.0.1', lan_ipv4: '127.0.0.1', wan: '127.0.0.1', wan_ipv4: '127.0.0.1' },
    NodeMeta: { 'consul-network-segment': '' },
    Service: { ID: 'consul', Service: 'consul', Port: 8300, Meta: { raft_version: '3', version: '1.17.0' } },
    Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable' },
  });
  const api = createHttpApi(backend, { logger: opts.logger?.named('http'), ...opts.http });
  const addr = await api.listen(0, '127.0.0.1');
  Object.assign(h, {
    api,
    state,
    port: addr.port,
    base: `http://127.0.0.1:${addr.port}`,
    agentCalls,
    monitorSinks,
    write: log.write,
    close: () => api.close(),
  });
  return h;
}
