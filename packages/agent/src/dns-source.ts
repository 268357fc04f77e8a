// The DNS front end's view of the catalog (packages/dns defines the interface; the agent answers from its
// local state machine). Names arrive lower-cased; catalog names are matched case-insensitively.
import type { DnsDataSource, DnsNode, DnsPreparedQueryAnswer, DnsServiceInstance, MaybePromise } from '@conclave/dns';
import { aggregateStatus, TOPIC_CHECKS, TOPIC_NODES, TOPIC_SERVICES, type HealthEntry } from '@conclave/catalog';
import type { StateReader } from '@conclave/state';

/** A /v1/health/service entry as DNS sees it: maintenance counts as critical. */
export function dnsInstance(e: HealthEntry): DnsServiceInstance {
  const status = aggregateStatus(e.Checks);
  return {
    node: e.Node.Node,
    nodeAddress: e.Node.Address,
    nodeMeta: e.Node.Meta,
    serviceId: e.Service.ID,
    serviceAddress: e.Service.Address,
    port: e.Service.Port,
    tags: e.Service.Tags,
    weights: { passing: e.Service.Weights.Passing, warning: e.Service.Weights.Warning },
    health: status === 'maintenance' ? 'critical' : status,
  };
}

/** A server's way to other datacenters: which exist (the WAN pool) and a source that reads them over the WAN. */
export interface DnsFederation {
  datacenters(): string[];
  remote: DnsDataSource;
}

export class CatalogDnsSource implements DnsDataSource {
  /**
   * What DNS caches answers by: it moves whenever the catalog changes (every catalog apply notifies one of its table
   * topics, synchronously, before the write returns) or a snapshot is restored (which notifies every topic). KV,
   * session, ACL and coordinate writes leave it, and so the cached answers, alone; prepared query answers are not
   * cached (failover reads other datacenters).
   */
  private generation = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly state: StateReader,
    readonly datacenter: string,
    private readonly federation?: DnsFederation,
    /** Executes prepared queries (through this server's own HTTP API, where execution and failover live). */
    private readonly queries?: (name: string, dc: string) => Promise<DnsPreparedQueryAnswer | undefined>,
  ) {
    this.watchCatalog();
  }

  preparedQuery(name: string, dc: string): Promise<DnsPreparedQueryAnswer | undefined> | undefined {
    return this.queries?.(name, dc);
  }

  datacenters(): string[] {
    return this.federation?.datacenters() ?? [this.datacenter];
  }

  version(): number {
    return this.generation;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private watchCatalog(): void {
    this.state.watches.follow([TOPIC_NODES, TOPIC_SERVICES, TOPIC_CHECKS], () => {
      this.generation++;
      for (const l of this.listeners) l();
    });
  }

  serviceInstances(service: string, dc: string): MaybePromise<DnsServiceInstance[] | undefined> {
    if (dc !== this.datacenter) return this.federation?.remote.serviceInstances(service, dc);
    const name = this.serviceName(service);
    if (name === undefined) return undefined;
    return this.state.catalog.checkServiceNodes(name).value.map(dnsInstance);
  }

  node(name: string, dc: string): MaybePromise<DnsNode | undefined> {
    if (dc !== this.datacenter) return this.federation?.remote.node(name, dc);
    const n = this.state.catalog.getNode(name) ?? this.findNode(name);
    return n ? { name: n.Node, address: n.Address, meta: n.Meta ?? {} } : undefined;
  }

  nodesByAddress(address: string, dc: string): MaybePromise<string[]> {
    if (dc !== this.datacenter) return this.federation?.remote.nodesByAddress(address, dc) ?? [];
    return this.state.catalog.nodeList().value.filter((n) => n.Address === address).map((n) => n.Node);
  }

  servicesByAddress(address: string, dc: string): MaybePromise<string[]> {
    if (dc !== this.datacenter) return this.federation?.remote.servicesByAddress(address, dc) ?? [];
    const out = new Set<string>();
    for (const name of Object.keys(this.state.catalog.serviceList().value)) {
      for (const s of this.state.catalog.serviceNodes(name).value) if (s.ServiceAddress === address) out.add(name);
    }
    return [...out];
  }

  servers(dc: string): MaybePromise<DnsNode[]> {
    if (dc !== this.datacenter) return this.federation?.remote.servers(dc) ?? [];
    return this.state.catalog.serviceNodes('consul').value.map((s) => ({ name: s.Node, address: s.Address, meta: s.NodeMeta }));
  }

  private serviceName(lower: string): string | undefined {
    const names = Object.keys(this.state.catalog.serviceList().value);
    if (names.includes(lower)) return lower;
    return names.find((n) => n.toLowerCase() === lower);
  }

  private findNode(lower: string) {
    const view = this.state.catalog.nodeList().value.find((n) => n.Node.toLowerCase() === lower);
    return view ? this.state.catalog.getNode(view.Node) : undefined;
  }
}
