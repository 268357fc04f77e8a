// The client users construct: resolves address, token and TLS like Consul's CLI, then exposes the API groups,
// a generic query and the blocking-query watcher.
import { parseEnvBool, resolveHttpAddress, type HttpAddress } from './address.js';
import { AgentApi } from './agent-api.js';
import { startBlockingWatch, type BlockingWatch, type WatchHandler, type WatchOptions } from './blocking-watch.js';
import { CatalogApi } from './catalog-api.js';
import { ConsulHttp, type Consistency } from './consul-http.js';
import { HealthApi } from './health-api.js';
import { KvApi } from './kv.js';
import type { QueryOptions, QueryParams, QueryResult, WriteOptions } from './query.js';
import { SessionApi } from './session-api.js';
import { StatusApi } from './status-api.js';
import { resolveToken } from './token.js';
import { HttpTransport, type TlsOptions } from './transport.js';
import { TxnApi } from './txn-api.js';

export interface ConsulClientOptions {
  /** As -http-addr: beats CONSUL_HTTP_ADDR; default 127.0.0.1:8500. */
  address?: string;
  /** As -token / -token-file: beat CONSUL_HTTP_TOKEN / CONSUL_HTTP_TOKEN_FILE. */
  token?: string;
  tokenFile?: string;
  /** Default `?dc=` for every request. */
  datacenter?: string;
  /** Default read mode. */
  consistency?: Consistency;
  /** TLS settings; unset fields come from CONSUL_CACERT, CONSUL_CAPATH, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY, CONSUL_TLS_SERVER_NAME, CONSUL_HTTP_SSL_VERIFY. */
  tls?: TlsOptions;
  /** Idle timeout for non-blocking requests; default 60 s. Blocking reads size theirs from `wait`. */
  timeoutMs?: number;
  /** Environment to read (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface QueryResponse<T = unknown> extends QueryResult<T | null> {}

export class ConsulClient {
  readonly address: HttpAddress;
  readonly kv: KvApi;
  readonly catalog: CatalogApi;
  readonly health: HealthApi;
  readonly agent: AgentApi;
  readonly status: StatusApi;
  readonly session: SessionApi;
  readonly txn: TxnApi;
  private readonly http: ConsulHttp;

  constructor(options: ConsulClientOptions = {}) {
    const env = options.env ?? process.env;
    this.address = resolveHttpAddress(options.address, env);
    const token = resolveToken({ token: options.token, tokenFile: options.tokenFile }, env);
    const verify = parseEnvBool(env.CONSUL_HTTP_SSL_VERIFY, 'CONSUL_HTTP_SSL_VERIFY');
    const tls: TlsOptions = {
      caFile: options.tls?.caFile ?? (env.CONSUL_CACERT || undefined),
      caPath: options.tls?.caPath ?? (env.CONSUL_CAPATH || undefined),
      certFile: options.tls?.certFile ?? (env.CONSUL_CLIENT_CERT || undefined),
      keyFile: options.tls?.keyFile ?? (env.CONSUL_CLIENT_KEY || undefined),
      serverName: options.tls?.serverName ?? (env.CONSUL_TLS_SERVER_NAME || undefined),
      insecureSkipVerify: options.tls?.insecureSkipVerify ?? verify === false,
    };
    const transport = new HttpTransport(this.address, token, options.timeoutMs ?? 60_000, tls);
    this.http = new ConsulHttp(transport, options.datacenter || undefined, options.consistency ?? 'default');
    this.kv = new KvApi(this.http);
    this.catalog = new CatalogApi(this.http);
    this.health = new HealthApi(this.http);
    this.agent = new AgentApi(this.http);
    this.status = new StatusApi(this.http);
    this.session = new SessionApi(this.http);
    this.txn = new TxnApi(this.http);
  }

  /**
   * GET any /v1 endpoint. `path` is unencoded, with or without the `/v1/` prefix. The body is JSON (integers
   * beyond 2^53 arrive as decimal strings), text for non-JSON answers, or null for a 404 that carries an index (a KV
   * miss). Other non-2xx answers, and 404s without X-Consul-Index (unknown endpoints), throw ConsulHttpError.
   */
  query<T = unknown>(path: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResponse<T>> {
    return this.http.read<T | null>(path, params, options, { nullOn404: true });
  }

  /** PUT/POST/DELETE any /v1 endpoint; objects are sent as JSON, strings and bytes as they are. */
  write(method: 'PUT' | 'POST' | 'DELETE', path: string, params?: QueryParams, body?: unknown, options?: WriteOptions): Promise<unknown> {
    return this.http.write(method, path, params, body, options);
  }

  /** Runs a blocking-query loop on `path` until stopped; see BlockingWatch for the rules. Never throws. */
  watch<T = unknown>(path: string, params: QueryParams | undefined, onResult: WatchHandler<T>, options?: WatchOptions): BlockingWatch {
    return startBlockingWatch<T>(this.http, path, params, onResult, options);
  }

  /** Closes pooled keep-alive sockets (call before a short-lived process exits). */
  close(): void {
    this.http.transport.close();
  }
}
