// An in-memory stand-in for a Consul agent's HTTP read API, answering the requests template
// dependencies make with Consul's JSON shapes and X-Consul-Index semantics (blocking included).
import type { ConsulRequest, DependencySource, FetchOptions, FetchResult } from '../src/internal.js';

interface Instance {
  node: string;
  address: string;
  id: string;
  service: string;
  tags: string[];
  port: number;
  serviceAddress?: string;
  meta?: Record<string, string>;
  checks: { CheckID: string; Status: string }[];
}

export class MemoryConsul implements DependencySource {
  index = 1n;
  readonly instances: Instance[] = [];
  readonly kv = new Map<string, { value: string; flags: number; modify: number; create: number }>();
  /** Requests answered so far, for tests that count queries. */
  answered = 0;
  nodeName = 'node-a';
  datacenters = ['dc1'];
  readonly requests: string[] = [];
  private waiters: (() => void)[] = [];

  private bump(): void {
    this.index++;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  register(i: Partial<Instance> & { id: string; service: string; node: string }): void {
    this.instances.push({ address: '10.0.0.1', tags: [], port: 80, checks: [{ CheckID: 'serfHealth', Status: 'passing' }], ...i });
    this.bump();
  }

  setCheck(id: string, status: string): void {
    const inst = this.instances.find((x) => x.id === id)!;
    inst.checks = [{ CheckID: 'serfHealth', Status: 'passing' }, { CheckID: `service:${id}`, Status: status }];
    this.bump();
  }

  put(key: string, value: string, flags = 0): void {
    const prev = this.kv.get(key);
    const next = Number(this.index) + 1;
    this.kv.set(key, { value, flags, modify: next, create: prev?.create ?? next });
    this.bump();
  }

  delete(key: string): void {
    this.kv.delete(key);
    this.bump();
  }

  async fetch(req: ConsulRequest, opts: FetchOptions): Promise<FetchResult> {
    this.requests.push(req.path + (Object.keys(req.query).length ? '?' + new URLSearchParams(req.query).toString() : ''));
    if (opts.index > 0n && opts.index >= this.index) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, opts.waitMs ?? 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
        opts.signal?.addEventListener('abort', () => resolve());
      });
    }
    this.answered++;
    return { data: this.answer(req), index: this.index };
  }

  answer(req: ConsulRequest): unknown {
    const p = req.path;
    if (p.startsWith('/v1/health/service/')) {
      const name = p.slice('/v1/health/service/'.length);
      return this.instances
        .filter((i) => i.service === name)
        .filter((i) => !('tag' in req.query) || i.tags.includes(req.query.tag!))
        .filter((i) => !('passing' in req.query) || i.checks.every((c) => c.Status === 'passing'))
        .map((i) => ({
          Node: { ID: `id-${i.node}`, Node: i.node, Address: i.address, Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
          Service: { ID: i.id, Service: i.service, Tags: i.tags, Address: i.serviceAddress ?? '', Meta: i.meta ?? {}, Port: i.port, Weights: { Passing: 1, Warning: 1 } },
          Checks: i.checks.map((c) => ({ Node: i.node, ...c })),
        }));
    }
    if (p.startsWith('/v1/kv/')) {
      const key = p.slice('/v1/kv/'.length);
      const keys = [...this.kv.keys()].filter((k) => ('recurse' in req.query ? k.startsWith(key) : k === key)).sort();
      if (keys.length === 0) return null;
      return keys.map((k) => {
        const e = this.kv.get(k)!;
        return { Key: k, Value: e.value === '' ? null : Buffer.from(e.value).toString('base64'), Flags: e.flags, CreateIndex: e.create, ModifyIndex: e.modify, LockIndex: 0 };
      });
    }
    if (p === '/v1/catalog/services') {
      const out: Record<string, string[]> = {};
      for (const i of this.instances) out[i.service] = [...new Set([...(out[i.service] ?? []), ...i.tags])];
      return out;
    }
    if (p === '/v1/catalog/nodes') {
      const nodes = [...new Map(this.instances.map((i) => [i.node, i])).values()].sort((a, b) => (a.node < b.node ? -1 : 1));
      return nodes.map((i) => ({ ID: `id-${i.node}`, Node: i.node, Address: i.address, Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} }));
    }
    if (p.startsWith('/v1/catalog/node/')) {
      const name = p.slice('/v1/catalog/node/'.length);
      const mine = this.instances.filter((i) => i.node === name);
      if (mine.length === 0 && name !== this.nodeName) return null;
      const services: Record<string, unknown> = {};
      for (const i of mine) services[i.id] = { ID: i.id, Service: i.service, Tags: i.tags, Port: i.port, Address: i.serviceAddress ?? '', Meta: {} };
      return { Node: { ID: `id-${name}`, Node: name, Address: mine[0]?.address ?? '127.0.0.1', Datacenter: 'dc1' }, Services: services };
    }
    if (p === '/v1/catalog/datacenters') return this.datacenters;
    if (p === '/v1/agent/self') return { Config: { NodeName: this.nodeName, Datacenter: 'dc1' } };
    throw new Error(`MemoryConsul: no handler for ${p}`);
  }
}
