// Property-based fuzzing budget shared by every fuzz suite. In `npm test` each suite runs a fixed seed and a small
// number of cases, so a run is repeatable and fast; the campaign (`npm run fuzz -- --minutes N`) sets FUZZ_SEED and
// FUZZ_RUNS for each round. A failure prints the seed and fast-check's shrunk counterexample: keep it as a
// regression case next to the suite.

/** fast-check options for one property: `{ seed, numRuns }` from FUZZ_SEED / FUZZ_RUNS, else the suite's defaults. */
export function fuzzOptions(defaultRuns, defaultSeed = 20261206) {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : defaultSeed;
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : defaultRuns;
  return { seed, numRuns: runs, endOnFailure: true };
}
