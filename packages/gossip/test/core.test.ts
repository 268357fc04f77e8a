import { describe, expect, it } from 'vitest';
import { suspicionMinTimeout, testProfile } from '../src/config.js';
import { SizeLimitError } from '../src/errors.js';
import { GossipCore, type GossipEvent } from '../src/gossip-core.js';
import { decodePacket, encodeMessage, encodePacket, MsgType } from '../src/messages.js';
import { bootCluster, converged, countSeeing, nodeName } from './sim/scenarios.js';
import { Simulation } from './sim/simulator.js';

const core = (name = 'a', addr = '10.0.0.1:8301'): GossipCore => new GossipCore({ name, addr, config: testProfile(), seed: 1, now: 0 });
const alive = (node: string, inc: number, tags: Record<string, string> = {}, addr = '10.0.0.9:8301'): Uint8Array =>
  encodeMessage({ t: MsgType.alive, node, addr, inc, tags });

describe('GossipCore rules', () => {
  it('answers a ping addressed to it and drops one for another name', () => {
    const a = core();
    a.handlePacket('10.0.0.2:8301', encodeMessage({ t: MsgType.ping, seq: 9, node: 'a', from: 'b' }), 1);
    const out = a.drainOutputs();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'packet', to: '10.0.0.2:8301' });
    const msgs = decodePacket((out[0] as { data: Uint8Array }).data);
    expect(msgs[0]).toEqual({ t: MsgType.ack, seq: 9 });
    a.handlePacket('10.0.0.2:8301', encodeMessage({ t: MsgType.ping, seq: 10, node: 'zz', from: 'b' }), 1);
    expect(a.drainOutputs()).toHaveLength(0);
    expect(a.stats.misaddressed).toBe(1);
  });

  it('refutes a suspicion about itself with a higher incarnation, riding on the ack (buddy system)', () => {
    const a = core();
    const pkt = encodePacket([
      encodeMessage({ t: MsgType.ping, seq: 1, node: 'a', from: 'b' }),
      encodeMessage({ t: MsgType.suspect, node: 'a', inc: 1, from: 'b' }),
    ]);
    a.drainOutputs();
    a.handlePacket('10.0.0.2:8301', pkt, 5);
    expect(a.localMember().incarnation).toBe(2);
    expect(a.stats.refutations).toBe(1);
    const msgs = decodePacket((a.drainOutputs()[0] as { data: Uint8Array }).data);
    expect(msgs.map((m) => m.t)).toContain(MsgType.ack);
    expect(msgs.find((m) => m.t === MsgType.alive)).toMatchObject({ node: 'a', inc: 2 });
  });

  it('applies incarnation rules: stale news is ignored, left is final for its incarnation', () => {
    const a = core();
    const events: GossipEvent[] = [];
    const feed = (m: Uint8Array): void => {
      a.handlePacket('10.0.0.9:8301', m, 10);
      events.push(...a.drainEvents());
    };
    feed(alive('b', 5, { role: 'x' }));
    expect(a.member('b')).toMatchObject({ status: 'alive', incarnation: 5 });
    feed(encodeMessage({ t: MsgType.suspect, node: 'b', inc: 4, from: 'c' }));
    expect(a.statusOf('b')).toBe('alive');
    feed(alive('b', 6, { role: 'y' }));
    expect(a.member('b')!.tags).toEqual({ role: 'y' });
    feed(encodeMessage({ t: MsgType.leave, node: 'b', inc: 6 }));
    expect(a.member('b')).toMatchObject({ status: 'leaving' });
    feed(encodeMessage({ t: MsgType.dead, node: 'b', inc: 6, from: 'b' }));
    expect(a.statusOf('b')).toBe('left');
    feed(alive('b', 6, { role: 'y' }));
    expect(a.statusOf('b')).toBe('left');
    feed(alive('b', 7, { role: 'y' }));
    expect(a.statusOf('b')).toBe('alive');
    expect(events.map((e) => e.type)).toEqual(['join', 'update', 'leave', 'join']);
  });

  it('a suspicion at a newer incarnation restarts the timer: the member refuted the old one', () => {
    const a = core();
    a.handlePacket('10.0.0.9:8301', alive('b', 1), 0);
    const c = testProfile();
    // Two live members: no confirmations are expected, the timeout is the minimum.
    const timeout = suspicionMinTimeout(c.suspicionMult, 2, c.probeIntervalMs);
    a.handlePacket('10.0.0.9:8301', encodeMessage({ t: MsgType.suspect, node: 'b', inc: 1, from: 'c' }), 10);
    expect(a.statusOf('b')).toBe('suspect');
    // b refuted (incarnation 2), we missed its alive, and now hear it suspected again.
    const again = 10 + timeout / 2;
    a.handlePacket('10.0.0.9:8301', encodeMessage({ t: MsgType.suspect, node: 'b', inc: 2, from: 'd' }), again);
    // Ticks as a driver would give them (a late tick is judged leniently by Lifeguard).
    const runTo = (t: number): void => {
      for (let now = a.nextWakeAt(); now <= t; now = a.nextWakeAt()) a.tick(now);
    };
    runTo(10 + timeout + 1);
    expect(a.member('b')).toMatchObject({ status: 'suspect', incarnation: 2 });
    runTo(again + timeout + 1);
    expect(a.member('b')).toMatchObject({ status: 'failed', incarnation: 2 });
  });

  describe('the last call before declaring a failure (Lifeguard)', () => {
    const packets = (a: GossipCore) =>
      a.drainOutputs().flatMap((o) => (o.kind === 'packet' ? [{ to: o.to, msgs: decodePacket(o.data) }] : []));
    const setup = () => {
      const a = core();
      const addr = (n: string): string => `10.0.1.${n.charCodeAt(0)}:8301`;
      for (const n of ['b', 'c', 'd', 'e']) a.handlePacket(addr(n), alive(n, 1, {}, addr(n)), 0);
      a.drainOutputs();
      a.handlePacket(addr('c'), encodeMessage({ t: MsgType.suspect, node: 'b', inc: 1, from: 'c' }), 10);
      const c = testProfile();
      // The timer starts at Lifeguard's maximum: nobody confirms here.
      const deadline = 10 + c.suspicionMaxTimeoutMult * suspicionMinTimeout(c.suspicionMult, 5, c.probeIntervalMs);
      // Everyone answers a's pings at once (b too: only the last call decides here), and
      // packets that are not pings are kept for the test to look at.
      const kept: { to: string; msgs: ReturnType<typeof decodePacket> }[] = [];
      const runTo = (t: number): void => {
        for (let now = a.nextWakeAt(); now <= t; now = a.nextWakeAt()) {
          a.tick(now);
          for (const p of packets(a)) {
            const ping = p.msgs.find((m) => m.t === MsgType.ping);
            if (ping) a.handlePacket(p.to, encodeMessage({ t: MsgType.ack, seq: ping.seq }), now);
            else kept.push(p);
          }
        }
      };
      const checks = (): string[] => kept.splice(0).filter((p) => p.msgs.some((m) => m.t === MsgType.check)).map((p) => p.to);
      return { a, addr, deadline, runTo, checks, callMs: c.probeTimeoutMs };
    };

    it('asks the suspect and three others one probe timeout before the deadline; a newer incarnation saves it', () => {
      const { a, addr, deadline, runTo, checks, callMs } = setup();
      runTo(deadline - callMs - 1);
      expect(checks()).toEqual([]);
      runTo(deadline - callMs);
      expect(checks().sort()).toEqual(['b', 'c', 'd', 'e'].map(addr).sort()); // the suspect and three others
      const call = encodeMessage({ t: MsgType.check, node: 'b', inc: 1, from: 'a' });
      expect(decodePacket(call)).toEqual([{ t: MsgType.check, node: 'b', inc: 1, from: 'a' }]);
      // d heard b's refutation, which we missed, and answers with it.
      a.handlePacket(addr('d'), alive('b', 2, {}, addr('b')), deadline - 10);
      runTo(deadline + 10 * callMs);
      expect(a.member('b')).toMatchObject({ status: 'alive', incarnation: 2 });
    });

    it('with no answer the member is declared failed at the deadline, not later', () => {
      const { a, deadline, runTo, checks } = setup();
      const events: GossipEvent[] = [];
      runTo(deadline - 1);
      expect(a.statusOf('b')).toBe('suspect');
      expect(checks()).toHaveLength(4);
      runTo(deadline);
      events.push(...a.drainEvents());
      expect(a.statusOf('b')).toBe('failed');
      expect(events.filter((e) => e.type === 'fail').map((e) => e.member.name)).toEqual(['b']);
    });

    it('answers a check: the suspect refutes, a member that knows better says so, one that does not stays silent', () => {
      const a = core();
      a.handlePacket('10.0.0.9:8301', alive('b', 3), 0);
      a.drainOutputs();
      const check = (node: string, inc: number): Uint8Array => encodeMessage({ t: MsgType.check, node, inc, from: 'z' });
      a.handlePacket('10.0.0.26:8301', check('a', 1), 1);
      expect(a.localMember().incarnation).toBe(2);
      expect(packets(a)).toEqual([{ to: '10.0.0.26:8301', msgs: [{ t: MsgType.alive, node: 'a', addr: '10.0.0.1:8301', inc: 2, tags: {} }] }]);
      a.handlePacket('10.0.0.26:8301', check('b', 2), 2);
      expect(packets(a)).toEqual([{ to: '10.0.0.26:8301', msgs: [{ t: MsgType.alive, node: 'b', addr: '10.0.0.9:8301', inc: 3, tags: {} }] }]);
      a.handlePacket('10.0.0.26:8301', check('b', 3), 3);
      a.handlePacket('10.0.0.26:8301', check('nobody', 1), 3);
      expect(packets(a)).toEqual([]);
    });

    it('a member whose probe fails tells the suspect at once', () => {
      const a = core();
      a.handlePacket('10.0.0.9:8301', alive('b', 1), 0);
      a.drainOutputs();
      let sent: ReturnType<typeof packets> = [];
      for (let now = a.nextWakeAt(); a.statusOf('b') !== 'suspect' && now < 60_000; now = a.nextWakeAt()) {
        a.tick(now);
        sent = packets(a);
      }
      expect(a.statusOf('b')).toBe('suspect');
      // In the tick that raised the suspicion: a packet to b with nothing but the news.
      expect(sent).toContainEqual({ to: '10.0.0.9:8301', msgs: [{ t: MsgType.suspect, node: 'b', inc: 1, from: 'a' }] });
    });
  });

  it('news of a graceful leave goes ahead of queued suspicions', () => {
    const a = core();
    const ping = (seq: number, now: number) => {
      a.handlePacket('10.0.0.2:8301', encodeMessage({ t: MsgType.ping, seq, node: 'a', from: 'b' }), now);
      return a.drainOutputs().flatMap((o) => (o.kind === 'packet' ? decodePacket(o.data) : []));
    };
    for (let i = 0; i < 80; i++) a.handlePacket('10.0.0.9:8301', alive(`m${i}`, 1, {}, `10.0.2.${i}:8301`), 0);
    for (let seq = 1; a.queuedBroadcasts() > 0 && seq < 10_000; seq++) ping(seq, 1); // send the joins out
    // More suspicions than one packet holds, then b leaves.
    for (let i = 1; i < 80; i++) a.handlePacket('10.0.0.9:8301', encodeMessage({ t: MsgType.suspect, node: `m${i}`, inc: 1, from: 'c' }), 2);
    a.handlePacket('10.0.0.9:8301', encodeMessage({ t: MsgType.dead, node: 'm0', inc: 1, from: 'm0' }), 3);
    expect(a.statusOf('m0')).toBe('left');
    expect(ping(20_000, 4)).toContainEqual({ t: MsgType.dead, node: 'm0', inc: 1, from: 'm0' });
  });

  it('rejects a live name claimed from a different address', () => {
    const a = core();
    a.handlePacket('x', alive('b', 1, {}, '10.0.0.5:8301'), 0);
    a.handlePacket('x', alive('b', 2, {}, '10.0.0.6:8301'), 0);
    expect(a.member('b')!.addr).toBe('10.0.0.5:8301');
    expect(a.stats.conflicts).toBe(1);
  });

  it('force-leave turns a failed member left; prune forgets it', () => {
    const a = core();
    a.handlePacket('x', alive('b', 1), 0);
    a.handlePacket('x', encodeMessage({ t: MsgType.dead, node: 'b', inc: 1, from: 'c' }), 0);
    expect(a.statusOf('b')).toBe('failed');
    expect(a.forceLeave('b', 1)).toBe(true);
    expect(a.statusOf('b')).toBe('left');
    expect(a.prune('b')).toBe(true);
    expect(a.member('b')).toBeUndefined();
    expect(a.forceLeave('nobody', 1)).toBe(false);
  });

  it('refuses nonsense configuration with a reason', () => {
    const mk = (over: object): GossipCore => new GossipCore({ name: 'a', addr: '10.0.0.1:8301', config: { ...testProfile(), ...over }, seed: 1, now: 0 });
    expect(() => mk({ probeIntervalMs: 0 })).toThrow(/probeIntervalMs must be greater than 0/);
    expect(() => mk({ gossipNodes: -1 })).toThrow(/gossipNodes must be a non-negative number/);
    expect(() => mk({ probeTimeoutMs: 500, probeIntervalMs: 400 })).toThrow(/must be below probeIntervalMs/);
    expect(() => mk({ udpPacketSize: 100 })).toThrow(/udpPacketSize/);
    expect(() => new GossipCore({ name: 'a', addr: 'nowhere', config: testProfile(), seed: 1, now: 0 })).toThrow(/not ip:port/);
  });

  it('refuses tags that cannot fit in a packet', () => {
    const a = core();
    expect(() => a.setTags({ big: 'x'.repeat(2000) }, 0)).toThrow(SizeLimitError);
    a.setTags({ role: 'node' }, 0);
    expect(a.localMember()).toMatchObject({ incarnation: 2, tags: { role: 'node' } });
  });

  it('never sends a packet over the size limit, even with a long queue', () => {
    const a = core();
    a.handlePacket('x', alive('b', 1), 0);
    for (let i = 0; i < 200; i++) a.sendUserEvent(`ev${i}`, new Uint8Array(100));
    for (let t = 0; t < 2000; t += 10) a.tick(t);
    const packets = a.drainOutputs().filter((o) => o.kind === 'packet');
    expect(packets.length).toBeGreaterThan(5);
    for (const p of packets) expect(p.data.length).toBeLessThanOrEqual(1400);
  });
});

