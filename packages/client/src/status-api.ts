// /v1/status: Raft leader and peers, as "ip:port" server RPC addresses.
import type { ConsulHttp } from './consul-http.js';
import { expectArray } from './catalog-api.js';
import { ConsulDecodeError } from './errors.js';
import type { QueryOptions } from './query.js';

export class StatusApi {
  constructor(private readonly http: ConsulHttp) {}

  /** "" while there is no leader. */
  async leader(options?: QueryOptions): Promise<string> {
    const body = (await this.http.read<unknown>('status/leader', undefined, options)).body;
    if (body === undefined) return '';
    if (typeof body !== 'string') throw new ConsulDecodeError('status leader response is not a string');
    return body;
  }

  async peers(options?: QueryOptions): Promise<string[]> {
    return expectArray<string>((await this.http.read<unknown>('status/peers', undefined, options)).body, 'status peers');
  }
}
