// DNS on a client agent: the data comes from a server through the forwarder (stale reads, as Consul's DNS
// allows by default), so every agent answers DNS the same way.
import type { DnsDataSource, DnsNode, DnsServiceInstance } from '@conclave/dns';
import type { HealthEntry, NodeServicesView, NodeView, ServiceNodeView } from '@conclave/catalog';
import { dnsInstance } from '../dns-source.js';
import { forwardedJson, type RpcForwarder } from './forwarding.js';

export class RemoteDnsSource implements DnsDataSource {
  constructor(
    private readonly forwarder: RpcForwarder,
    readonly datacenter: string,
    /** The agent's default token (acl.tokens.default), read per query: the server answers what it may read. */
    private readonly token: () => string = () => '',
  ) {}

  async serviceInstances(service: string, dc: string): Promise<DnsServiceInstance[] | undefined> {
    if (dc !== this.datacenter) return undefined;
    const services = await this.get<Record<string, string[]>>('/v1/catalog/services?stale');
    const name = service in services ? service : Object.keys(services).find((n) => n.toLowerCase() === service);
    if (name === undefined) return undefined;
    const entries = await this.get<HealthEntry[]>(`/v1/health/service/${encodeURIComponent(name)}?stale`);
    return entries.map(dnsInstance);
  }

  async node(name: string, dc: string): Promise<DnsNode | undefined> {
    if (dc !== this.datacenter) return undefined;
    let view = await this.get<NodeServicesView | null>(`/v1/catalog/node/${encodeURIComponent(name)}?stale`);
    if (!view) {
      const match = (await this.nodes()).find((n) => n.Node.toLowerCase() === name);
      if (match) view = await this.get<NodeServicesView | null>(`/v1/catalog/node/${encodeURIComponent(match.Node)}?stale`);
    }
    return view ? { name: view.Node.Node, address: view.Node.Address, meta: view.Node.Meta } : undefined;
  }

  async nodesByAddress(address: string, dc: string): Promise<string[]> {
    if (dc !== this.datacenter) return [];
    return (await this.nodes()).filter((n) => n.Address === address).map((n) => n.Node);
  }

  async servicesByAddress(address: string, dc: string): Promise<string[]> {
    if (dc !== this.datacenter) return [];
    const out = new Set<string>();
    for (const name of Object.keys(await this.get<Record<string, string[]>>('/v1/catalog/services?stale'))) {
      const nodes = await this.get<ServiceNodeView[]>(`/v1/catalog/service/${encodeURIComponent(name)}?stale`);
      if (nodes.some((s) => s.ServiceAddress === address)) out.add(name);
    }
    return [...out];
  }

  async servers(dc: string): Promise<DnsNode[]> {
    if (dc !== this.datacenter) return [];
    const nodes = await this.get<ServiceNodeView[]>('/v1/catalog/service/consul?stale');
    return nodes.map((s) => ({ name: s.Node, address: s.Address, meta: s.NodeMeta }));
  }

  private nodes(): Promise<NodeView[]> {
    return this.get<NodeView[]>('/v1/catalog/nodes?stale');
  }

  private get<T>(url: string): Promise<T> {
    return forwardedJson<T>(this.forwarder, url, this.token());
  }
}
