import { describe, expect, it } from 'vitest';
import { testProfile } from '../src/config.js';
import { GossipCore } from '../src/gossip-core.js';
import { decodePacket, encodeMessage, MsgType } from '../src/messages.js';

const addrOf = (i: number): string => `10.0.1.${i}:8301`;
const alive = (node: string, addr: string): Uint8Array => encodeMessage({ t: MsgType.alive, node, addr, inc: 1, tags: {} });

/**
 * Drives one core whose every probe is answered at once; returns the
 * sequence of probed names. `learn(probes)` may add members between probes.
 */
function probeSequence(seed: number, probes: number, learn: (core: GossipCore, done: number, now: number) => void): string[] {
  const core = new GossipCore({ name: 'a', addr: '10.0.0.1:8301', config: testProfile(), seed, now: 0 });
  const names = new Map<string, string>();
  const probed: string[] = [];
  let now = 0;
  learn(core, 0, now);
  for (let guard = 0; probed.length < probes && guard < 100_000; guard++) {
    now = Math.max(now, core.nextWakeAt());
    core.tick(now);
    for (const out of core.drainOutputs()) {
      if (out.kind !== 'packet') continue;
      for (const m of decodePacket(out.data)) {
        if (m.t !== MsgType.ping) continue;
        probed.push(m.node);
        names.set(out.to, m.node);
        core.handlePacket(out.to, encodeMessage({ t: MsgType.ack, seq: m.seq }), now + 1);
        learn(core, probed.length, now + 1);
      }
    }
    core.drainEvents();
  }
  return probed;
}

describe('probe order', () => {
  it('probes every known member once per round', () => {
    const probed = probeSequence(7, 40, (core, done, now) => {
      if (done === 0) for (let i = 1; i <= 20; i++) core.handlePacket('x', alive(`b${i}`, addrOf(i)), now);
    });
    expect(new Set(probed.slice(0, 20)).size).toBe(20);
    expect(new Set(probed.slice(20, 40)).size).toBe(20);
  });

  it('a member learned mid-round is probed in that round, not only in the next one', () => {
    // The round started with 20 members; 'z' arrives after 5 probes. It must come up
    // before any of the 20 is probed a second time (in the next round it would be 1 chance in 21).
    for (let seed = 1; seed <= 30; seed++) {
      const probed = probeSequence(seed, 45, (core, done, now) => {
        if (done === 0) for (let i = 1; i <= 20; i++) core.handlePacket('x', alive(`b${i}`, addrOf(i)), now);
        if (done === 5) core.handlePacket('x', alive('z', addrOf(99)), now);
      });
      const z = probed.indexOf('z');
      expect(z, `seed ${seed}`).toBeGreaterThanOrEqual(5);
      const firstRepeat = probed.findIndex((n, i) => n !== 'z' && probed.indexOf(n) < i);
      expect(z, `seed ${seed}: ${probed.join(' ')}`).toBeLessThan(firstRepeat);
      // The newcomer lengthens that round by one: all 21 once, then the next round.
      expect(new Set(probed.slice(0, 21)).size, `seed ${seed}`).toBe(21);
    }
  });

  it('newcomers land at random places in the rest of the round, not all at its end', () => {
    const positions = new Set<number>();
    for (let seed = 1; seed <= 30; seed++) {
      const probed = probeSequence(seed, 25, (core, done, now) => {
        if (done === 0) for (let i = 1; i <= 20; i++) core.handlePacket('x', alive(`b${i}`, addrOf(i)), now);
        if (done === 5) core.handlePacket('x', alive('z', addrOf(99)), now);
      });
      positions.add(probed.indexOf('z'));
    }
    expect(positions.size).toBeGreaterThan(5);
  });
});
