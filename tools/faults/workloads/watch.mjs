// Blocking queries: one writer bumps faults/watch (sequential PUTs of a counter through random endpoints); one
// watcher per endpoint long-polls it (?index=N&wait=2s). Checked: the X-Consul-Index each watcher sees never
// goes backwards, and after the run every watcher reaches the final write's index and sees its value.
import { http, sleep } from '../http.mjs';

export class WatchWorkload {
  name = 'watch';

  constructor() {
    this.seen = new Map(); // watcher name → [{t, index, value}]
    this.finalWrite = undefined;
    this.writes = 0;
    this.stopped = false;
  }

  /** The writer is client 0's job; the others do nothing here (the watchers run in background()). */
  async step(ctx, c, rng, h) {
    if (c !== 0) return void (await sleep(200));
    const call = ctx.now();
    const r = await http(h, 'PUT', '/v1/kv/faults/watch', String(ctx.seq())).catch(() => undefined);
    if (r?.status === 200 && r.text === 'true') {
      this.writes++;
      ctx.ack(call, ctx.now());
    }
    await sleep(100);
  }

  background(ctx) {
    return ctx.cluster.endpoints().map(async (h) => {
      const list = [];
      this.seen.set(h.name, list);
      let index = 0;
      while (!this.stopped) {
        const r = await http(h, 'GET', `/v1/kv/faults/watch?index=${index}&wait=2s`, undefined, 5000).catch(() => undefined);
        if (r?.status === 200 || r?.status === 404) {
          const value = r.status === 200 ? Buffer.from(JSON.parse(r.text)[0].Value ?? '', 'base64').toString() : null;
          list.push({ t: Math.round(ctx.now()), index: r.index, value });
          index = r.index;
        } else await sleep(200);
      }
    });
  }

  async final(ctx) {
    // The last word: a write acknowledged after the faults, read back with ?consistent for its index.
    for (let i = 0; i < 20 && !this.finalWrite; i++) {
      const h = ctx.cluster.servers[i % ctx.cluster.servers.length];
      const value = `final-${ctx.seq()}`;
      const w = await http(h, 'PUT', '/v1/kv/faults/watch', value).catch(() => undefined);
      const r = w?.status === 200 && w.text === 'true' ? await http(h, 'GET', '/v1/kv/faults/watch?consistent').catch(() => undefined) : undefined;
      if (r?.status === 200 && Buffer.from(JSON.parse(r.text)[0].Value, 'base64').toString() === value) this.finalWrite = { index: r.index, value };
      else await sleep(500);
    }
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && ![...this.seen.values()].every((l) => l.at(-1)?.value === this.finalWrite?.value)) await sleep(200);
    this.stopped = true;
  }

  check() {
    const anomalies = [];
    if (!this.finalWrite) anomalies.push({ what: 'watch: the final write was never acknowledged', history: [] });
    for (const [name, list] of this.seen) {
      for (let i = 1; i < list.length; i++) {
        if (list[i].index < list[i - 1].index) {
          anomalies.push({ what: `watch: the index seen by the watcher on ${name} went backwards`, history: list.slice(Math.max(0, i - 3), i + 2) });
          break;
        }
      }
      const last = list.at(-1);
      if (this.finalWrite && (last?.value !== this.finalWrite.value || last.index < this.finalWrite.index)) anomalies.push({ what: `watch: the watcher on ${name} never saw the final write ${JSON.stringify(this.finalWrite)}`, history: list.slice(-5) });
    }
    const n = [...this.seen.values()].reduce((a, l) => a + l.length, 0);
    return { stats: `watch: ${this.writes} writes, ${n} blocking-query answers over ${this.seen.size} watchers, final index ${this.finalWrite?.index}`, anomalies };
  }
}
