// The catalog: each client registers new external nodes (PUT /v1/catalog/register, unique names). At the end
// every acknowledged registration must be in GET /v1/catalog/nodes?consistent through every endpoint.
import { http } from '../http.mjs';

export class CatalogWorkload {
  name = 'catalog';

  constructor() {
    this.acked = new Map();
    this.unknown = new Set();
    this.finals = [];
  }

  async step(ctx, c, rng, h) {
    const node = `fault-c${c}-${ctx.seq()}`;
    const body = JSON.stringify({ Node: node, Address: `192.0.2.${1 + Math.floor(rng() * 250)}`, Service: { Service: 'faults', Port: 80 } });
    const call = ctx.now();
    const r = await http(h, 'PUT', '/v1/catalog/register', body).catch(() => undefined);
    if (r?.status === 200 && r.text.trim() === 'true') {
      this.acked.set(node, { call, ret: ctx.now(), via: h.name });
      ctx.ack(call, ctx.now());
    } else this.unknown.add(node);
  }

  async final(ctx) {
    for (const h of ctx.cluster.endpoints()) {
      const r = await http(h, 'GET', '/v1/catalog/nodes?consistent', undefined, 10_000).catch(() => undefined);
      if (r?.status === 200) this.finals.push({ via: h.name, nodes: new Set(JSON.parse(r.text).map((n) => n.Node)) });
    }
  }

  check() {
    const anomalies = [];
    if (this.finals.length === 0) anomalies.push({ what: 'catalog: no endpoint answered the final read', history: [] });
    let lostMax = 0;
    for (const f of this.finals) {
      const lost = [...this.acked.keys()].filter((n) => !f.nodes.has(n));
      lostMax = Math.max(lostMax, lost.length);
      if (lost.length) anomalies.push({ what: `catalog: ${lost.length} acknowledged registrations missing via ${f.via}`, history: lost.slice(0, 10).map((n) => ({ node: n, ...this.acked.get(n) })) });
    }
    return { stats: `catalog: ${this.acked.size} registrations acknowledged, ${this.unknown.size} unknown`, anomalies, lost: lostMax };
  }
}