describe('Lifeguard: a starved node reads its inbox before judging', () => {
  const starved = (lifeguard: boolean): GossipCore => {
    const a = new GossipCore({ name: 'a', addr: '10.0.0.1:8301', config: { ...testProfile(), lifeguard }, seed: 3, now: 0 });
    a.handlePacket('x', alive('b', 1, {}, '10.0.0.2:8301'), 0);
    // run until a probe of b is in flight
    let t = 0;
    let seq = -1;
    while (seq < 0 && t < 1000) {
      t = a.nextWakeAt();
      a.tick(t);
      for (const o of a.drainOutputs()) {
        if (o.kind !== 'packet') continue;
        const ping = decodePacket(o.data).find((m) => m.t === MsgType.ping);
        if (ping && ping.t === MsgType.ping) seq = ping.seq;
      }
    }
    expect(seq).toBeGreaterThan(0);
    // b answered at once, but a was starved for a second: its timer fires before it reads the ack
    const late = t + 1000;
    a.tick(late);
    a.handlePacket('10.0.0.2:8301', encodeMessage({ t: MsgType.ack, seq }), late);
    a.tick(Math.max(late, a.nextWakeAt()));
    return a;
  };

  it('with Lifeguard the late ack still counts and nobody is suspected', () => {
    const a = starved(true);
    expect(a.stats.probeFailures).toBe(0);
    expect(a.statusOf('b')).toBe('alive');
  });

  it('without Lifeguard the stale timer wins and b is suspected', () => {
    const a = starved(false);
    expect(a.stats.probeFailures).toBe(1);
    expect(a.statusOf('b')).toBe('suspect');
  });
});

