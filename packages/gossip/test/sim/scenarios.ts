/** Helpers shared by the simulation tests and the `sim` campaign. */
import type { GossipConfig } from '../../src/config.js';
import type { MemberStatus } from '../../src/member.js';
import { SharedRoster, type RosterEntry } from '../../src/shared-roster.js';
import { Simulation, simAddr, type SimOptions } from './simulator.js';

export const nodeName = (i: number): string => `node-${String(i).padStart(4, '0')}`;

/** Starts n nodes; each joins one random earlier node, spread over `spreadMs`. */
export function bootCluster(opts: SimOptions & { n: number; spreadMs?: number }): Simulation {
  const sim = new Simulation(opts);
  sim.addNode(nodeName(0));
  const step = (opts.spreadMs ?? opts.n * 5) / opts.n;
  for (let i = 1; i < opts.n; i++) {
    sim.runFor(step);
    sim.addNode(nodeName(i), { join: [nodeName(sim.rng.int(i))] });
  }
  return sim;
}

/** Every running node sees every running node as alive (or suspect, refuting). */
export function converged(sim: Simulation, ok: MemberStatus[] = ['alive']): boolean {
  const live = sim.liveNames();
  for (const a of live) {
    const core = sim.core(a);
    for (const b of live) {
      const s = core.statusOf(b);
      if (s === undefined || !ok.includes(s)) return false;
    }
  }
  return true;
}

/** How many running nodes see `name` with `status`. */
export function countSeeing(sim: Simulation, name: string, status: MemberStatus): number {
  let c = 0;
  for (const a of sim.liveNames()) if (a !== name && sim.core(a).statusOf(name) === status) c++;
  return c;
}

/** SWIM bound on detection: probe interval × (suspicion mult × log10(N) × max mult + 1), plus dissemination. */
export function detectionBoundMs(c: GossipConfig, n: number): number {
  const suspicionMax = c.suspicionMult * Math.max(1, Math.log10(n)) * c.probeIntervalMs * (c.lifeguard ? c.suspicionMaxTimeoutMult : 1);
  return suspicionMax + 2 * c.probeIntervalMs + 10 * c.gossipIntervalMs;
}

/**
 * Starts n nodes that already know each other, as if restored from a
 * snapshot: every core is built from one SharedRoster (shared copy-on-write,
 * so 10,000 members fit in one process), and nothing is re-gossiped. Used
 * where the subject is failure detection at large N, not the join storm.
 */
export function formCluster(opts: SimOptions & { n: number }): Simulation {
  const sim = new Simulation(opts);
  const entries: RosterEntry[] = [];
  for (let i = 0; i < opts.n; i++) entries.push({ name: nodeName(i), addr: simAddr(i + 1) });
  const roster = new SharedRoster(entries, sim.now);
  for (let i = 0; i < opts.n; i++) sim.addNode(nodeName(i), { roster });
  return sim;
}
