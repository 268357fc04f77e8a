import { describe, expect, it } from 'vitest';
import { testProfile } from '../src/config.js';
import { GossipConfigError } from '../src/errors.js';
import { GossipCore, type GossipOutput } from '../src/gossip-core.js';
import { SharedRoster } from '../src/shared-roster.js';
import { decodePacket, encodeMessage, MsgType, type StateEntry } from '../src/messages.js';

const N = 20; // at most 32: push/pull is not scaled, so both cores draw the same first push/pull time
const names = Array.from({ length: N }, (_, i) => `m${String(i).padStart(2, '0')}`);
const addrOf = (i: number): string => `10.0.0.${i + 1}:8301`;
const entries = names.map((name, i) => ({ name, addr: addrOf(i) }));

/** A push/pull carrying every entry at incarnation `inc`. */
const pushPullAt = (inc: number): Uint8Array =>
  encodeMessage({
    t: MsgType.pushPull,
    from: 'roster',
    join: true,
    states: entries.map((e): StateEntry => ({ node: e.name, addr: e.addr, inc, tags: {}, s: 1 })),
    lt: 0,
  });
const rosterPushPull = pushPullAt(1);

/**
 * The same members one incarnation later. What a push/pull teaches is spread
 * (new or newer entries are queued as broadcasts), so both cores below learn
 * it the same way: the roster-built one as newer incarnations, the private one
 * as new members; both queue the same broadcasts in the same order.
 */
const newerPushPull = pushPullAt(2);

/** The old way: a private table filled by a push/pull. */
function privateCore(self: number, seed: number): GossipCore {
  const c = new GossipCore({ name: names[self]!, addr: addrOf(self), config: testProfile(), seed, now: 0, incarnation: 2 });
  c.handleStream('0.0.0.0:0', newerPushPull, 0);
  c.drainEvents();
  return c;
}

const show = (outs: GossipOutput[]): string[] =>
  outs.map((o) => `${o.kind} ${o.to} ${Buffer.from(o.data).toString('hex')}`);

