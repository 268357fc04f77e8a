// DNS on a client agent: the data comes from a server through the forwarder (stale reads, as Consul's DNS
// allows by default), so every agent answers DNS the same way. Names in another datacenter
// (`web.service.dc2.consul`) are read the same way with `?dc=`: a server forwards them over the WAN, and a
// server's own DNS reads other datacenters through this class too.
import type { DnsDataSource, DnsNode, DnsPreparedQueryAnswer, DnsServiceInstance } from '@conclave/dns';
import { AGENT_NODE_HEADER } from '@conclave/http-api';
import { parseGoDuration } from '@conclave/toolkit';
import type { HealthEntry, NodeServicesView, NodeView, ServiceNodeView } from '@conclave/catalog';
import { dnsInstance } from '../dns-source.js';
import { forwardedJson, type HttpCall, type HttpReply } from './forwarding.js';

export class RemoteDnsSource implements DnsDataSource {
  constructor(
    private readonly forwarder: { send(call: HttpCall): Promise<HttpReply> },
    readonly datacenter: string,
    /** The agent's default token (acl.tokens.default), read per query: the server answers what it may read. */
    private readonly token: () => string = () => '',
    /** This agent's node: what a prepared query's `Near: "_agent"` means here, as Consul's DNS passes itself as the
     * query's Agent (undefined: the server that executes it decides, i.e. itself). */
    private readonly agentNode?: string,
  ) {}

  async datacenters(): Promise<string[]> {
    return (await this.get<string[] | null>('/v1/catalog/datacenters', this.datacenter)) ?? [this.datacenter];
  }

  async serviceInstances(service: string, dc: string): Promise<DnsServiceInstance[] | undefined> {
    const services = await this.get<Record<string, string[]>>('/v1/catalog/services?stale', dc);
    const name = service in services ? service : Object.keys(services).find((n) => n.toLowerCase() === service);
    if (name === undefined) return undefined;
    const entries = await this.get<HealthEntry[]>(`/v1/health/service/${encodeURIComponent(name)}?stale`, dc);
    return entries.map(dnsInstance);
  }

  async node(name: string, dc: string): Promise<DnsNode | undefined> {
    let view = await this.get<NodeServicesView | null>(`/v1/catalog/node/${encodeURIComponent(name)}?stale`, dc);
    if (!view) {
      const match = (await this.nodes(dc)).find((n) => n.Node.toLowerCase() === name);
      if (match) view = await this.get<NodeServicesView | null>(`/v1/catalog/node/${encodeURIComponent(match.Node)}?stale`, dc);
    }
    return view ? { name: view.Node.Node, address: view.Node.Address, meta: view.Node.Meta } : undefined;
  }

  async nodesByAddress(address: string, dc: string): Promise<string[]> {
    return (await this.nodes(dc)).filter((n) => n.Address === address).map((n) => n.Node);
  }

  async servicesByAddress(address: string, dc: string): Promise<string[]> {
    const out = new Set<string>();
    for (const name of Object.keys(await this.get<Record<string, string[]>>('/v1/catalog/services?stale', dc))) {
      const nodes = await this.get<ServiceNodeView[]>(`/v1/catalog/service/${encodeURIComponent(name)}?stale`, dc);
      if (nodes.some((s) => s.ServiceAddress === address)) out.add(name);
    }
    return [...out];
  }

  /** `name.query.consul`: the query executed by a server (GET /v1/query/:name/execute), failover included. */
  async preparedQuery(name: string, dc: string): Promise<DnsPreparedQueryAnswer | undefined> {
    const r = await this.get<{ Service: string; Nodes: HealthEntry[] | null; DNS?: { TTL?: string }; Datacenter: string } | null>(
      `/v1/query/${encodeURIComponent(name)}/execute`,
      dc,
      this.agentNode !== undefined ? { [AGENT_NODE_HEADER]: this.agentNode } : {},
    );
    if (!r) return undefined;
    const ttl = r.DNS?.TTL;
    return { service: r.Service, datacenter: r.Datacenter, instances: (r.Nodes ?? []).map(dnsInstance), ttlSeconds: ttl ? Math.floor(parseGoDuration(ttl) / 1e9) : undefined };
  }

  async servers(dc: string): Promise<DnsNode[]> {
    const nodes = await this.get<ServiceNodeView[]>('/v1/catalog/service/consul?stale', dc);
    return nodes.map((s) => ({ name: s.Node, address: s.Address, meta: s.NodeMeta }));
  }

  private nodes(dc: string): Promise<NodeView[]> {
    return this.get<NodeView[]>('/v1/catalog/nodes?stale', dc);
  }

  private get<T>(url: string, dc: string, headers: Record<string, string> = {}): Promise<T> {
    const other = dc === this.datacenter ? '' : `${url.includes('?') ? '&' : '?'}dc=${encodeURIComponent(dc)}`;
    return forwardedJson<T>(this.forwarder, url + other, this.token(), headers);
  }
}
