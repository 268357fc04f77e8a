import type { CheckStatus } from './check-definition.js';

/** What one run of a check found. */
export interface CheckResult {
  status: CheckStatus;
  output: string;
}

/** Options every probe takes. */
export interface ProbeOptions {
  /** Aborting stops the run at once (kills a script's process group, closes sockets); the result is then critical. */
  signal?: AbortSignal;
}

/** Output of a run cut short by its AbortSignal; the scheduler discards it. */
export const PROBE_ABORTED_OUTPUT = 'Check stopped';
