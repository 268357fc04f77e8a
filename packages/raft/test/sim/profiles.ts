import type { SimConfig } from './cluster.js';

/** Each seed picks one cluster shape, so one campaign covers all of them. */
export function profileFor(seed: number): Partial<SimConfig> {
  switch (seed % 6) {
    case 4:
      // Without check-quorum a deposed leader lingers: only ReadIndex's heartbeat round keeps reads fresh.
      return { nodes: 5, voters: 3, readOnly: 'safe', checkQuorum: false, preVote: seed % 12 === 4 };
    case 5:
      return { nodes: 4, voters: 4, readOnly: 'safe' };
    case 0:
      return { nodes: 5, voters: 3, readOnly: 'safe' };
    case 1:
      return { nodes: 5, voters: 3, readOnly: 'lease', drift: 1 }; // tick periods 10-11 ms: within the lease margin
    case 2:
      return { nodes: 3, voters: 1, readOnly: 'safe' };
    default:
      return { nodes: 7, voters: 5, readOnly: 'safe' };
  }
}

export function replayCommand(seed: number): string {
  return `npm run sim -w @conclave/raft -- --seed ${seed}`;
}
