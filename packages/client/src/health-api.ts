// /v1/health: instances with their checks, and checks by node, service or state.
import type { ConsulHttp } from './consul-http.js';
import { expectArray } from './catalog-api.js';
import type { QueryOptions, QueryResult } from './query.js';
import type { HealthCheck, ServiceEntry } from './types.js';

export interface HealthServiceOptions extends QueryOptions {
  /** Repeatable tag filter (all must match). */
  tag?: string | string[];
  /** Only instances whose every check passes. */
  passing?: boolean;
}

export class HealthApi {
  constructor(private readonly http: ConsulHttp) {}

  async service(name: string, options: HealthServiceOptions = {}): Promise<QueryResult<ServiceEntry[]>> {
    const tag = typeof options.tag === 'string' ? [options.tag] : options.tag;
    const res = await this.http.read<unknown>(`health/service/${name}`, { tag, passing: options.passing === true }, options);
    return { ...res, body: expectArray<ServiceEntry>(res.body, 'health service') };
  }

  /** The checks of every instance of a service. */
  async checks(service: string, options?: QueryOptions): Promise<QueryResult<HealthCheck[]>> {
    const res = await this.http.read<unknown>(`health/checks/${service}`, undefined, options);
    return { ...res, body: expectArray<HealthCheck>(res.body, 'health checks') };
  }

  async node(node: string, options?: QueryOptions): Promise<QueryResult<HealthCheck[]>> {
    const res = await this.http.read<unknown>(`health/node/${node}`, undefined, options);
    return { ...res, body: expectArray<HealthCheck>(res.body, 'health node') };
  }

  /** `any`, `passing`, `warning` or `critical`. */
  async state(state: 'any' | 'passing' | 'warning' | 'critical', options?: QueryOptions): Promise<QueryResult<HealthCheck[]>> {
    const res = await this.http.read<unknown>(`health/state/${state}`, undefined, options);
    return { ...res, body: expectArray<HealthCheck>(res.body, 'health state') };
  }
}
