// Sessions and locks: each client holds a session (created through the endpoint it uses), acquires
// faults/lock with ?acquire, reads it with ?consistent to learn its LockIndex, then writes faults/lock-data in a
// transaction fenced by `check-session` (it commits only while its session still holds the lock), and releases.
// Checked: no LockIndex is ever seen held by two sessions (at most one holder per acquisition), and the fenced
// writes, in commit order, carry non-decreasing LockIndexes from the session that held that LockIndex — a stale
// holder (its session invalidated by a partition) can never write after a newer holder.
import { http } from '../http.mjs';

const b64 = (s) => Buffer.from(s).toString('base64');

export class LocksWorkload {
  name = 'locks';

  constructor() {
    this.sessions = new Map(); // client → session id
    this.holds = []; // {client, session, lockIndex, call, ret}
    this.writes = []; // {client, session, lockIndex, modifyIndex, call, ret}
    this.acquires = 0;
  }

  async step(ctx, c, rng, h) {
    let session = this.sessions.get(c);
    if (!session) {
      const r = await http(h, 'PUT', '/v1/session/create', JSON.stringify({ LockDelay: '0s', TTL: '30s', Behavior: 'release', Name: `faults-c${c}` })).catch(() => undefined);
      if (r?.status !== 200) return;
      session = JSON.parse(r.text).ID;
      this.sessions.set(c, session);
    }
    const call = ctx.now();
    const acq = await http(h, 'PUT', `/v1/kv/faults/lock?acquire=${session}`, `c${c}`).catch(() => undefined);
    if (acq?.status === 500 && /invalid session|Session .* not found|does not exist/i.test(acq.text)) this.sessions.delete(c);
    if (acq?.status !== 200 || acq.text !== 'true') return;
    this.acquires++;
    ctx.ack(call, ctx.now());
    const read = await http(h, 'GET', '/v1/kv/faults/lock?consistent').catch(() => undefined);
    if (read?.status !== 200) return;
    const e = JSON.parse(read.text)[0];
    if (e.Session !== session) return; // lost already (session invalidated, then another acquired)
    this.holds.push({ client: c, session, lockIndex: e.LockIndex, call, ret: ctx.now() });
    for (let i = 0; i < 2; i++) {
      const wcall = ctx.now();
      const txn = [
        { KV: { Verb: 'check-session', Key: 'faults/lock', Session: session } },
        { KV: { Verb: 'set', Key: 'faults/lock-data', Value: b64(`${e.LockIndex}:${session}`) } },
      ];
      const w = await http(h, 'PUT', '/v1/txn', JSON.stringify(txn)).catch(() => undefined);
      if (w?.status !== 200) break;
      const kv = JSON.parse(w.text).Results?.[1]?.KV;
      this.writes.push({ client: c, session, lockIndex: e.LockIndex, modifyIndex: kv?.ModifyIndex, call: wcall, ret: ctx.now() });
    }
    await http(h, 'PUT', `/v1/kv/faults/lock?release=${session}`, '').catch(() => undefined);
  }

  async final() {}

  check() {
    const anomalies = [];
    const holder = new Map();
    for (const h of this.holds) {
      const prev = holder.get(h.lockIndex);
      if (prev && prev.session !== h.session) anomalies.push({ what: `locks: LockIndex ${h.lockIndex} held by two sessions`, history: [prev, h] });
      else holder.set(h.lockIndex, h);
    }
    const ordered = [...this.writes].sort((a, b) => a.modifyIndex - b.modifyIndex);
    for (let i = 1; i < ordered.length; i++) {
      const a = ordered[i - 1];
      const b = ordered[i];
      if (b.lockIndex < a.lockIndex) anomalies.push({ what: `locks: fenced write by LockIndex ${b.lockIndex} committed after one by LockIndex ${a.lockIndex} (a stale holder wrote)`, history: [holder.get(a.lockIndex), a, holder.get(b.lockIndex), b].filter(Boolean) });
    }
    for (const w of this.writes) {
      const h = holder.get(w.lockIndex);
      if (h && h.session !== w.session) anomalies.push({ what: `locks: fenced write with LockIndex ${w.lockIndex} from a session that did not hold it`, history: [h, w] });
    }
    return { stats: `locks: ${this.acquires} acquisitions, ${this.holds.length} holds confirmed, ${this.writes.length} fenced writes, ${this.sessions.size} sessions live`, anomalies };
  }
}
