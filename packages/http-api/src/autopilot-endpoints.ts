// /v1/operator/autopilot/{configuration,health,state}, /v1/operator/raft/transfer-leader and /v1/operator/usage.
// The configuration is read from the replicated state and written through the log (autopilot.set, with ?cas);
// health and state are the leader's view of its servers, which the agent computes (OperatorEndpoints.autopilot);
// usage counts the catalog.

import { formatGoDuration, parseGoDuration } from '@conclave/toolkit';
import { NoLeaderError, type AutopilotConfig, type StoredAutopilotConfig } from '@conclave/state';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { read } from './catalog-endpoints.js';

/** One server as the leader's autopilot sees it. */
export interface AutopilotServerFacts {
  id: string;
  name: string;
  address: string;
  serfStatus: string;
  version: string;
  leader: boolean;
  voter: boolean;
  lastContactNs: number;
  lastTerm: number;
  lastIndex: number;
  healthy: boolean;
  /** When `healthy` last changed (RFC 3339). */
  stableSince: string;
  meta: Record<string, string>;
}

export interface AutopilotFacts {
  healthy: boolean;
  failureTolerance: number;
  optimisticFailureTolerance: number;
  servers: AutopilotServerFacts[];
}

/** Answers the autopilot and usage paths; false when `rest` is none of them. */
export async function handleAutopilot(call: ApiCall, rest: string): Promise<boolean> {
  switch (rest) {
    case 'autopilot/configuration':
      if (call.method === 'GET') await getConfiguration(call);
      else if (call.method === 'PUT') await putConfiguration(call);
      else call.allow('GET', 'PUT');
      return true;
    case 'autopilot/health': {
      if (!call.allow('GET')) return true;
      const facts = await autopilotFacts(call);
      // Consul answers an unhealthy cluster with 429 so that a load balancer's check sees it.
      call.json(facts.healthy ? 200 : 429, {
        Healthy: facts.healthy,
        FailureTolerance: facts.failureTolerance,
        Servers: facts.servers.map((s) => ({
          ID: s.id,
          Name: s.name,
          Address: s.address,
          SerfStatus: s.serfStatus,
          Version: s.version,
          Leader: s.leader,
          LastContact: formatGoDuration(s.lastContactNs),
          LastTerm: s.lastTerm,
          LastIndex: s.lastIndex,
          Healthy: s.healthy,
          Voter: s.voter,
          StableSince: s.stableSince,
        })),
      });
      return true;
    }
    case 'autopilot/state': {
      if (!call.allow('GET')) return true;
      const facts = await autopilotFacts(call);
      const servers: Record<string, unknown> = {};
      for (const s of facts.servers) {
        servers[s.id] = {
          ID: s.id,
          Name: s.name,
          Address: s.address,
          NodeStatus: s.serfStatus,
          Version: s.version,
          LastContact: formatGoDuration(s.lastContactNs),
          LastTerm: s.lastTerm,
          LastIndex: s.lastIndex,
          Healthy: s.healthy,
          StableSince: s.stableSince,
          ReadReplica: false,
          Status: s.leader ? 'leader' : s.voter ? 'voter' : 'non-voter',
          Meta: s.meta,
          NodeType: 'voter',
        };
      }
      call.json(200, {
        Healthy: facts.healthy,
        FailureTolerance: facts.failureTolerance,
        OptimisticFailureTolerance: facts.optimisticFailureTolerance,
        Servers: servers,
        Leader: facts.servers.find((s) => s.leader)?.id ?? '',
        Voters: facts.servers.filter((s) => s.voter).map((s) => s.id),
      });
      return true;
    }
    case 'raft/transfer-leader': {
      if (!call.allow('POST')) return true;
      call.checkDatacenter();
      const op = call.backend.operator;
      if (!op?.transferLeader) throw new NoLeaderError();
      const id = call.query.empty ? '' : (call.query.get('id') ?? '');
      await op.transferLeader(id);
      call.json(200, { Success: true });
      return true;
    }
    case 'usage':
      if (!call.allow('GET')) return true;
      await usage(call);
      return true;
  }
  return false;
}

async function autopilotFacts(call: ApiCall): Promise<AutopilotFacts> {
  call.checkDatacenter();
  const op = call.backend.operator;
  if (!op?.autopilot) throw new NoLeaderError();
  return op.autopilot();
}

/** api.AutopilotConfiguration: durations as Go prints them. */
function configJson(c: StoredAutopilotConfig | (AutopilotConfig & { CreateIndex?: number; ModifyIndex?: number })): Record<string, unknown> {
  return {
    CleanupDeadServers: c.CleanupDeadServers,
    LastContactThreshold: formatGoDuration(c.LastContactThreshold),
    MaxTrailingLogs: c.MaxTrailingLogs,
    MinQuorum: c.MinQuorum,
    ServerStabilizationTime: formatGoDuration(c.ServerStabilizationTime),
    RedundancyZoneTag: c.RedundancyZoneTag,
    DisableUpgradeMigration: c.DisableUpgradeMigration,
    UpgradeVersionTag: c.UpgradeVersionTag,
    CreateIndex: c.CreateIndex ?? 0,
    ModifyIndex: c.ModifyIndex ?? 0,
  };
}

