import type { DnsDataSource, DnsHealth, DnsNode, DnsServiceInstance } from '../src/index.js';

/**
 * The getting-started article's cluster as a plain in-memory DnsDataSource: `db` with a master on db-1
 * and a slave on db-2, plus what the other tests need (a critical instance, a warning one, IPv6, a
 * service address that differs from its node's). Mutable, with a version that tests bump.
 */
export class ArticleSource implements DnsDataSource {
  readonly datacenter = 'dc1';
  nodes = new Map<string, DnsNode>();
  services = new Map<string, DnsServiceInstance[]>();
  ver = 1;
  versioned = true;
  failWith: Error | undefined;
  calls = 0;

  constructor() {
    this.addNode('db-1', '192.168.33.31', { rack: 'r1', 'rfc1035-raw': 'verbatim text' });
    this.addNode('db-2', '192.168.33.32');
    this.addNode('db-3', '192.168.33.33');
    this.addNode('web-1', '192.168.33.41');
    this.addNode('v6-node', '2001:db8::10');
    this.addNode('consul-server', '192.168.33.10');
    this.addInstance('db', 'db-1', ['master']);
    this.addInstance('db', 'db-2', ['slave']);
    this.addInstance('db', 'db-3', ['slave'], 'critical');
    this.addInstance('web', 'web-1', ['v1'], 'warning', { weights: { passing: 10, warning: 2 } });
    this.addInstance('web', 'db-1', ['v2'], 'passing', { weights: { passing: 10, warning: 2 }, serviceAddress: '10.0.0.5', port: 8080 });
    this.addInstance('ipv6', 'v6-node', []);
    // Hostname addresses: one inside the domain, one outside (resolved through recursors).
    this.addInstance('alias', 'db-1', [], 'passing', { serviceAddress: 'slave.db.service.consul', port: 5432 });
    this.addInstance('external', 'db-1', [], 'passing', { serviceAddress: 'example.org', port: 443 });
  }

  addNode(name: string, address: string, meta?: Record<string, string>): void {
    this.nodes.set(name, { name, address, meta });
  }

  addInstance(service: string, node: string, tags: string[], health: DnsHealth = 'passing', extra: Partial<DnsServiceInstance> = {}): void {
    const n = this.nodes.get(node);
    if (!n) throw new Error(`fixture: unknown node ${node}`);
    const list = this.services.get(service) ?? [];
    list.push({ node, nodeAddress: n.address, nodeMeta: n.meta, serviceId: `${service}-${node}`, port: 3306, tags, health, ...extra });
    this.services.set(service, list);
    this.ver++;
  }

  datacenters(): string[] {
    return ['dc1', 'dc2'];
  }

  serviceInstances(service: string, dc: string): DnsServiceInstance[] | undefined {
    this.calls++;
    if (this.failWith) throw this.failWith;
    if (dc !== 'dc1') return undefined;
    return this.services.get(service);
  }

  node(name: string, dc: string): DnsNode | undefined {
    this.calls++;
    if (this.failWith) throw this.failWith;
    return dc === 'dc1' ? this.nodes.get(name) : undefined;
  }

  nodesByAddress(address: string): string[] {
    return [...this.nodes.values()].filter((n) => n.address === address).map((n) => n.name);
  }

  servicesByAddress(address: string): string[] {
    const out: string[] = [];
    for (const [name, list] of this.services) if (list.some((i) => i.serviceAddress === address)) out.push(name);
    return out;
  }

  servers(): DnsNode[] {
    return [this.nodes.get('consul-server')!];
  }

  get version(): (() => number) | undefined {
    return this.versioned ? () => this.ver : undefined;
  }
}
