// /v1/agent/* over the agent's local state: the HTTP layer routes, this answers in Consul's shapes and words.
import { DecodeError, NotFoundError, getField, isPlainObject, type LogSink } from '@conclave/toolkit';
import type { AgentEndpoints, AgentSelfFacts, MemberFacts } from '@conclave/http-api';
import { aggregateStatus, isCheckStatus } from '@conclave/health';
import type { LocalState, LocalService, LocalCheck } from './local-state.js';
import { LocalServices } from './local-services.js';
import type { StateReader } from '@conclave/state';
import { collectHostInfo } from './host-info.js';
import { BUILD_INFO } from './version.js';

export interface AgentFacts {
  self(): AgentSelfFacts;
  members(): MemberFacts[];
  /** The WAN pool's members (a server's federation); absent or empty elsewhere. */
  wanMembers?(): MemberFacts[];
  node: string;
  datacenter: string;
  reload(): Promise<void>;
  join(address: string, wan: boolean): Promise<void>;
  leave(): Promise<void>;
  forceLeave(node: string, prune: boolean, wan?: boolean): Promise<void>;
  monitor(sink: LogSink): { stop(dropped: number): void };
  /** The agent's metrics sinks (agent-metrics.ts). */
  metrics: { summary(): unknown; prometheusText(): Promise<string | undefined>; stream(listener: (summary: unknown) => void): () => void };
}

export class LocalAgentEndpoints implements AgentEndpoints {
  constructor(
    private readonly local: LocalState,
    private readonly services_: LocalServices,
    private readonly state: StateReader,
    private readonly facts: AgentFacts,
  ) {}

  metrics(): unknown {
    return this.facts.metrics.summary();
  }

  metricsStream(listener: (summary: unknown) => void): { stop(): void } {
    return { stop: this.facts.metrics.stream(listener) };
  }

  prometheusMetrics(): Promise<string | undefined> {
    return this.facts.metrics.prometheusText();
  }

  async self(): Promise<AgentSelfFacts> {
    return this.facts.self();
  }

  async members(opts: { wan: boolean }): Promise<MemberFacts[]> {
    return opts.wan ? (this.facts.wanMembers?.() ?? []) : this.facts.members();
  }

