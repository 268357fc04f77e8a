// A server's pending coordinate updates (Consul's Coordinate endpoint): agents' updates are not proposed one by
// one but kept, the latest per node and segment, and applied every coordinate_update_period (5 s) in batches of
// coordinate_update_batch_size (128), at most coordinate_update_max_batches (5) of them; what is over that is
// discarded with Consul's warning, and the agents send again at their next interval. A flood of updates (a large
// cluster restarting, or a hostile peer inventing node names) therefore costs at most max_batches Raft entries a
// period and at most batch_size × max_batches entries of memory.
import { isNodeCoordinate, type Command, type CoordinateEntry } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';

export interface CoordinateBatcherOptions {
  periodMs: number;
  batchSize: number;
  maxBatches: number;
  propose: (cmd: Command) => Promise<unknown>;
  logger: Logger;
}

/** Refused by the server, as Consul's Coordinate.Update refuses it ("rejected bad coordinate"). */
export class BadCoordinateError extends Error {
  override name = 'BadCoordinateError';
}

export class CoordinateBatcher {
  private pending = new Map<string, CoordinateEntry>();
  /** Updates refused since the last flush because the pending map was full. */
  private overflow = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly o: CoordinateBatcherOptions) {}

  private get limit(): number {
    return Math.max(1, this.o.batchSize) * Math.max(1, this.o.maxBatches);
  }

  /** Queues updates (a later one for the same node and segment replaces the earlier); throws BadCoordinateError
   * for an update that is not a coordinate, before any of the call's updates is queued. */
  add(updates: unknown): void {
    if (!Array.isArray(updates)) throw new BadCoordinateError('rejected bad coordinate: Updates must be a list');
    const good: CoordinateEntry[] = [];
    for (const u of updates as Array<Partial<CoordinateEntry>>) {
      if (typeof u?.Node !== 'string' || u.Node === '') throw new BadCoordinateError('rejected bad coordinate: Node is required');
      if (!isNodeCoordinate(u.Coord)) throw new BadCoordinateError(`rejected bad coordinate: ${JSON.stringify(u.Coord ?? null).slice(0, 200)}`);
      good.push({ Node: u.Node, Segment: typeof u.Segment === 'string' ? u.Segment : '', Coord: u.Coord });
    }
    for (const u of good) {
      const key = `${u.Node}:${u.Segment}`;
      if (!this.pending.has(key) && this.pending.size >= this.limit) {
        this.overflow++;
        continue;
      }
      this.pending.set(key, u);
    }
  }

  /** Updates waiting for the next flush. */
  get size(): number {
    return this.pending.size;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.o.periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Applies what is pending (the loop calls this every period; a flush still running is not overlapped). */
  flush(): Promise<void> {
    this.flushing ??= this.apply().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async apply(): Promise<void> {
    const entries = [...this.pending.values()];
    this.pending = new Map();
    const discarded = Math.max(0, entries.length - this.limit) + this.overflow;
    this.overflow = 0;
    if (discarded > 0) this.o.logger.warn('Discarded coordinate updates', { number_discarded: discarded });
    const size = Math.min(entries.length, this.limit);
    const batch = Math.max(1, this.o.batchSize);
    for (let start = 0; start < size; start += batch) {
      try {
        await this.o.propose({ type: 'coordinate.batch-update', Updates: entries.slice(start, Math.min(start + batch, size)) });
      } catch (err) {
        // Consul stops the period's batches at the first error; the agents send again.
        this.o.logger.warn('Batch update failed', { error: err });
        return;
      }
    }
  }
}
