// An append-set: each add is a new key under faults/set/ (PUT, unique name). At the end a ?consistent recursive
// read through every endpoint must hold every acknowledged add; an add with an unknown outcome may be there or
// not; anything else there was never sent.
import { http } from '../http.mjs';

export class AppendSetWorkload {
  name = 'append-set';

  constructor() {
    this.acked = new Map(); // element → {call, ret, via}
    this.unknown = new Set();
    this.finals = []; // {via, elements}
  }

  async step(ctx, c, rng, h) {
    const el = `c${c}-${ctx.seq()}`;
    const call = ctx.now();
    const r = await http(h, 'PUT', `/v1/kv/faults/set/${el}`, el).catch(() => undefined);
    if (r?.status === 200 && r.text === 'true') {
      this.acked.set(el, { call, ret: ctx.now(), via: h.name });
      ctx.ack(call, ctx.now());
    } else this.unknown.add(el);
  }

  async final(ctx) {
    for (const h of ctx.cluster.endpoints()) {
      const r = await http(h, 'GET', '/v1/kv/faults/set/?recurse&consistent', undefined, 10_000).catch(() => undefined);
      if (r?.status === 200) this.finals.push({ via: h.name, elements: new Set(JSON.parse(r.text).map((e) => e.Key.slice('faults/set/'.length))) });
      else if (r?.status === 404) this.finals.push({ via: h.name, elements: new Set() });
    }
  }

  check() {
    const anomalies = [];
    if (this.finals.length === 0) anomalies.push({ what: 'append-set: no endpoint answered the final read', history: [] });
    for (const f of this.finals) {
      const lost = [...this.acked.keys()].filter((el) => !f.elements.has(el));
      if (lost.length) anomalies.push({ what: `append-set: ${lost.length} acknowledged adds missing from the final read via ${f.via}`, history: lost.slice(0, 10).map((el) => ({ add: el, ...this.acked.get(el) })) });
      const phantom = [...f.elements].filter((el) => !this.acked.has(el) && !this.unknown.has(el));
      if (phantom.length) anomalies.push({ what: `append-set: ${phantom.length} elements never sent are in the final read via ${f.via}`, history: phantom.slice(0, 10) });
    }
    const present = this.finals[0] ? [...this.unknown].filter((el) => this.finals[0].elements.has(el)).length : 0;
    return { stats: `append-set: ${this.acked.size} adds acknowledged, ${this.unknown.size} unknown (${present} of those applied), final reads from ${this.finals.length} endpoints`, anomalies, lost: this.finals.length ? Math.max(0, ...this.finals.map((f) => [...this.acked.keys()].filter((el) => !f.elements.has(el)).length)) : 0 };
  }
}