  async services(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const id of [...this.local.services.keys()].sort()) out[id] = this.agentService(this.local.services.get(id)!);
    return out;
  }

  async service(id: string): Promise<unknown | undefined> {
    const svc = this.local.services.get(id);
    return svc ? this.agentService(svc) : undefined;
  }

  watchLocal(listener: () => void): () => void {
    return this.local.watchOnce(listener);
  }

  async checks(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const id of [...this.local.checks.keys()].sort()) out[id] = this.agentCheck(this.local.checks.get(id)!);
    return out;
  }

  async serviceHealthById(id: string): Promise<{ status: string; entry: unknown } | undefined> {
    const svc = this.local.services.get(id);
    if (!svc) return undefined;
    const checks = this.healthChecksOf(id);
    return { status: aggregateStatus(checks), entry: { Service: this.agentService(svc), Checks: checks } };
  }

  async serviceHealthByName(name: string): Promise<{ status: string; entries: unknown[] }> {
    const entries: Array<{ AggregatedStatus: string; Service: unknown; Checks: ReturnType<LocalAgentEndpoints['healthChecksOf']> }> = [];
    let all: Array<{ CheckID: string; Status: string }> = [];
    for (const svc of this.local.services.values()) {
      if (svc.service.Service !== name) continue;
      const checks = this.healthChecksOf(svc.service.ID);
      all = all.concat(checks);
      entries.push({ AggregatedStatus: aggregateStatus(checks), Service: this.agentService(svc), Checks: checks });
    }
    return { status: entries.length ? aggregateStatus(all) : 'critical', entries };
  }

  async registerService(body: unknown, opts: { replaceExistingChecks: boolean }): Promise<void> {
    this.services_.registerService(body, 'api', { replaceExistingChecks: opts.replaceExistingChecks });
  }

  async deregisterService(id: string): Promise<void> {
    if (id === 'consul') throw new DecodeError('Deregistering the "consul" service is not allowed');
    if (!this.services_.deregisterService(id)) throw new NotFoundError(`Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
  }

  async registerCheck(body: unknown): Promise<void> {
    this.services_.registerCheck(body, 'api');
  }

  async deregisterCheck(id: string): Promise<void> {
    if (!this.services_.removeCheck(id)) throw new NotFoundError(`Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
  }

  async updateTtlCheck(id: string, status: 'passing' | 'warning' | 'critical', note: string): Promise<void> {
    this.services_.updateTtl(id, status, note);
  }

  async updateCheck(id: string, body: unknown): Promise<void> {
    if (!isPlainObject(body)) throw new DecodeError('Request decode failed: expected a JSON object');
    const status = getField(body, 'Status');
    const output = getField(body, 'Output') ?? '';
    if (!isCheckStatus(status)) throw new DecodeError(`Invalid check status: '${String(status ?? '')}'`);
    if (typeof output !== 'string') throw new DecodeError('Request decode failed: Output must be a string');
    this.services_.updateTtl(id, status, output);
  }

  async serviceMaintenance(id: string, enable: boolean, reason: string): Promise<void> {
    this.services_.setServiceMaintenance(id, enable, reason);
  }

  async nodeMaintenance(enable: boolean, reason: string): Promise<void> {
    this.services_.setNodeMaintenance(enable, reason);
  }

  async host(): Promise<Record<string, unknown>> {
    return collectHostInfo();
  }

  async version(): Promise<Record<string, unknown>> {
    return { ...BUILD_INFO };
  }

  reload(): Promise<void> {
    return this.facts.reload();
  }

  join(address: string, wan: boolean): Promise<void> {
    return this.facts.join(address, wan);
  }

  leave(): Promise<void> {
    return this.facts.leave();
  }

  forceLeave(node: string, prune: boolean, wan?: boolean): Promise<void> {
    return this.facts.forceLeave(node, prune, wan);
  }

  monitor(sink: LogSink): { stop(dropped: number): void } {
    return this.facts.monitor(sink);
  }


  /** Consul's buildAgentService, in api.AgentService's field order (Kind first, omitted when empty; Proxy for
   * proxies and gateways; Connect when native; the hash endpoints add ContentHash before Proxy). */
  private agentService(entry: LocalService): Record<string, unknown> {
    const s = entry.service;
    const out: Record<string, unknown> = {};
    if (s.Kind) out.Kind = s.Kind;
    out.ID = s.ID;
    out.Service = s.Service;
    out.Tags = s.Tags ?? [];
    out.Meta = s.Meta ?? {};
    out.Port = s.Port ?? 0;
    out.Address = s.Address ?? '';
    if (s.TaggedAddresses && Object.keys(s.TaggedAddresses).length > 0) out.TaggedAddresses = s.TaggedAddresses;
    out.Weights = s.Weights ?? { Passing: 1, Warning: 1 };
    out.EnableTagOverride = s.EnableTagOverride ?? false;
    if (s.Kind && s.Proxy) out.Proxy = s.Proxy;
    if (s.Connect && (s.Connect.Native === true || s.Connect.SidecarService)) out.Connect = s.Connect;
    out.Datacenter = this.facts.datacenter;
    return out;
  }

  private agentCheck(c: LocalCheck): Record<string, unknown> {
    const svc = c.ServiceID ? this.local.services.get(c.ServiceID)?.service : undefined;
    const rec = this.state.catalog.getCheck(this.facts.node, c.CheckID);
    return {
      Node: this.facts.node,
      CheckID: c.CheckID,
      Name: c.Name,
      Status: c.Status,
      Notes: c.Notes,
      Output: c.Output,
      ServiceID: c.ServiceID,
      ServiceName: svc?.Service ?? '',
      ServiceTags: svc?.Tags ?? [],
      Type: c.Type,
      Interval: c.Interval,
      Timeout: c.Timeout,
      ExposedPort: 0,
      Definition: {},
      CreateIndex: rec?.CreateIndex ?? 0,
      ModifyIndex: rec?.ModifyIndex ?? 0,
    };
  }

  /** The node's checks plus the service's, as Consul's agent health endpoints aggregate them. */
  private healthChecksOf(serviceId: string) {
    return [...this.local.checks.values()]
      .filter((c) => c.ServiceID === '' || c.ServiceID === serviceId)
      .map((c) => this.agentCheck(c) as { CheckID: string; Status: string });
  }
}
