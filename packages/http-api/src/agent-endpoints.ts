// What /v1/agent/* needs from the agent it runs in. The agent (packages/agent) implements it; the HTTP layer
// only routes, parses query parameters and encodes JSON. Bodies are passed on decoded from JSON but not
// validated, because the agent validates service and check definitions the same way for config files.
// Methods throw ApiError (or DecodeError from @conclave/catalog, answered 400) for bad input.

import type { LogSink } from '@conclave/toolkit';
import type { AgentSelfFacts, MemberFacts } from './agent-json.js';

export interface RequestContext {
  /** The ACL token the request carried (`?token=`, `X-Consul-Token`, `Authorization: Bearer`), or ''. */
  token: string;
}

export interface AgentEndpoints {
  /** GET /v1/agent/self: the facts agent-json.ts shapes into {Config, DebugConfig, Coord, Member, Stats, Meta}. */
  self(): Promise<AgentSelfFacts>;
  /** GET /v1/agent/members: the members, shaped by agent-json.ts (numeric Status). */
  members(opts: { wan: boolean; segment?: string }): Promise<MemberFacts[]>;
  /** GET /v1/agent/services: map ID -> service, without the built-in `consul` service. */
  services(ctx: RequestContext): Promise<Record<string, unknown>>;
  /** GET /v1/agent/service/:id, or undefined when unknown (404). */
  service(id: string, ctx: RequestContext): Promise<unknown | undefined>;
  /** GET /v1/agent/checks: map CheckID -> check. */
  checks(ctx: RequestContext): Promise<Record<string, unknown>>;
  /** Calls `listener` once at the next change of this agent's local services or checks (hash-blocking
   * queries wait on it); returns a function that cancels. Without it ?hash= answers at once. */
  watchLocal?(listener: () => void): () => void;
  /** GET /v1/agent/health/service/id/:id and name/:name: aggregated status and the entries. */
  serviceHealthById(id: string): Promise<{ status: string; entry: unknown } | undefined>;
  serviceHealthByName(name: string): Promise<{ status: string; entries: unknown[] }>;
  /** PUT /v1/agent/service/register[?replace-existing-checks] */
  registerService(body: unknown, opts: { replaceExistingChecks: boolean }, ctx: RequestContext): Promise<void>;
  /** PUT /v1/agent/service/deregister/:id */
  deregisterService(id: string, ctx: RequestContext): Promise<void>;
  /** PUT /v1/agent/check/register */
  registerCheck(body: unknown, ctx: RequestContext): Promise<void>;
  /** PUT /v1/agent/check/deregister/:id */
  deregisterCheck(id: string, ctx: RequestContext): Promise<void>;
  /** PUT /v1/agent/check/pass|warn|fail/:id?note= (status is passing|warning|critical) */
  updateTtlCheck(id: string, status: 'passing' | 'warning' | 'critical', note: string, ctx: RequestContext): Promise<void>;
  /** PUT /v1/agent/check/update/:id with body {Status, Output} */
  updateCheck(id: string, body: unknown, ctx: RequestContext): Promise<void>;
  /** PUT /v1/agent/service/maintenance/:id?enable=&reason= */
  serviceMaintenance(id: string, enable: boolean, reason: string, ctx: RequestContext): Promise<void>;
  /** PUT /v1/agent/maintenance?enable=&reason= */
  nodeMaintenance(enable: boolean, reason: string, ctx: RequestContext): Promise<void>;
  /** GET /v1/agent/host: Consul's debug.HostInfo in gopsutil's shapes: {Memory, CPU, Host, Disk, CollectionTime, Errors}. */
  host(ctx: RequestContext): Promise<Record<string, unknown>>;
  /** GET /v1/agent/version: Consul's version.BuildInfo {SHA, BuildDate, HumanVersion, FIPS}. */
  version(): Promise<Record<string, unknown>>;
  /** PUT /v1/agent/reload */
  reload(): Promise<void>;
  /** PUT /v1/agent/join/:address[?wan=1] */
  join(address: string, wan: boolean): Promise<void>;
  /** PUT /v1/agent/leave */
  leave(): Promise<void>;
  /** PUT /v1/agent/force-leave/:node[?prune] */
  forceLeave(node: string, prune: boolean, wan?: boolean): Promise<void>;
  /** GET /v1/agent/monitor: adds the sink to the agent's logger until `stop`, which is told how many lines the
   * client lost (the agent logs Consul's "Dropped logs during monitor request" when there were any). */
  monitor(sink: LogSink): { stop(dropped: number): void };
  /** GET /v1/agent/metrics: go-metrics' summary of the last finished 10 s interval (Timestamp, Gauges, ...). */
  metrics(): unknown;
  /** GET /v1/agent/metrics?format=prometheus: the text exposition, or undefined when prometheus_retention_time
   * is not positive (answered 415 as Consul does). The agent may hold a scrape back to pace scrapers. */
  prometheusMetrics(): Promise<string | undefined>;
  /** GET /v1/agent/metrics/stream: `listener` gets each interval's summary (metrics()' shape) when the interval
   * ends, until `stop`. */
  metricsStream?(listener: (summary: unknown) => void): { stop(): void };
}
