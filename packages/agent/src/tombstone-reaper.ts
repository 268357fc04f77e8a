// Consul's tombstone GC, run by the leader: deleted keys leave tombstones so list indexes never go backwards;
// once a tombstone is older than tombstone_ttl (15 min) it is reaped. Apply has no clock, so the leader records
// which index was current when, and proposes `kv.reap-tombstones` with the newest index that is old enough.
import type { Command } from '@conclave/state';

export const TOMBSTONE_TTL_MS = 15 * 60_000;

export class TombstoneReaper {
  private readonly marks: Array<{ at: number; index: number }> = [];
  private reaped = 0;

  constructor(
    private readonly currentIndex: () => number,
    private readonly write: (command: Command) => Promise<unknown>,
    private readonly ttlMs = TOMBSTONE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called periodically on the leader: records the current index and reaps what is older than the TTL. */
  async tick(): Promise<void> {
    const now = this.now();
    this.marks.push({ at: now, index: this.currentIndex() });
    let reapIndex = 0;
    while (this.marks.length > 0 && now - this.marks[0]!.at >= this.ttlMs) reapIndex = this.marks.shift()!.index;
    if (reapIndex > this.reaped) {
      this.reaped = reapIndex;
      await this.write({ type: 'kv.reap-tombstones', ReapIndex: reapIndex });
    }
  }

  /** A new leader starts from scratch: it cannot know what earlier leaders recorded. */
  reset(): void {
    this.marks.length = 0;
  }
}
