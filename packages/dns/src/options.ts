import { isIP } from 'node:net';
import type { DnsDataSource } from './data-source.js';
import { DnsConfigError } from './errors.js';
import { silentLogger, splitHostOptionalPort, type Logger } from '@conclave/toolkit';
import { ServiceTtlTable } from './service-ttl.js';

/** How forwarded queries pick recursors: in the configured order, or a random order per query. */
export type RecursorStrategy = 'sequential' | 'random';

/** SOA timers in seconds (Consul's `dns_config.soa`). */
export interface DnsSoaOptions {
  refresh?: number;
  retry?: number;
  expire?: number;
  minTtl?: number;
}

export interface DnsServerOptions {
  source: DnsDataSource;
  /** Listen address for UDP and TCP (default `127.0.0.1`). */
  host?: string;
  /** Listen port for UDP and TCP (default 8600; 0 picks a free port shared by both). */
  port?: number;
  /** Authoritative domain (default `consul.`). */
  domain?: string;
  /** A second domain answered exactly like `domain` (Consul's `alt_domain`). */
  altDomain?: string;
  /** Upstream resolvers for names outside the domain: `ip` or `ip:port` (`[v6]:port`), port 53 by default. */
  recursors?: string[];
  /** Per-recursor timeout (default 2000 ms). */
  recursorTimeoutMs?: number;
  recursorStrategy?: RecursorStrategy;
  /** TTL in seconds of node answers (default 0). */
  nodeTtl?: number;
  /** TTL in seconds per service: exact names and `prefix*` wildcards, longest prefix wins (default 0). */
  serviceTtl?: Record<string, number>;
  /** Answer only instances whose checks all pass (warning instances dropped too). */
  onlyPassing?: boolean;
  /** Most answers in a UDP reply without EDNS (default 3, capped at 8 as in Consul). */
  udpAnswerLimit?: number;
  /** Most A/AAAA answers for a service on every transport (0 = unlimited). */
  aRecordLimit?: number;
  /** Set TC when a UDP reply was cut to `udpAnswerLimit` (Consul's `enable_truncate`, default false). A reply cut to fit its byte budget always gets TC. */
  enableTruncate?: boolean;
  /** Add node meta TXT records to the Additional section (Consul's `enable_additional_node_meta_txt`, default true). */
  nodeMetaTxt?: boolean;
  soa?: DnsSoaOptions;
  /** Source of randomness for shuffling answers and recursors (default Math.random). */
  random?: () => number;
  /** Clock in ms, used for the SOA serial (default Date.now). */
  now?: () => number;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Bound on cached answers when the source has a version (default 10000). */
  maxCacheEntries?: number;
  /**
   * UDP reader threads to add once the server is under load (over ~2,000 queries/s), each answering cached replies
   * from a socket of its own on the same port (udp-readers.ts). Needs a source with `version` and `onChange`, and
   * dgram's `reusePort` (Node 22.12+ or 23.1+; elsewhere the main thread stays the only reader). Default 0.
   */
  udpReaders?: number;
  /** The query rate (per second) at which the UDP readers start (default 2048; 0: at once). */
  udpReadersStartRate?: number;
  /** Told how long each query took to answer, in ms, from arrival to the reply handed to the socket (the
   * application's consul.dns.domain_query). */
  onQuery?: (ms: number) => void;
}

export interface RecursorAddress {
  host: string;
  port: number;
  family: 4 | 6;
}

/** Options with defaults applied and checked. */
export interface ResolvedDnsOptions {
  source: DnsDataSource;
  host: string;
  port: number;
  domain: string;
  altDomain: string | undefined;
  recursors: RecursorAddress[];
  recursorTimeoutMs: number;
  recursorStrategy: RecursorStrategy;
  nodeTtl: number;
  serviceTtl: ServiceTtlTable;
  onlyPassing: boolean;
  udpAnswerLimit: number;
  aRecordLimit: number;
  enableTruncate: boolean;
  nodeMetaTxt: boolean;
  soa: Required<DnsSoaOptions>;
  random: () => number;
  now: () => number;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  maxCacheEntries: number;
  udpReaders: number;
  udpReadersStartRate: number;
}

/** Consul never sends more than this many answers in a plain UDP reply, whatever udp_answer_limit says. */
export const MAX_UDP_ANSWER_LIMIT = 8;

function checkSeconds(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new DnsConfigError(option, `must be a whole number of seconds between 0 and 2147483647, got ${String(value)}`);
  }
  return value;
}

/** Lower-case, no leading dot, exactly one trailing dot: `Consul` → `consul.`. */
export function normaliseDomain(option: string, value: string): string {
  let d = value.trim().toLowerCase();
  while (d.startsWith('.')) d = d.slice(1);
  if (!d.endsWith('.')) d += '.';
  const labels = d.slice(0, -1).split('.');
  if (d === '.' || labels.some((l) => l.length === 0 || l.length > 63) || d.length > 200) {
    throw new DnsConfigError(option, `"${value}" is not a domain name like "consul."`);
  }
  return d;
}

