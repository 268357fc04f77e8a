/**
 * Retransmit-limited broadcast queue (memberlist's TransmitLimitedQueue).
 * Messages are kept in buckets by how often they were sent; the least sent go
 * first. A newer message about the same member replaces the older one.
 *
 * Unlike memberlist, urgent messages (alive, leave) all go before the rest
 * (suspect, dead, user events). When the gossip is saturated — hundreds of
 * members flapping, far more news than packet room — fresh items are sent
 * only a few times before newer ones overtake them, and a refutation that
 * misses one member lets that member declare a live one failed; a late
 * suspicion only delays a timer. `dead` is not urgent: in an overload the
 * false ones would spread first (measured: more false failures, not fewer);
 * a graceful leave's `dead` is, like the intent before it.
 *
 * Each bucket is an intrusive list in insertion order: taking a message and
 * re-filing it one bucket up is pointer work, not hashing (this runs for every
 * packet sent).
 *
 * Messages are held as one-byte strings (one char per byte): a queued
 * 40-byte message costs about 60 bytes of heap as a string and 250 as a
 * Uint8Array, and a string is a leaf the garbage collector never scans. With
 * hundreds of members changing state at once a node queues a message about
 * each of them, and a simulator holds thousands of nodes' queues.
 */
interface Item {
  key: string | null;
  msg: string;
  /** msg.length, kept here so scanning a bucket touches only the items. */
  size: number;
  transmits: number;
  urgent: boolean;
  live: boolean;
  prev: Item | null;
  next: Item | null;
}

interface Bucket {
  head: Item | null;
  tail: Item | null;
  size: number;
}

export class BroadcastQueue {
  /** Buckets by transmit count, urgent ones first. */
  private readonly classes: [(Bucket | undefined)[], (Bucket | undefined)[]] = [[], []];
  private byKey = new Map<string, Item>();
  private count = 0;

  constructor(private readonly maxItems: number) {}

  size(): number {
    return this.count;
  }

  /**
   * Queues an encoded message; `key` (e.g. a member name) invalidates an older
   * one. `urgent` messages are all taken before any other.
   */
  push(key: string | null, msg: Uint8Array, urgent = false): void {
    if (key !== null) {
      const old = this.byKey.get(key);
      if (old) this.remove(old);
    }
    // A copy: an encoder's output is a view into its scratch buffer, and a
    // message that waits here for seconds would keep the whole buffer alive.
    const item: Item = { key, msg: byteString(msg), size: msg.length, transmits: 0, urgent, live: true, prev: null, next: null };
    append(this.bucket(item, 0), item);
    if (key !== null) this.byKey.set(key, item);
    this.count++;
    if (this.count > this.maxItems) this.dropMostSent();
  }

  /**
   * Takes messages fitting in `budget` bytes (each costing `overhead` more),
   * counting one transmit each; messages reaching `limit` leave the queue.
   * Each comes back as a one-byte string (see `encodePacket`).
   */
  take(budget: number, overhead: number, limit: number, maxMessages: number): string[] {
    const out: string[] = [];
    if (this.count === 0) return out; // every packet asks; most of the time there is no news
    let scanned = 0;
    const moved: Item[] = [];
    for (const buckets of this.classes) {
      for (let t = 0; t < buckets.length && budget > overhead && out.length < maxMessages; t++) {
        const b = buckets[t];
        if (!b || b.size === 0) continue;
        let next: Item | null;
        for (let item = b.head; item; item = next) {
          next = item.next;
          if (++scanned > 1024 || budget <= overhead || out.length >= maxMessages) break;
          if (item.transmits >= limit) {
            unlink(b, item);
            this.forget(item);
            continue;
          }
          const cost = item.size + overhead;
          if (cost > budget) continue;
          budget -= cost;
          out.push(item.msg);
          unlink(b, item);
          moved.push(item);
        }
      }
    }
    // Re-filed after the scan so one call never sends the same message twice.
    for (const item of moved) {
      item.transmits++;
      if (item.transmits >= limit) this.forget(item);
      else append(this.bucket(item, item.transmits), item);
    }
    return out;
  }

  private bucket(item: Item, t: number): Bucket {
    const buckets = this.classes[item.urgent ? 0 : 1];
    let b = buckets[t];
    if (!b) {
      b = { head: null, tail: null, size: 0 };
      buckets[t] = b;
    }
    return b;
  }

  private remove(item: Item): void {
    const b = this.classes[item.urgent ? 0 : 1][item.transmits];
    if (b) unlink(b, item);
    this.forget(item);
  }

  private forget(item: Item): void {
    if (!item.live) return;
    item.live = false;
    this.count--;
    if (item.key !== null && this.byKey.get(item.key) === item) this.byKey.delete(item.key);
  }

  /** Drops the most sent of the ordinary messages first, then of the urgent ones. */
  private dropMostSent(): void {
    for (let c = 1; c >= 0; c--) {
      const buckets = this.classes[c]!;
      for (let t = buckets.length - 1; t >= 0 && this.count > this.maxItems; t--) {
        const b = buckets[t];
        if (!b) continue;
        let next: Item | null;
        for (let item = b.head; item; item = next) {
          next = item.next;
          if (this.count <= this.maxItems) break;
          unlink(b, item);
          this.forget(item);
        }
      }
    }
  }
}

function append(b: Bucket, item: Item): void {
  item.prev = b.tail;
  item.next = null;
  if (b.tail) b.tail.next = item;
  else b.head = item;
  b.tail = item;
  b.size++;
}

function unlink(b: Bucket, item: Item): void {
  if (item.prev === null && b.head !== item) return; // not in this bucket
  if (item.prev) item.prev.next = item.next;
  else b.head = item.next;
  if (item.next) item.next.prev = item.prev;
  else b.tail = item.prev;
  item.prev = item.next = null;
  b.size--;
}

/** Bytes as a one-byte string; `String.fromCharCode` takes at most ~64K arguments, so long messages go in chunks. */
function byteString(msg: Uint8Array): string {
  let s = '';
  for (let i = 0; i < msg.length; i += 4096) s += String.fromCharCode.apply(null, msg.subarray(i, i + 4096) as unknown as number[]);
  return s;
}