describe('probing paths', () => {
  it('a member reachable only through others (ping-req) or TCP is not suspected', () => {
    const sim = bootCluster({ seed: 11, config: testProfile(), n: 3 });
    expect(sim.runUntil(() => converged(sim), 20_000)).toBeGreaterThanOrEqual(0);
    sim.blockUdp(nodeName(0), nodeName(2));
    sim.runFor(10_000);
    expect(sim.core(nodeName(0)).stats.suspicionsRaised).toBe(0);
    expect(sim.core(nodeName(2)).stats.suspicionsRaised).toBe(0);
  });

  it('with no helpers, the TCP fallback ping keeps a UDP-blocked member alive', () => {
    const config = { ...testProfile(), indirectChecks: 0 };
    const sim = new Simulation({ seed: 12, config });
    sim.addNode('a');
    sim.addNode('b', { join: ['a'] });
    expect(sim.runUntil(() => converged(sim), 20_000)).toBeGreaterThanOrEqual(0);
    sim.blockUdp('a', 'b');
    sim.runFor(5_000);
    expect(sim.core('a').stats.probeFailures).toBe(0);
    expect(sim.core('a').statusOf('b')).toBe('alive');
  });

  it('failed members are reaped after the reconnect timeout', () => {
    const config = { ...testProfile(), reconnectTimeoutMs: 5_000 };
    const sim = bootCluster({ seed: 13, config, n: 10 });
    expect(sim.runUntil(() => converged(sim), 20_000)).toBeGreaterThanOrEqual(0);
    const reaped = new Set<string>();
    sim.observe((obs, e) => e.type === 'reap' && reaped.add(obs));
    sim.crash(nodeName(4));
    expect(sim.runUntil(() => countSeeing(sim, nodeName(4), 'failed') === 9, 10_000)).toBeGreaterThanOrEqual(0);
    sim.runFor(7_000);
    expect(reaped.size).toBe(9);
    for (const n of sim.liveNames()) expect(sim.core(n).member(nodeName(4))).toBeUndefined();
  });

  it('user events reach every member once, under loss', () => {
    const sim = bootCluster({ seed: 14, config: testProfile(), n: 50, loss: 0.05 });
    expect(sim.runUntil(() => converged(sim), 30_000)).toBeGreaterThanOrEqual(0);
    const seen = new Map<string, number>();
    sim.observe((obs, e) => e.type === 'user-event' && seen.set(obs, (seen.get(obs) ?? 0) + 1));
    sim.core(nodeName(3)).sendUserEvent('deploy', Buffer.from('v1'));
    sim.runFor(1);
    sim.runFor(5_000);
    expect(seen.size).toBe(50);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
  });
});

