// /v1/catalog: the cluster-wide registry of nodes and services.
import type { ConsulHttp } from './consul-http.js';
import { ConsulDecodeError } from './errors.js';
import type { QueryOptions, QueryResult, WriteOptions } from './query.js';
import type { CatalogDeregistration, CatalogNode, CatalogNodeServices, CatalogRegistration, CatalogServiceEntry } from './types.js';

export class CatalogApi {
  constructor(private readonly http: ConsulHttp) {}

  /** Not a blocking endpoint: the list alone. */
  async datacenters(options?: QueryOptions): Promise<string[]> {
    return expectArray<string>((await this.http.read<unknown>('catalog/datacenters', undefined, options)).body, 'catalog datacenters');
  }

  async nodes(options?: QueryOptions): Promise<QueryResult<CatalogNode[]>> {
    const res = await this.http.read<unknown>('catalog/nodes', undefined, options);
    return { ...res, body: expectArray<CatalogNode>(res.body, 'catalog nodes') };
  }

  /** Service name to tags. */
  async services(options?: QueryOptions): Promise<QueryResult<Record<string, string[]>>> {
    const res = await this.http.read<unknown>('catalog/services', undefined, options);
    return { ...res, body: expectObject<Record<string, string[]>>(res.body, 'catalog services') };
  }

  /** Instances of a service; `tag` may repeat (all must match). */
  async service(name: string, tag?: string | string[], options?: QueryOptions): Promise<QueryResult<CatalogServiceEntry[]>> {
    const res = await this.http.read<unknown>(`catalog/service/${name}`, { tag: typeof tag === 'string' ? [tag] : tag }, options);
    return { ...res, body: expectArray<CatalogServiceEntry>(res.body, 'catalog service') };
  }

  /** A node and its services; body null for an unknown node. */
  async node(name: string, options?: QueryOptions): Promise<QueryResult<CatalogNodeServices | null>> {
    const res = await this.http.read<unknown>(`catalog/node/${name}`, undefined, options, { nullOn404: true });
    return { ...res, body: res.body === null || res.body === undefined ? null : expectObject<CatalogNodeServices>(res.body, 'catalog node') };
  }

  async register(registration: CatalogRegistration, options?: WriteOptions): Promise<boolean> {
    return (await this.http.write('PUT', 'catalog/register', undefined, registration, options)) === true;
  }

  async deregister(deregistration: CatalogDeregistration, options?: WriteOptions): Promise<boolean> {
    return (await this.http.write('PUT', 'catalog/deregister', undefined, deregistration, options)) === true;
  }
}

export function expectArray<T>(body: unknown, what: string): T[] {
  if (body === null || body === undefined) return [];
  if (!Array.isArray(body)) throw new ConsulDecodeError(`${what} response is not a list`);
  return body as T[];
}

export function expectObject<T>(body: unknown, what: string): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ConsulDecodeError(`${what} response is not an object`);
  return body as T;
}
