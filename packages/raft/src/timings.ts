import { ConfigError } from './errors.js';

/**
 * RaftNode timing options equivalent to Consul's `performance.raft_multiplier` m (1..10): Consul scales
 * a 1000 ms heartbeat/election timeout and a 500 ms leader lease by m. Here a follower campaigns after
 * electionTicks..2*electionTicks ticks of silence and the leader heartbeats every tick, so
 * tickMs = 100 * m gives the same 1-2 s (times m) election window and 100 ms (times m) heartbeats.
 */
export function raftMultiplierTimings(m: number): { tickMs: number; electionTicks: number; heartbeatTicks: number } {
  if (!Number.isFinite(m) || m < 0.1 || m > 10) {
    throw new ConfigError(`raft_multiplier must be between 1 and 10 (fractions down to 0.1 allowed here), got ${m}`);
  }
  return { tickMs: Math.round(100 * m), electionTicks: 10, heartbeatTicks: 1 };
}

/** The defaults of RaftNode: tickMs 50, electionTicks 10, heartbeatTicks 1, i.e. raft_multiplier 0.5. */
export const DEFAULT_TIMINGS = { tickMs: 50, electionTicks: 10, heartbeatTicks: 1 } as const;
