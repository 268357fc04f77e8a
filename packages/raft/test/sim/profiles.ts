import type { SimConfig } from './cluster.js';

/** Each seed picks one cluster shape, so one campaign covers all of them. */
export function profileFor(seed: number): Partial<SimConfig> {
  switch (seed % 4) {
    case 0:
      return { nodes: 5, voters: 3, readOnly: 'safe' };
    case 1:
      return { nodes: 5, voters: 3, readOnly: 'lease' };
    case 2:
      return { nodes: 3, voters: 1, readOnly: 'safe' };
    default:
      return { nodes: 7, voters: 5, readOnly: 'safe' };
  }
}

export function replayCommand(seed: number): string {
  return `npm run sim -w @conclave/raft -- --seed ${seed}`;
}
