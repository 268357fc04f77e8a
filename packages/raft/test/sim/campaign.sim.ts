import { expect, it } from 'vitest';
import { runSeed, SimFailure } from './cluster.js';
import { profileFor, replayCommand } from './profiles.js';

// Driven by test/sim-cli.mjs through the environment (vitest owns the command line).
const start = Number(process.env.SIM_START ?? 1);
const count = Number(process.env.SIM_SEEDS ?? 1000);
const verbose = process.env.SIM_VERBOSE === '1';

it(`simulation campaign: seeds ${start}..${start + count - 1}`, async () => {
  const failures: number[] = [];
  const t0 = Date.now();
  const total = { ackedWrites: 0, reads: 0, crashes: 0, hintCampaigns: 0, snapshotsSent: 0, confChanges: 0 };
  for (let seed = start; seed < start + count; seed++) {
    try {
      const s = await runSeed(seed, { ...profileFor(seed), traceSize: verbose ? 400 : 60 });
      if (verbose) console.log(JSON.stringify(s));
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += s[k];
    } catch (e) {
      if (!(e instanceof SimFailure)) throw e;
      failures.push(seed);
      console.log(`FAIL ${(e as Error).message.split('\n')[0]}\n  replay: ${replayCommand(seed)}`);
      if (verbose) console.log((e as Error).message);
    }
    if ((seed - start + 1) % 1000 === 0) console.log(`${seed - start + 1} seeds, ${failures.length} failing, ${Math.round((Date.now() - t0) / 1000)}s`);
  }
  console.log(`campaign done: ${count} seeds from ${start}, ${failures.length} failing${failures.length ? ': ' + failures.join(' ') : ''}, ${Math.round((Date.now() - t0) / 1000)}s; totals ${JSON.stringify(total)}`);
  expect(failures).toEqual([]);
});
