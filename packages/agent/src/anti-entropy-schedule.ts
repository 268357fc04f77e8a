// When anti-entropy runs its next full sync. Like Consul (agent/ae), the wait is the interval plus a random
// stagger of up to `interval × scaleFactor(cluster size)`, so that in a big cluster the agents' full syncs
// spread out and do not all hit the servers in the same minute.

/** Above this many LAN members the stagger doubles each time the cluster doubles (Consul's scaleThreshold). */
export const SCALE_THRESHOLD = 128;

/** 1 up to 128 members; then ceil(log2(nodes) - log2(128)) + 1: 2 up to 256, 3 up to 512, ..., 7 at 8192. */
export function scaleFactor(nodes: number): number {
  if (!(nodes > SCALE_THRESHOLD)) return 1;
  return Math.ceil(Math.log2(nodes) - Math.log2(SCALE_THRESHOLD)) + 1;
}

/** Consul's RandomStagger: a uniform random duration in [0, ms). `random` returns a number in [0, 1). */
export function randomStagger(ms: number, random: () => number = Math.random): number {
  return ms <= 0 ? 0 : Math.floor(random() * ms);
}

/** Milliseconds until the next full sync: `intervalMs + randomStagger(intervalMs × scaleFactor(nodes))`. */
export function nextFullSyncDelayMs(intervalMs: number, nodes: number, random: () => number = Math.random): number {
  return intervalMs + randomStagger(intervalMs * scaleFactor(nodes), random);
}
