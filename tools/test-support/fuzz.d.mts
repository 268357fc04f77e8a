export interface FuzzOptions {
  seed: number;
  numRuns: number;
  endOnFailure: boolean;
}

/** fast-check options for one property: `{ seed, numRuns }` from FUZZ_SEED / FUZZ_RUNS, else the suite's defaults. */
export declare function fuzzOptions(defaultRuns: number, defaultSeed?: number): FuzzOptions;
