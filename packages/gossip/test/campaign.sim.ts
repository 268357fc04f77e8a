/**
 * Simulation campaign (`npm run sim`, optionally SIM_SIZES=100,1000 SIM_MINUTES=2 SIM_SEED=1;
 * for 10,000 members: SIM_SIZES=10000 SIM_MINUTES_LARGE=… SIM_FP_LIFEGUARD=on, SIM_DETECT_LIFEGUARD=off
 * SIM_FP_LARGE=0 for detection without Lifeguard only; see docs/benchmarks/gossip.md):
 * detection time against the SWIM bound, false positives with slowed members
 * and 5% loss with Lifeguard on and off, and per-member load, for each N.
 * Prints tables; every figure is reproducible from the seed.
 */
import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { lanProfile, type GossipConfig } from '../src/config.js';
import { countSeeing, detectionBoundMs, formCluster, nodeName, bootCluster, converged } from './sim/scenarios.js';

const sizes = (process.env.SIM_SIZES ?? '100,1000').split(',').map(Number);
const minutes = Number(process.env.SIM_MINUTES ?? '2');
/** Above this size only the Lifeguard-on detection run and the harsher slow scenario are run (time). */
const fullMax = Number(process.env.SIM_FULL_MAX ?? '100');
const largeMinutes = Number(process.env.SIM_MINUTES_LARGE ?? '1');
const seed = Number(process.env.SIM_SEED ?? '1');
/** Lifeguard settings of the false-positive runs above fullMax: `both`, `on` or `off`. */
const fpLifeguard = process.env.SIM_FP_LIFEGUARD ?? 'both';
/** Lifeguard settings of the detection run above fullMax: `on` (default), `off` or `both`. */
const detectLifeguard = process.env.SIM_DETECT_LIFEGUARD ?? 'on';
/** `0` skips the false-positive runs above fullMax (detection and load only). */
const fpLarge = process.env.SIM_FP_LARGE !== '0';
const settingsOf = (v: string): boolean[] => (v === 'both' ? [true, false] : [v !== 'off']);
/** The join storm runs at the smallest size, if it is at most this. */
const joinMax = Number(process.env.SIM_JOIN_MAX ?? '1000');
/** Wall-clock budget (s) of one false-positive run above fullMax: it stops early, at a 10-second step, and says how far it got. */
const fpWallS = Number(process.env.SIM_FP_WALL_S ?? 'Infinity');

/** vitest holds a test's console output until it ends; SIM_LOG=file gets progress as it happens. */
function say(line: string): void {
  console.log(line);
  if (process.env.SIM_LOG) appendFileSync(process.env.SIM_LOG, `${new Date().toISOString()} ${line}\n`);
}

/** Wall clock and peak RSS so far, for the tables. */
function cost(startMs: number): { wall: string; rss: string } {
  return { wall: `${((Date.now() - startMs) / 1000).toFixed(0)} s`, rss: `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB` };
}

