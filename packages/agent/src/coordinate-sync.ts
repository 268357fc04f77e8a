// Consul's sendCoordinate loop: every agent sends its LAN network coordinate to the servers, which keep the
// latest one per node in the replicated state (/v1/coordinate/nodes, ?near). The pace is Consul's: the
// interval grows with the cluster so the servers see about sync_coordinate_rate_target updates per second
// (RateScaledInterval, never below sync_coordinate_interval_min), plus a random stagger of up to one interval.
import type { Logger } from '@conclave/toolkit';
import type { Coordinate } from '@conclave/gossip';
import type { Command } from '@conclave/state';
import { randomStagger } from './anti-entropy-schedule.js';

/** Consul's lib.RateScaledInterval: max(min, n / rate seconds). */
export function rateScaledIntervalMs(rate: number, minMs: number, n: number): number {
  if (!(rate > 0)) return minMs;
  return Math.max(minMs, (n / rate) * 1000);
}

export interface CoordinateSyncOptions {
  node: string;
  coordinate: () => Coordinate | undefined;
  clusterSize: () => number;
  minIntervalMs: number;
  rateTarget: number;
  propose: (cmd: Command) => Promise<unknown>;
  logger: Logger;
}

export class CoordinateSync {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: CoordinateSyncOptions) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Sends the coordinate now (the loop calls this; tests may too). */
  async send(): Promise<void> {
    const coord = this.o.coordinate();
    if (!coord) return;
    await this.o.propose({ type: 'coordinate.batch-update', Updates: [{ Node: this.o.node, Segment: '', Coord: coord }] });
  }

  private schedule(): void {
    if (this.stopped) return;
    const interval = rateScaledIntervalMs(this.o.rateTarget, this.o.minIntervalMs, this.o.clusterSize());
    this.timer = setTimeout(() => {
      this.send().then(
        () => this.schedule(),
        (err: unknown) => {
          // Consul logs and tries again at the next interval (a leader election, a server restart).
          this.o.logger.debug('Coordinate update error', { error: err });
          this.schedule();
        },
      );
    }, interval + randomStagger(interval));
    this.timer.unref();
  }
}
