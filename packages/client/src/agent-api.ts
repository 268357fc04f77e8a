// /v1/agent: the local agent — its members view, local services and checks, and operator actions.
import type { ConsulHttp } from './consul-http.js';
import { expectArray, expectObject } from './catalog-api.js';
import type { QueryOptions, RequestOptions, WriteOptions } from './query.js';
import type { AgentCheck, AgentMember, AgentSelf, AgentService, CheckDefinition, ServiceDefinition } from './types.js';

export interface MembersOptions extends QueryOptions {
  wan?: boolean;
  segment?: string;
}

export interface ForceLeaveOptions extends WriteOptions {
  prune?: boolean;
  wan?: boolean;
}

export interface MonitorOptions extends RequestOptions {
  /** The agent's log lines at this level and above; default info. */
  logLevel?: string;
  /** hclog's JSON lines instead of text. */
  logJson?: boolean;
}

export class AgentApi {
  constructor(private readonly http: ConsulHttp) {}

  async self(options?: QueryOptions): Promise<AgentSelf> {
    return expectObject<AgentSelf>((await this.http.read<unknown>('agent/self', undefined, options)).body, 'agent self');
  }

  async members(options: MembersOptions = {}): Promise<AgentMember[]> {
    const params = { wan: options.wan === true ? '1' : undefined, segment: options.segment };
    return expectArray<AgentMember>((await this.http.read<unknown>('agent/members', params, options)).body, 'agent members');
  }

  /** Local services by ID. */
  async services(options?: QueryOptions): Promise<Record<string, AgentService>> {
    return expectObject((await this.http.read<unknown>('agent/services', undefined, options)).body, 'agent services');
  }

  /** One local service by ID; null when the agent does not have it. */
  async service(serviceId: string, options?: QueryOptions): Promise<AgentService | null> {
    const res = await this.http.read<unknown>(`agent/service/${serviceId}`, undefined, options, { nullOn404: true, nullOnAny404: true });
    return res.body === null || res.body === undefined ? null : expectObject<AgentService>(res.body, 'agent service');
  }

  /** Local checks by ID. */
  async checks(options?: QueryOptions): Promise<Record<string, AgentCheck>> {
    return expectObject((await this.http.read<unknown>('agent/checks', undefined, options)).body, 'agent checks');
  }

  async serviceRegister(definition: ServiceDefinition, options: WriteOptions & { replaceExistingChecks?: boolean } = {}): Promise<void> {
    await this.http.write('PUT', 'agent/service/register', { 'replace-existing-checks': options.replaceExistingChecks === true }, definition, options);
  }

  async serviceDeregister(serviceId: string, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', `agent/service/deregister/${serviceId}`, undefined, undefined, options);
  }

  async checkRegister(definition: CheckDefinition, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', 'agent/check/register', undefined, definition, options);
  }

  async checkDeregister(checkId: string, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', `agent/check/deregister/${checkId}`, undefined, undefined, options);
  }

  /** TTL check updates; `note` becomes the check's Output. */
  async checkPass(checkId: string, note?: string, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', `agent/check/pass/${checkId}`, { note }, undefined, options);
  }

  async checkWarn(checkId: string, note?: string, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', `agent/check/warn/${checkId}`, { note }, undefined, options);
  }

  async checkFail(checkId: string, note?: string, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', `agent/check/fail/${checkId}`, { note }, undefined, options);
  }

  /** Sets a TTL check's status and output in one call (`PUT /v1/agent/check/update/<id>`). */
  async checkUpdate(checkId: string, status: 'passing' | 'warning' | 'critical', output = '', options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', `agent/check/update/${checkId}`, undefined, { Status: status, Output: output }, options);
  }

  /** GET /v1/agent/monitor: the agent's log, line by line, until the agent ends it or `signal` aborts. */
  async monitor(onLine: (line: string) => void, options: MonitorOptions = {}): Promise<void> {
    const params = { loglevel: options.logLevel, logjson: options.logJson ? 'true' : undefined };
    await this.http.streamLines('agent/monitor', params, onLine, options);
  }

  async reload(options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', 'agent/reload', undefined, undefined, options);
  }

  async join(address: string, options: WriteOptions & { wan?: boolean } = {}): Promise<void> {
    await this.http.write('PUT', `agent/join/${address}`, { wan: options.wan === true ? '1' : undefined }, undefined, options);
  }

  async leave(options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', 'agent/leave', undefined, undefined, options);
  }

  async forceLeave(node: string, options: ForceLeaveOptions = {}): Promise<void> {
    await this.http.write('PUT', `agent/force-leave/${node}`, { prune: options.prune === true, wan: options.wan === true }, undefined, options);
  }

  /** Node maintenance mode (check `_node_maintenance`). */
  async nodeMaintenance(enable: boolean, reason?: string, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', 'agent/maintenance', { enable: String(enable), reason: enable ? reason || undefined : undefined }, undefined, options);
  }

  /** Service maintenance mode (check `_service_maintenance:<id>`). */
  async serviceMaintenance(serviceId: string, enable: boolean, reason?: string, options?: WriteOptions): Promise<void> {
    await this.http.write('PUT', `agent/service/maintenance/${serviceId}`, { enable: String(enable), reason: enable ? reason || undefined : undefined }, undefined, options);
  }
}