describe('queries (simulated)', () => {
  it('reach every member once under loss and each answer comes back to the origin', () => {
    const sim = bootCluster({ seed: 21, config: testProfile(), n: 30, loss: 0.02 });
    expect(sim.runUntil(() => converged(sim), 30_000)).toBeGreaterThanOrEqual(0);
    const asked = new Map<string, number>();
    const answers = new Map<string, string>();
    const origin = nodeName(5);
    sim.observe((obs, e) => {
      if (e.type === 'query') {
        asked.set(obs, (asked.get(obs) ?? 0) + 1);
        sim.core(obs).respondQuery(e.query, Buffer.from(obs));
      }
      if (e.type === 'query-response' && obs === origin) answers.set(e.node, Buffer.from(e.payload).toString());
    });
    sim.core(origin).sendQuery('ping-all', Buffer.from('x'));
    sim.runFor(1);
    sim.runFor(5_000);
    expect(asked.size).toBe(30);
    expect([...asked.values()].every((c) => c === 1)).toBe(true);
    // Answers are single packets: under 2 % loss a few may be lost, never duplicated or misattributed.
    expect(answers.size).toBeGreaterThanOrEqual(25);
    for (const [node, text] of answers) expect(text).toBe(node);
  });

  it('a direct resend reaches a member that missed the gossip, and makes one that had it answer again', () => {
    const sim = bootCluster({ seed: 22, config: { ...testProfile(), pushPullIntervalMs: 60_000 }, n: 5 });
    expect(sim.runUntil(() => converged(sim), 30_000)).toBeGreaterThanOrEqual(0);
    const cut = nodeName(3);
    const origin = nodeName(1);
    const got: string[] = [];
    sim.observe((obs, e) => {
      if (e.type === 'query' || e.type === 'query-repeat') got.push(`${obs}:${e.type}`);
    });
    for (const n of sim.liveNames()) if (n !== cut) sim.blockUdp(n, cut);
    const q = sim.core(origin).sendQuery('k', Buffer.from('x'));
    sim.runFor(testProfile().gossipIntervalMs * 20);
    expect(got.filter((g) => g.startsWith(`${cut}:`))).toEqual([]);
    sim.heal();
    sim.core(origin).resendQuery(q, [sim.addrOf(cut), sim.addrOf(nodeName(2))]);
    sim.runFor(100);
    expect(got.filter((g) => g.startsWith(`${cut}:`) || g.startsWith(`${nodeName(2)}:`)).sort()).toEqual([`${nodeName(2)}:query`, `${nodeName(2)}:query-repeat`, `${cut}:query`]);
  });

  it('drops malformed queries and answers addressed to another origin', () => {
    const a = core();
    a.handlePacket('10.0.0.2:8301', encodeMessage({ t: MsgType.queryResponse, id: 1, from: 'someone-else', node: 'b', payload: new Uint8Array() }), 1);
    expect(a.drainEvents()).toEqual([]);
    expect(() => decodePacket(encodeMessage({ t: MsgType.query, id: -1, from: 'b', addr: 'x', name: 'q', payload: new Uint8Array() } as never))).toThrow(/invalid query/);
  });
});

