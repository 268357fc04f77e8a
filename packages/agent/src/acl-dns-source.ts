// DNS with ACLs: answers only what the agent's default token (acl.tokens.default, else anonymous) may read, as
// Consul's DNS server does: a service the token cannot read is NXDOMAIN, so are nodes it cannot read, and
// instances on unreadable nodes are left out. The token is resolved per query through the HTTP API's resolver
// (cached there), so changing acl.tokens.default at run time takes effect at once.
import type { DnsDataSource, DnsNode, DnsServiceInstance } from '@conclave/dns';
import type { AclBackend, ResolvedToken } from '@conclave/http-api';

export class AclDnsSource implements DnsDataSource {
  readonly datacenter: string;

  constructor(
    private readonly inner: DnsDataSource,
    private readonly acl: AclBackend,
  ) {
    this.datacenter = inner.datacenter;
    if (inner.preparedQuery) this.preparedQuery = (name, dc) => inner.preparedQuery!(name, dc);
    if (inner.datacenters) this.datacenters = () => inner.datacenters!();
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
  // NXDOMAIN. No version(): a cached answer would outlive a change of policy or of the default token.
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
