// DNS with ACLs: answers only what the agent's default token (acl.tokens.default, else anonymous) may read, as
// Consul's DNS server does: a service the token cannot read is NXDOMAIN, so are nodes it cannot read, and
// instances on unreadable nodes are left out. The token is resolved per query through the HTTP API's resolver
// (cached there), so changing acl.tokens.default at run time takes effect at once.
//
// Answers stay cacheable (dns's wire cache, its reader threads) where the source below is: the version moves with
// the catalog's, with every ACL table write and with a change of the default token, and a periodic re-resolution
// of the default token catches what moves with time alone — its expiry, or a token a secondary datacenter resolved
// remotely with a TTL — within RECHECK_MS. Consul's agents cache the token's grants for acl.token_ttl (30 s).
import type { DnsDataSource, DnsNode, DnsServiceInstance } from '@conclave/dns';
import type { AclBackend, ResolvedToken } from '@conclave/http-api';

/** How often the default token is resolved again to notice changes no write announces. */
export const RECHECK_MS = 1000;

export interface AclDnsChanges {
  /** Calls `listener` synchronously after every ACL table write (and snapshot restore); returns the unsubscribe. */
  acl(listener: () => void): () => void;
  /** Calls `listener` after the agent's default token is changed at run time; returns the unsubscribe. */
  defaultToken(listener: () => void): () => void;
}

export class AclDnsSource implements DnsDataSource {
  readonly datacenter: string;
  readonly version?: DnsDataSource['version'];
  readonly onChange?: DnsDataSource['onChange'];
  private generation = 0;
  private readonly listeners = new Set<() => void>();
  /** The default token's grants as last seen by the re-check (a resolver hands out the same object while nothing
   * changed), undefined when it did not resolve. */
  private seen: ResolvedToken | undefined;
  private readonly stops: Array<() => void> = [];

  constructor(
    private readonly inner: DnsDataSource,
    private readonly acl: AclBackend,
    /** Without it (or without a versioned source below) nothing is cached. */
    changes?: AclDnsChanges,
  ) {
    this.datacenter = inner.datacenter;
    if (inner.preparedQuery) this.preparedQuery = (name, dc) => inner.preparedQuery!(name, dc);
    if (inner.datacenters) this.datacenters = () => inner.datacenters!();
    if (changes && inner.version && inner.onChange) {
      this.version = () => this.generation;
      this.onChange = (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      };
      this.stops.push(inner.onChange(() => this.bump()));
      this.stops.push(changes.acl(() => this.bump()));
      this.stops.push(changes.defaultToken(() => this.bump()));
      void this.token().then((t) => (this.seen = t));
      const timer = setInterval(() => void this.recheck(), RECHECK_MS).unref();
      this.stops.push(() => clearInterval(timer));
    }
  }

  /** Stops following changes (the agent is shutting down). */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private bump(): void {
    this.generation++;
    for (const l of this.listeners) l();
  }

  private async recheck(): Promise<void> {
    const now = await this.token();
    if (now === this.seen) return;
    this.seen = now;
    this.bump();
  }

  async serviceInstances(service: string, dc: string): Promise<DnsServiceInstance[] | undefined> {
    const instances = await this.inner.serviceInstances(service, dc);
    if (!instances?.length) return instances;
    const may = await this.token();
    if (!may) return undefined;
    // The name as asked (DNS is case-insensitive; catalog names are usually lower case).
    if (!may.authorizer.allowed('service', 'read', service)) return undefined;
    return instances.filter((i) => may.authorizer.allowed('node', 'read', i.node));
  }

  async node(name: string, dc: string): Promise<DnsNode | undefined> {
    const n = await this.inner.node(name, dc);
    const may = n && (await this.token());
    return n && may && may.authorizer.allowed('node', 'read', n.name) ? n : undefined;
  }

  async nodesByAddress(address: string, dc: string): Promise<string[]> {
    const names = await this.inner.nodesByAddress(address, dc);
    const may = await this.token();
    return may ? names.filter((n) => may.authorizer.allowed('node', 'read', n)) : [];
  }

  async servicesByAddress(address: string, dc: string): Promise<string[]> {
    const names = await this.inner.servicesByAddress(address, dc);
    const may = await this.token();
    return may ? names.filter((n) => may.authorizer.allowed('service', 'read', n)) : [];
  }

  servers(dc: string) {
    return this.inner.servers(dc);
  }

  // Prepared queries run through the execute endpoint with the default token (the query's own token when it has
  // one), which applies Consul's query rules and filters the instances: nothing more to check here. Datacenter
  // names are not ACL-protected. Both were missing, so with ACLs on `.query.consul` and other datacenters were
  // NXDOMAIN.
  readonly preparedQuery?: DnsDataSource['preparedQuery'];
  readonly datacenters?: DnsDataSource['datacenters'];

  /** The default token's grants; undefined (nothing readable) when it does not resolve. */
  private async token(): Promise<ResolvedToken | undefined> {
    try {
      return await this.acl.resolve('');
    } catch {
      return undefined;
    }
  }
}