describe('user events through push/pull', () => {
  it('a member that missed an event in gossip gets it at a later push/pull, once', () => {
    // Push/pull once a minute: the event's gossip (a few 50 ms rounds) is long over before one comes.
    const config = { ...testProfile(), pushPullIntervalMs: 60_000 };
    const sim = bootCluster({ seed: 33, config, n: 6 });
    expect(sim.runUntil(() => converged(sim), 30_000)).toBeGreaterThanOrEqual(0);
    const seen = new Map<string, string[]>();
    sim.observe((obs, e) => e.type === 'user-event' && seen.set(obs, [...(seen.get(obs) ?? []), e.event.name]));
    const cut = nodeName(4);
    // UDP to and from one member is lost while the event's gossip runs out; push/pull (TCP) still works.
    for (const n of sim.liveNames()) if (n !== cut) sim.blockUdp(n, cut);
    sim.core(nodeName(2)).sendUserEvent('missed', Buffer.from('x'));
    sim.runFor(testProfile().gossipIntervalMs * 20);
    expect(seen.get(cut) ?? []).not.toContain('missed');
    sim.heal();
    sim.runFor(config.pushPullIntervalMs * 4);
    for (const n of sim.liveNames()) expect((seen.get(n) ?? []).filter((x) => x === 'missed'), n).toHaveLength(1);
  });

  it('a node that joins later is not handed the events from before it joined', () => {
    const sim = bootCluster({ seed: 34, config: testProfile(), n: 4 });
    expect(sim.runUntil(() => converged(sim), 30_000)).toBeGreaterThanOrEqual(0);
    sim.core(nodeName(1)).sendUserEvent('before', Buffer.from('x'));
    sim.runFor(testProfile().pushPullIntervalMs * 2);
    const got: string[] = [];
    sim.observe((obs, e) => obs === 'late' && e.type === 'user-event' && got.push(e.event.name));
    sim.addNode('late', { join: [nodeName(1)] });
    sim.runFor(testProfile().pushPullIntervalMs * 10);
    sim.core(nodeName(2)).sendUserEvent('after', Buffer.from('y'));
    sim.runFor(testProfile().pushPullIntervalMs * 3);
    expect(got).toEqual(['after']);
  });
});