it('campaign', () => {
  const detection: Record<string, unknown>[] = [];
  const fp: Record<string, unknown>[] = [];
  for (const n of sizes) {
    // Large clusters: push/pull still runs, at the scaled interval.
    const base: GossipConfig = lanProfile();
    for (const lifeguard of n <= fullMax ? [true, false] : settingsOf(detectLifeguard)) {
      const config = { ...base, lifeguard };
      const wall0 = Date.now();
      const sim = formCluster({ seed, config, n, loss: 0.05, minDelayMs: 1, maxDelayMs: 10 });
      sim.runFor(10_000);
      const before = sim.totals();
      const t0 = sim.now;
      sim.runFor(20_000);
      const after = sim.totals();
      const perMemberS = (d: number): number => d / n / ((sim.now - t0) / 1000);
      const load = { msgs: perMemberS(after.packets - before.packets), bytes: perMemberS(after.bytes - before.bytes), udp: perMemberS(after.udpBytes - before.udpBytes) };
      const victim = nodeName(Math.floor(n / 2));
      const firstAt: number[] = [];
      sim.observe((obs, e, now) => {
        if (e.type === 'fail' && e.member.name === victim) firstAt.push(now);
      });
      const crashAt = sim.now;
      sim.crash(victim);
      const took = sim.runUntil(() => countSeeing(sim, victim, 'failed') === n - 1, 600_000, 100);
      detection.push({
        N: n,
        lifeguard,
        'first marks failed (s)': firstAt.length ? ((Math.min(...firstAt) - crashAt) / 1000).toFixed(1) : 'n/a',
        'all N-1 mark failed (s)': took >= 0 ? (took / 1000).toFixed(1) : 'timeout',
        'SWIM bound (s)': (detectionBoundMs(config, n) / 1000).toFixed(1),
        'packets/member/s': load.msgs.toFixed(2),
        'bytes/member/s': Math.round(load.bytes),
        'of which UDP': Math.round(load.udp),
        'wall clock': cost(wall0).wall,
        'peak RSS': cost(wall0).rss,
      });
      say(JSON.stringify(detection.at(-1)));
    }
    const scenarios = [
      ['stall 2 s every 5 s', { periodMs: 5000, stallMs: 2000 }],
      ['stall 5 s every 10 s', { periodMs: 10_000, stallMs: 5000 }],
    ] as const;
    for (const [label, slow] of n <= fullMax ? scenarios : fpLarge ? scenarios.slice(1) : []) {
      const settings = n <= fullMax ? [true, false] : settingsOf(fpLifeguard);
      for (const lifeguard of settings) {
        const config = { ...lanProfile(), lifeguard };
        const wall0 = Date.now();
        const sim = formCluster({ seed: seed + 1, config, n, loss: 0.05, minDelayMs: 1, maxDelayMs: 10 });
        sim.runFor(10_000);
        const slowSet = new Set<string>();
        for (let i = 0; i < n; i += 10) {
          sim.setSlow(nodeName(i), slow);
          slowSet.add(nodeName(i));
        }
        let onSlow = 0;
        let onHealthy = 0;
        let byHealthy = 0;
        let suspected = 0;
        sim.observe((obs, e) => {
          if (e.type === 'suspect') suspected++;
          if (e.type !== 'fail') return;
          if (slowSet.has(e.member.name)) onSlow++;
          else onHealthy++;
          if (!slowSet.has(obs)) byHealthy++;
        });
        const runMinutes = n <= fullMax ? minutes : largeMinutes;
        const ms = runMinutes * 60_000;
        // In 10-second steps (the same run as one long step), so a wall-clock budget can end it early.
        let ran = 0;
        while (ran < ms) {
          const step = Math.min(10_000, ms - ran);
          sim.runFor(step);
          ran += step;
          if (n > fullMax) say(`  N=${n} lifeguard ${lifeguard}: ${ran / 1000} virtual s, fail events ${onSlow + onHealthy}, ${cost(wall0).wall}, peak RSS ${cost(wall0).rss}`);
          if ((Date.now() - wall0) / 1000 >= fpWallS) break;
        }
        const perHour = 3_600_000 / ran;
        fp.push({
          N: n,
          slowed: `10% (${label})`,
          lifeguard,
          'fail events about slowed / member / h': ((onSlow / n) * perHour).toFixed(2),
          'fail events about healthy / member / h': ((onHealthy / n) * perHour).toFixed(2),
          'declared by healthy observers / member / h': ((byHealthy / n) * perHour).toFixed(2),
          'suspect events / member / h': Math.round((suspected / n) * perHour),
          'virtual minutes': Number((ran / 60_000).toFixed(2)),
          'wall clock': cost(wall0).wall,
          'peak RSS': cost(wall0).rss,
        });
        say(JSON.stringify(fp.at(-1)));
      }
    }
  }
  // The join storm itself, at the smallest size: every member joins through a random earlier one.
  const n0 = Math.min(...sizes);
  if (n0 <= joinMax) {
    const sim = bootCluster({ seed, config: lanProfile(), n: n0, loss: 0.05, spreadMs: n0 * 100 });
    const convergedAfter = sim.runUntil(() => converged(sim), 600_000, 500);
    console.log(`join storm: ${n0} members joining over ${n0 / 10} s converged ${(convergedAfter / 1000).toFixed(1)} s after the last join (LAN profile, 5% loss)`);
  } else {
    console.log(`join storm: skipped above SIM_JOIN_MAX=${joinMax} members (every joiner gets a private member table)`);
  }
  console.log(`\nCrash detection, LAN profile (Consul's numbers), 5% loss, seed ${seed}`);
  console.table(detection);
  console.log(`\nFalse positives, LAN profile, 5% loss, seed ${seed + 1}`);
  console.table(fp);
  expect(detection.length).toBeGreaterThanOrEqual(sizes.length);
});