describe('SharedRoster and the copy-on-write member table', () => {
  it('a core built from a roster takes exactly the steps of one with a private table, through joins and removals', () => {
    const roster = new SharedRoster(entries, 0);
    const self = 5;
    const a = new GossipCore({ name: names[self]!, addr: addrOf(self), config: testProfile(), seed: 7, now: 0, roster, incarnation: 2 });
    // The roster's own state again changes nothing in the table.
    a.handleStream('0.0.0.0:0', rosterPushPull, 0);
    expect(a.drainEvents()).toEqual([]);
    const b = privateCore(self, 7);
    a.handleStream('0.0.0.0:0', newerPushPull, 0);
    expect(a.drainEvents()).toEqual([]);
    expect(a.members()).toEqual(b.members());
    expect(a.numLive()).toBe(N);
    // Even-numbered members (and m99, which joins later) answer pings; the odd ones are down and get suspected, then failed.
    const inbox: { at: number; from: string; data: Uint8Array }[] = [];
    let joined = false;
    let pruned = '';
    let now = 0;
    for (let steps = 0; steps < 5000 && now < 60_000; steps++) {
      const next = Math.min(a.nextWakeAt(), inbox.length ? inbox[0]!.at : Infinity);
      expect(b.nextWakeAt()).toBe(a.nextWakeAt());
      now = next;
      while (inbox.length && inbox[0]!.at <= now) {
        const m = inbox.shift()!;
        a.handlePacket(m.from, m.data, now);
        b.handlePacket(m.from, m.data, now);
      }
      a.tick(now);
      b.tick(now);
      if (!joined && now >= 20_000) {
        // A new member: the roster-built table must turn private and keep the same order.
        joined = true;
        const msg = encodeMessage({ t: MsgType.alive, node: 'm99', addr: '10.0.1.1:8301', inc: 1, tags: { role: 'x' } });
        a.handlePacket('10.0.1.1:8301', msg, now);
        b.handlePacket('10.0.1.1:8301', msg, now);
      }
      if (!pruned && now >= 40_000) {
        const failed = a.members().find((m) => m.status === 'failed');
        if (failed) {
          pruned = failed.name;
          expect(a.prune(pruned)).toBe(true);
          expect(b.prune(pruned)).toBe(true);
        }
      }
      const oa = a.drainOutputs();
      expect(show(oa)).toEqual(show(b.drainOutputs()));
      expect(a.drainEvents()).toEqual(b.drainEvents());
      for (const o of oa) {
        if (o.kind !== 'packet') continue;
        const target = o.to === '10.0.1.1:8301' ? 0 : names.findIndex((_, i) => addrOf(i) === o.to);
        if (target < 0 || target % 2 === 1) continue;
        for (const m of decodePacket(o.data)) {
          if (m.t === MsgType.ping) inbox.push({ at: now + 3, from: o.to, data: encodeMessage({ t: MsgType.ack, seq: m.seq }) });
        }
      }
    }
    expect(joined).toBe(true);
    expect(pruned).not.toBe('');
    expect(a.members()).toEqual(b.members());
    expect(a.statusOf('m99')).toBe('alive');
    expect(a.statusOf(pruned)).toBeUndefined();
    expect(a.members().filter((m) => m.status === 'failed').length).toBeGreaterThan(0);
    expect(a.stats).toEqual(b.stats);
  });

  it('changes stay in the core that made them; the roster records are frozen and shared', () => {
    const roster = new SharedRoster(entries, 0);
    const a = new GossipCore({ name: 'm00', addr: addrOf(0), config: testProfile(), seed: 1, now: 0, roster });
    const b = new GossipCore({ name: 'm01', addr: addrOf(1), config: testProfile(), seed: 2, now: 0, roster });
    a.handlePacket(addrOf(3), encodeMessage({ t: MsgType.dead, node: 'm02', inc: 1, from: 'm03' }), 10);
    expect(a.statusOf('m02')).toBe('failed');
    expect(a.numLive()).toBe(N - 1);
    expect(b.statusOf('m02')).toBe('alive');
    expect(b.numLive()).toBe(N);
    expect(roster.recs[2]!.status).toBe('alive');
    expect(Object.isFrozen(roster.recs[2])).toBe(true);
    // Each core is itself, whatever the roster says about it.
    expect(a.localMember()).toMatchObject({ name: 'm00', incarnation: 1, status: 'alive' });
    b.handlePacket(addrOf(3), encodeMessage({ t: MsgType.alive, node: 'm02', addr: addrOf(2), inc: 4, tags: {} }), 10);
    expect(b.incarnationOf('m02')).toBe(4);
    expect(a.incarnationOf('m02')).toBe(1);
  });

  it('a roster without the local node adds it in front; one with failed members counts them as not live', () => {
    const roster = new SharedRoster(
      [
        { name: 'x', addr: '10.0.0.2:8301' },
        { name: 'y', addr: '10.0.0.3:8301', status: 'failed', incarnation: 3 },
      ],
      0,
    );
    const c = new GossipCore({ name: 'me', addr: '10.0.0.1:8301', config: testProfile(), seed: 1, now: 0, roster });
    expect(c.members().map((m) => `${m.name}:${m.status}`)).toEqual(['me:alive', 'x:alive', 'y:failed']);
    expect(c.numLive()).toBe(2);
    expect(c.prune('y')).toBe(true);
    expect(c.members().map((m) => m.name)).toEqual(['me', 'x']);
  });

  it('refuses a roster it cannot use, saying which entry', () => {
    expect(() => new SharedRoster([{ name: 'a', addr: '10.0.0.1:8301' }, { name: 'a', addr: '10.0.0.2:8301' }], 0)).toThrow(
      /"a" is listed twice/,
    );
    expect(() => new SharedRoster([{ name: 'a', addr: 'nowhere' }], 0)).toThrow(GossipConfigError);
    expect(() => new SharedRoster([{ name: '', addr: '10.0.0.1:8301' }], 0)).toThrow(/1 to 512 characters/);
    expect(() => new SharedRoster([{ name: 'a', addr: '10.0.0.1:8301', incarnation: -1 }], 0)).toThrow(/incarnation/);
    expect(() => new SharedRoster([{ name: 'a', addr: '10.0.0.1:8301', tags: { k: 1 as unknown as string } }], 0)).toThrow(/tag "k"/);
  });
});
