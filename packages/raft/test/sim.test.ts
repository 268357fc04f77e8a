import { describe, expect, it } from 'vitest';
import { runSeed, SimFailure } from './sim/cluster.js';
import { profileFor, replayCommand } from './sim/profiles.js';

// A bounded campaign for every `npm test`; long campaigns: `npm run sim -w @conclave/raft -- --seeds 100000`.
const SEEDS = 100;

describe('deterministic simulation', () => {
  it(`keeps every safety invariant and stays linearizable over ${SEEDS} seeds`, { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    let acked = 0;
    let reads = 0;
    let snapshotsSent = 0;
    let confChanges = 0;
    let crashes = 0;
    let leaders = 0;
    let hintCampaigns = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      try {
        const s = await runSeed(seed, profileFor(seed));
        acked += s.ackedWrites;
        reads += s.reads;
        snapshotsSent += s.snapshotsSent;
        confChanges += s.confChanges;
        crashes += s.crashes;
        leaders += s.leaders;
        hintCampaigns += s.hintCampaigns;
      } catch (e) {
        if (!(e instanceof SimFailure)) throw e;
        failures.push(`${(e as Error).message.split('\n')[0]}\n  replay: ${replayCommand(seed)}`);
      }
    }
    expect(failures).toEqual([]);
    // The campaign must actually exercise the hard paths, or it proves nothing.
    expect(acked).toBeGreaterThan(SEEDS * 50);
    expect(reads).toBeGreaterThan(SEEDS * 30);
    expect(snapshotsSent).toBeGreaterThan(SEEDS / 4);
    expect(confChanges).toBeGreaterThan(SEEDS);
    expect(crashes).toBeGreaterThan(SEEDS);
    expect(leaders).toBeGreaterThan(SEEDS * 2);
    // The driver's dead-leader hint (virtual clock, seeded delays) really runs in the simulation.
    expect(hintCampaigns).toBeGreaterThan(SEEDS / 2);
  });

  // These two seeds found bugs when the simulator had its own copy of the driver loop (a single-voter
  // leader telling learners about unsynced commits; a torn write leaving entries without the snapshot
  // under them). Since the simulator runs RaftNode itself a seed plays out differently, so they are
  // kept as two more seeds of their profiles, not as replays of those scenarios.
  it('seed 297, 1 voter and no hints (once: unsynced commits told to learners)', async () => {
    await expect(runSeed(297, { nodes: 3, voters: 1, unreachableHints: false })).resolves.toBeTruthy();
  });

  it('seed 24717 (once: a torn write right after a snapshot)', async () => {
    await expect(runSeed(24717, profileFor(24717))).resolves.toBeTruthy();
  });

  it('replays a seed exactly', async () => {
    const a = await runSeed(7, profileFor(7));
    const b = await runSeed(7, profileFor(7));
    expect(b).toEqual(a);
  });
});
