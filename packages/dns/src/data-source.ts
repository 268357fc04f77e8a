/**
 * The narrow read interface the DNS front end needs. The agent implements it over its catalog;
 * tests implement it over plain objects. Every method may answer synchronously (the agent reads local
 * state) or with a Promise. A method that throws or rejects turns the query into SERVFAIL.
 *
 * Names passed in are lower-case, as DNS is case-insensitive: the source must match service and node
 * names case-insensitively.
 */

export type MaybePromise<T> = T | Promise<T>;

/** Aggregate health of one service instance: the worst of its node checks and its service checks. */
export type DnsHealth = 'passing' | 'warning' | 'critical';

/** One registered instance of a service on a node, with what DNS answers need. */
export interface DnsServiceInstance {
  /** Node name, e.g. `db-1`. */
  node: string;
  /** The node's address (IPv4, IPv6 or a hostname). */
  nodeAddress: string;
  /** Node meta, served as TXT `key=value` records. */
  nodeMeta?: Record<string, string>;
  /** Service ID (instances of one service on one node differ by ID). */
  serviceId: string;
  /** The service's own address; empty or absent means "use the node address". */
  serviceAddress?: string;
  port: number;
  tags: string[];
  /** SRV weights; absent means `{passing: 1, warning: 1}` as in Consul. */
  weights?: { passing: number; warning: number };
  /** Worst status over the node's checks (serfHealth, maintenance included) and the service's checks. */
  health: DnsHealth;
}

/** A node as DNS sees it. */
export interface DnsNode {
  name: string;
  address: string;
  meta?: Record<string, string>;
}

/** What a prepared query answers DNS with. */
export interface DnsPreparedQueryAnswer {
  service: string;
  /** Where the instances are (another datacenter after a failover). */
  datacenter: string;
  instances: DnsServiceInstance[];
  /** The query's DNS.TTL in seconds; undefined: the service's configured TTL. */
  ttlSeconds?: number;
}

export interface DnsDataSource {
  /** The local datacenter, used when a name carries no DC label. */
  readonly datacenter: string;
  /** Every datacenter this agent knows (the local one included). Absent: only the local one; other DCs get NXDOMAIN. */
  datacenters?(): MaybePromise<string[]>;
  /** All instances of a service in a DC, healthy or not; `undefined` when the service is unknown there. */
  serviceInstances(service: string, dc: string): MaybePromise<DnsServiceInstance[] | undefined>;
  /** A node by name; `undefined` when unknown. */
  node(name: string, dc: string): MaybePromise<DnsNode | undefined>;
  /** Names of the nodes whose address is `address` (normalised IP text), for PTR answers. */
  nodesByAddress(address: string, dc: string): MaybePromise<string[]>;
  /** Names of the services with an instance whose service address is `address`, for PTR answers. */
  servicesByAddress(address: string, dc: string): MaybePromise<string[]>;
  /**
   * Executes a prepared query (by ID or name) as seen from `dc`: the instances it answers (already filtered by
   * the query, failover included), the datacenter they are in and the query's DNS TTL. `undefined` when no query
   * has that name. Absent: `*.query.*` names get NXDOMAIN.
   */
  preparedQuery?(name: string, dc: string): MaybePromise<DnsPreparedQueryAnswer | undefined>;
  /** The server nodes of a DC, for NS and SOA answers. */
  servers(dc: string): MaybePromise<DnsNode[]>;
  /**
   * Optional data version (e.g. the catalog's highest Raft index). When present, answers are cached per
   * question and rebuilt only when it changes, so it MUST change whenever anything the methods above would
   * return changes (health status included). Absent: every query reads the source.
   */
  version?(): number | bigint;
  /**
   * Optional: calls `listener` synchronously whenever `version()` moves, before the write that moved it returns.
   * With it the server can run more UDP readers in other threads, which learn of the change through shared memory.
   */
  onChange?(listener: () => void): () => void;
}