async function getConfiguration(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const mode = call.consistency();
  if (mode === 'consistent') await call.backend.log.barrier();
  const stored = call.backend.state.autopilot.get();
  // Consul's leader stores the agent's settings on taking office; until that write lands, "no leader yet".
  if (!stored) throw new ApiError(500, 'autopilot config not initialized yet');
  call.json(200, configJson(stored));
}

async function putConfiguration(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const body = await call.readJson();
  const config = decodeConfig(body ?? {});
  let cas: number | undefined;
  if (!call.query.empty && call.query.has('cas')) {
    const raw = call.query.get('cas') ?? '';
    if (!/^[0-9]+$/.test(raw)) throw new ApiError(400, `Error parsing cas value: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`);
    cas = Number(raw);
  }
  const result = (await call.backend.log.propose({ type: 'autopilot.set', Config: config, ...(cas !== undefined ? { Cas: cas } : {}) })).result;
  if (typeof result === 'object' && result !== null && 'error' in result) throw new ApiError(500, String((result as { error: unknown }).error));
  // Only a CAS answers what happened; a plain write answers true, as Consul's handler does.
  call.json(200, cas === undefined ? true : result === true);
}

/** Consul decodes api.AutopilotConfiguration (keys case-insensitively, durations as strings or ns numbers);
 * a field left out is its zero value: the PUT replaces the whole configuration. */
function decodeConfig(body: unknown): AutopilotConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'Error parsing autopilot config: expected a JSON object');
  const lower = new Map(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v] as const));
  const bad = (field: string, v: unknown) => new ApiError(400, `Error parsing autopilot config: ${field}: invalid value ${JSON.stringify(v)}`);
  const bool = (field: string): boolean => {
    const v = lower.get(field.toLowerCase());
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw bad(field, v);
    return v;
  };
  const uint = (field: string): number => {
    const v = lower.get(field.toLowerCase());
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(field, v);
    return v;
  };
  const str = (field: string): string => {
    const v = lower.get(field.toLowerCase());
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw bad(field, v);
    return v;
  };
  const duration = (field: string): number => {
    const v = lower.get(field.toLowerCase());
    if (v === undefined || v === null || v === '') return 0;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (typeof v !== 'string') throw bad(field, v);
    let ns: number;
    try {
      ns = parseGoDuration(v);
    } catch (err) {
      throw new ApiError(400, `Error parsing autopilot config: ${(err as Error).message}`);
    }
    if (ns < 0) throw bad(field, v);
    return ns;
  };
  return {
    CleanupDeadServers: bool('CleanupDeadServers'),
    LastContactThreshold: duration('LastContactThreshold'),
    MaxTrailingLogs: uint('MaxTrailingLogs'),
    MinQuorum: uint('MinQuorum'),
    ServerStabilizationTime: duration('ServerStabilizationTime'),
    RedundancyZoneTag: str('RedundancyZoneTag'),
    DisableUpgradeMigration: bool('DisableUpgradeMigration'),
    UpgradeVersionTag: str('UpgradeVersionTag'),
  };
}

/** Consul's OperatorUsage: services, instances, connect kinds and nodes of this datacenter, blocking-capable. */
async function usage(call: ApiCall): Promise<void> {
  const catalog = call.backend.state.catalog;
  const dc = call.backend.datacenter;
  return read(
    call,
    (ws) => {
      const services = catalog.serviceList({}, ws);
      const nodes = catalog.nodeList({}, ws);
      const connect: Record<string, number> = {
        'api-gateway': 0,
        'connect-native': 0,
        'connect-proxy': 0,
        'ingress-gateway': 0,
        'mesh-gateway': 0,
        'terminating-gateway': 0,
      };
      let instances = 0;
      let billable = 0;
      for (const name of Object.keys(services.value)) {
        for (const s of catalog.serviceNodes(name, {}, ws).value) {
          instances++;
          if (s.ServiceKind && s.ServiceKind in connect) connect[s.ServiceKind]!++;
          else if (s.ServiceConnect?.Native === true) connect['connect-native']!++;
          // Consul bills typical service instances: not proxies or gateways, not the servers' own `consul`.
          if (!s.ServiceKind && name !== 'consul') billable++;
        }
      }
      const value = {
        [dc]: {
          Services: Object.keys(services.value).length,
          ServiceInstances: instances,
          ConnectServiceInstances: connect,
          BillableServiceInstances: billable,
          Nodes: nodes.value.length,
        },
      };
      return { index: Math.max(services.index, nodes.index), value };
    },
    (r) => ({ Usage: r.value, Index: r.index }),
  );
}

