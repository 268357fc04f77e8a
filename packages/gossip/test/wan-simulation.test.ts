// The WAN pool in the simulator: 10 datacenters × 5 servers with memberlist's WAN timings, one-way delays of
// 1–5 ms inside a datacenter and 10 ms more per datacenter of distance between two (up to ~95 ms one way, ~190 ms
// RTT), 1 % packet loss. Virtual time, seeded: the same run every time. Figures: no live server is ever declared
// failed (false positives), and a crashed server is known failed by all 49 others within the SWIM bound.
import { describe, expect, it } from 'vitest';
import { wanProfile } from '../src/config.js';
import { SharedRoster, type RosterEntry } from '../src/shared-roster.js';
import type { GossipEvent } from '../src/gossip-core.js';
import { Simulation, simAddr } from './sim/simulator.js';
import { countSeeing, detectionBoundMs } from './sim/scenarios.js';

const DCS = 10;
const PER_DC = 5;
const dcOf = (name: string) => Number(/\.dc(\d+)$/.exec(name)![1]);

function wan(seed: number): Simulation {
  const sim = new Simulation({
    seed,
    config: wanProfile(),
    loss: 0.01,
    pairDelayMs: (a, b) => 10 * Math.abs(dcOf(a) - dcOf(b)),
  });
  const entries: RosterEntry[] = [];
  for (let d = 0; d < DCS; d++) for (let s = 0; s < PER_DC; s++) entries.push({ name: `s${s}.dc${d}`, addr: simAddr(entries.length + 1) });
  const roster = new SharedRoster(entries, sim.now);
  for (const e of entries) sim.addNode(e.name, { roster });
  return sim;
}

describe('WAN pool simulation (10 datacenters × 5 servers)', { timeout: 120_000 }, () => {
  it('declares no live server failed over 10 minutes of WAN delays and loss', () => {
    const sim = wan(1);
    let suspicions = 0;
    const failed: string[] = [];
    sim.observe((obs, e: GossipEvent) => {
      if (e.type === 'suspect') suspicions++;
      if (e.type === 'fail') failed.push(`${obs} -> ${e.member.name}`);
    });
    sim.runFor(10 * 60_000);
    expect(failed).toEqual([]);
    // Suspicions may happen (a lost ack) but every one is refuted in time.
    expect(suspicions).toBeLessThan(50);
  });

  it('marks a crashed server of the farthest datacenter failed everywhere within the SWIM bound', () => {
    const sim = wan(2);
    sim.runFor(60_000);
    const victim = `s0.dc${DCS - 1}`;
    sim.crash(victim);
    const took = sim.runUntil(() => countSeeing(sim, victim, 'failed') === DCS * PER_DC - 1, 10 * 60_000, 100);
    expect(took, 'not everyone marked the crashed server failed').toBeGreaterThanOrEqual(0);
    expect(took).toBeLessThanOrEqual(detectionBoundMs(wanProfile(), DCS * PER_DC));
    for (const a of sim.liveNames()) for (const b of sim.liveNames()) expect(sim.core(a).statusOf(b)).not.toBe('failed');
  });
});
