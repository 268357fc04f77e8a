// A CAS register per key: writes of unique values, CAS (a consistent read, then a write conditioned on the
// version read: with unique values this is a value CAS, no ABA), consistent reads, and default reads (Consul's
// leader mode: not linearizable by design, so counted, not checked). A write without an answer has an unknown
// outcome (it may or may not have happened). After the run every endpoint is read for every key: a lost
// acknowledged write shows there. Checked per key by @conclave/linearizability (Wing & Gong, as Porcupine).
import { checkLinearizable } from '../../../packages/linearizability/dist/index.js';
import { minimize } from '../minimize.mjs';

export class RegisterWorkload {
  name = 'register';

  constructor({ keys = 6, epochMs = 10_000 } = {}) {
    // Keys rotate every epochMs (k<epoch>-<i>): a key's history stays short however long the run, so the
    // linearizability search stays tractable (a 5-minute run on 4 fixed keys with hundreds of unknown-outcome
    // writes ran it out of steps).
    this.keyCount = keys;
    this.epochMs = epochMs;
    this.keys = new Set();
    this.history = [];
    this.defaultReads = 0;
    this.opId = 0;
  }

  record(call, ret, op, out) {
    this.history.push({ id: this.opId++, call, ret, op, out });
  }

  /** One operation by client `c` (rng: that client's seeded source) against endpoint `h`. */
  async step(ctx, c, rng, h) {
    const { cluster, now } = ctx;
    const key = `k${Math.floor(now() / this.epochMs)}-${Math.floor(rng() * this.keyCount)}`;
    this.keys.add(key);
    const r = rng();
    const value = `c${c}-${ctx.seq()}`;
    if (r < 0.35) {
      const call = now();
      const ok = await cluster.kvPut(h, key, value).catch(() => false);
      this.record(call, ok ? now() : Infinity, { k: 'put', key, value }, ok ? 'ok' : undefined);
      if (ok) ctx.ack(call, now());
    } else if (r < 0.65) {
      const call = now();
      const read = await cluster.kvGet(h, key).catch(() => undefined);
      if (read === undefined) return;
      const from = read?.value ?? null;
      this.record(call, now(), { k: 'get', key }, from);
      const call2 = now();
      const res = await cluster.kvCas(h, key, read?.index ?? 0, value).catch(() => undefined);
      this.record(call2, res === undefined ? Infinity : now(), { k: 'cas', key, from, to: value }, res);
      if (res === true) ctx.ack(call2, now());
    } else if (r < 0.9) {
      const call = now();
      const read = await cluster.kvGet(h, key).catch(() => undefined);
      if (read !== undefined) this.record(call, now(), { k: 'get', key }, read?.value ?? null);
    } else {
      await cluster.kvGet(h, key, { consistent: false }).catch(() => undefined);
      this.defaultReads++;
    }
  }

  async final(ctx) {
    for (const key of this.keys) {
      for (const h of ctx.cluster.endpoints()) {
        const call = ctx.now();
        const read = await ctx.cluster.kvGet(h, key).catch(() => undefined);
        if (read !== undefined) this.record(call, ctx.now(), { k: 'get', key }, read?.value ?? null);
      }
    }
  }

  check() {
    const by = (k) => this.history.filter((h) => h.op.k === k).length;
    const stats = `register: ${this.history.length} ops (put ${by('put')}, cas ${by('cas')}, consistent get ${by('get')}), unknown outcome ${this.history.filter((h) => h.ret === Infinity).length}, default reads ${this.defaultReads}`;
    let v = checkLinearizable(this.history, 5_000_000);
    if (v.ok === 'unknown') {
      // Writes with an unknown outcome multiply the search. One whose value no read (nor successful CAS) ever
      // saw may be dropped: if the rest is linearizable, so is the whole (linearize the dropped write last,
      // where nobody sees it). The converse does not hold, so a failure here stays "unknown", not "not
      // linearizable".
      const seen = new Set(this.history.filter((h) => h.ret !== Infinity && (h.op.k === 'get' || (h.op.k === 'cas' && h.out === true))).map((h) => (h.op.k === 'get' ? h.out : h.op.from)));
      const pruned = this.history.filter((h) => !(h.ret === Infinity && !seen.has(h.op.k === 'put' ? h.op.value : h.op.to)));
      const v2 = checkLinearizable(pruned, 5_000_000);
      if (v2.ok === true) return { stats: `${stats}; linearizable once ${this.history.length - pruned.length} never-observed unknown-outcome writes are dropped`, anomalies: [] };
    }
    if (v.ok === true) return { stats, anomalies: [] };
    if (v.ok === 'unknown') return { stats, anomalies: [{ what: `register: linearizability unknown on key ${v.key} (the search ran out of steps)`, history: [] }] };
    const history = minimize(v.ops, (ops) => checkLinearizable(ops, 200_000).ok === false);
    return { stats, anomalies: [{ what: `register: NOT linearizable on key ${v.key}`, history }] };
  }
}
