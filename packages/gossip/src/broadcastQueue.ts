/**
 * Retransmit-limited broadcast queue (memberlist's TransmitLimitedQueue).
 * Messages are kept in buckets by how often they were sent; the least sent go
 * first. A newer message about the same member replaces the older one.
 */
interface Item {
  key: string | null;
  msg: Uint8Array;
  transmits: number;
  live: boolean;
}

export class BroadcastQueue {
  private buckets: Set<Item>[] = [];
  private byKey = new Map<string, Item>();
  private count = 0;

  constructor(private readonly maxItems: number) {}

  size(): number {
    return this.count;
  }

  /** Queues an encoded message; `key` (e.g. a member name) invalidates an older one. */
  push(key: string | null, msg: Uint8Array): void {
    if (key !== null) {
      const old = this.byKey.get(key);
      if (old) this.remove(old);
    }
    const item: Item = { key, msg, transmits: 0, live: true };
    this.bucket(0).add(item);
    if (key !== null) this.byKey.set(key, item);
    this.count++;
    if (this.count > this.maxItems) this.dropMostSent();
  }

  /**
   * Takes messages fitting in `budget` bytes (each costing `overhead` more),
   * counting one transmit each; messages reaching `limit` leave the queue.
   */
  take(budget: number, overhead: number, limit: number, maxMessages: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let scanned = 0;
    const moved: Item[] = [];
    for (let t = 0; t < this.buckets.length && budget > overhead && out.length < maxMessages; t++) {
      const b = this.buckets[t];
      if (!b || b.size === 0) continue;
      for (const item of b) {
        if (++scanned > 1024 || budget <= overhead || out.length >= maxMessages) break;
        if (item.transmits >= limit) {
          b.delete(item);
          this.forget(item);
          continue;
        }
        const cost = item.msg.length + overhead;
        if (cost > budget) continue;
        budget -= cost;
        out.push(item.msg);
        b.delete(item);
        moved.push(item);
      }
    }
    // Re-filed after the scan so one call never sends the same message twice.
    for (const item of moved) {
      item.transmits++;
      if (item.transmits >= limit) this.forget(item);
      else this.bucket(item.transmits).add(item);
    }
    return out;
  }

  private bucket(t: number): Set<Item> {
    let b = this.buckets[t];
    if (!b) {
      b = new Set();
      this.buckets[t] = b;
    }
    return b;
  }

  private remove(item: Item): void {
    this.buckets[item.transmits]?.delete(item);
    this.forget(item);
  }

  private forget(item: Item): void {
    if (!item.live) return;
    item.live = false;
    this.count--;
    if (item.key !== null && this.byKey.get(item.key) === item) this.byKey.delete(item.key);
  }

  private dropMostSent(): void {
    for (let t = this.buckets.length - 1; t >= 0 && this.count > this.maxItems; t--) {
      const b = this.buckets[t];
      if (!b) continue;
      for (const item of b) {
        if (this.count <= this.maxItems) break;
        b.delete(item);
        this.forget(item);
      }
    }
  }
}