/** Parses `1.2.3.4`, `1.2.3.4:5353`, `::1` or `[::1]:5353`. */
export function parseRecursor(value: string): RecursorAddress {
  const bad = (): never => {
    throw new DnsConfigError('recursors', `"${value}" is not an IP address with an optional port, like "8.8.8.8" or "127.0.0.1:5353"`);
  };
  if (typeof value !== 'string') return bad();
  let hp: { host: string; port?: string };
  try {
    hp = splitHostOptionalPort(value.trim());
  } catch {
    return bad();
  }
  if (hp.port !== undefined && !/^\d+$/.test(hp.port)) return bad();
  const host = hp.host;
  const port = hp.port === undefined ? 53 : Number(hp.port);
  const family = isIP(host);
  if (family === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return bad();
  return { host, port, family: family as 4 | 6 };
}

export function resolveDnsOptions(options: DnsServerOptions): ResolvedDnsOptions {
  if (!options || typeof options !== 'object' || !options.source) {
    throw new DnsConfigError('source', 'a DnsDataSource is required');
  }
  const source = options.source;
  if (typeof source.datacenter !== 'string' || source.datacenter === '') {
    throw new DnsConfigError('source', 'the data source must name its datacenter');
  }
  const port = options.port ?? 8600;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DnsConfigError('port', `must be an integer from 0 to 65535, got ${String(port)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new DnsConfigError('host', 'must be an IP address or host name');
  const domain = normaliseDomain('domain', options.domain ?? 'consul.');
  const altDomain = options.altDomain ? normaliseDomain('altDomain', options.altDomain) : undefined;
  const recursors = (options.recursors ?? []).map(parseRecursor);
  const recursorTimeoutMs = options.recursorTimeoutMs ?? 2000;
  if (typeof recursorTimeoutMs !== 'number' || !(recursorTimeoutMs > 0) || recursorTimeoutMs > 600_000) {
    throw new DnsConfigError('recursorTimeoutMs', `must be a number of milliseconds above 0 and at most 600000, got ${String(recursorTimeoutMs)}`);
  }
  const recursorStrategy = options.recursorStrategy ?? 'sequential';
  if (recursorStrategy !== 'sequential' && recursorStrategy !== 'random') {
    throw new DnsConfigError('recursorStrategy', `must be "sequential" or "random", got ${String(recursorStrategy)}`);
  }
  const serviceTtl = new ServiceTtlTable();
  for (const [name, ttl] of Object.entries(options.serviceTtl ?? {})) {
    serviceTtl.set(name, checkSeconds(`serviceTtl.${name}`, ttl, 0));
  }
  const udpAnswerLimit = options.udpAnswerLimit ?? 3;
  if (!Number.isInteger(udpAnswerLimit) || udpAnswerLimit < 1) {
    throw new DnsConfigError('udpAnswerLimit', `must be a positive integer, got ${String(udpAnswerLimit)}`);
  }
  const aRecordLimit = options.aRecordLimit ?? 0;
  if (!Number.isInteger(aRecordLimit) || aRecordLimit < 0) {
    throw new DnsConfigError('aRecordLimit', `must be 0 (unlimited) or a positive integer, got ${String(aRecordLimit)}`);
  }
  const maxCacheEntries = options.maxCacheEntries ?? 10_000;
  if (!Number.isInteger(maxCacheEntries) || maxCacheEntries < 0) {
    throw new DnsConfigError('maxCacheEntries', `must be a non-negative integer, got ${String(maxCacheEntries)}`);
  }
  const udpReaders = options.udpReaders ?? 0;
  if (!Number.isInteger(udpReaders) || udpReaders < 0 || udpReaders > 16) {
    throw new DnsConfigError('udpReaders', `must be an integer from 0 to 16, got ${String(udpReaders)}`);
  }
  const udpReadersStartRate = options.udpReadersStartRate ?? 2048;
  if (!Number.isInteger(udpReadersStartRate) || udpReadersStartRate < 0) {
    throw new DnsConfigError('udpReadersStartRate', `must be a non-negative integer, got ${String(udpReadersStartRate)}`);
  }
  const soa = options.soa ?? {};
  return {
    source,
    host,
    port,
    domain,
    altDomain: altDomain === domain ? undefined : altDomain,
    recursors,
    recursorTimeoutMs,
    recursorStrategy,
    nodeTtl: checkSeconds('nodeTtl', options.nodeTtl, 0),
    serviceTtl,
    onlyPassing: options.onlyPassing === true,
    udpAnswerLimit: Math.min(udpAnswerLimit, MAX_UDP_ANSWER_LIMIT),
    aRecordLimit,
    enableTruncate: options.enableTruncate === true,
    nodeMetaTxt: options.nodeMetaTxt !== false,
    soa: {
      refresh: checkSeconds('soa.refresh', soa.refresh, 3600),
      retry: checkSeconds('soa.retry', soa.retry, 600),
      expire: checkSeconds('soa.expire', soa.expire, 86400),
      minTtl: checkSeconds('soa.minTtl', soa.minTtl, 0),
    },
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
    maxCacheEntries,
    udpReaders,
    udpReadersStartRate,
  };
}
