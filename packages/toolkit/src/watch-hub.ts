// Blocking queries wait only on what they read. A query records the topics it read into a WatchSet
// ("catalog.nodes", "catalog.service:web", "kv.key:a/b") and the key prefixes it listed; apply notifies
// exactly the topics it changed, so a write wakes only the waiters that read the changed data.

/** Shared by every WatchSet until its first topic or prefix; never written. */
const NONE: string[] = [];

/** What one query read: exact topics and key prefixes. Filled by the query functions. */
export class WatchSet {
  topics: string[] = NONE;
  prefixes: string[] = NONE;
  // The first entry makes an array of exactly one: a parked query holds its WatchSet, and an array grown by
  // push from empty reserves 17 slots (152 bytes) for the one topic most queries read.
  addTopic(topic: string): void {
    if (this.topics === NONE) this.topics = [topic];
    else this.topics.push(topic);
  }
  addPrefix(prefix: string): void {
    if (this.prefixes === NONE) this.prefixes = [prefix];
    else this.prefixes.push(prefix);
  }
}

/** Fired once when something in the watched set changed; the waiter then unsubscribes. */
export type WatchCallback = () => void;

/** A subscription as the hub holds it: `fire()` is called once, with `done` set first. */
export interface Waiter {
  fire(): void;
  done: boolean;
}

/** Registry of waiting queries, by topic and by key prefix. */
export class WatchHub {
  private readonly byTopic = new Map<string, Set<Waiter>>();
  private readonly byPrefix = new Map<string, Set<Waiter>>();

  /** Calls `fire` once at the next change to anything in `ws`; returns a cancel function. */
  subscribe(ws: WatchSet, fire: WatchCallback): () => void {
    const waiter: Waiter = { fire, done: false };
    this.park(ws, waiter);
    return () => this.unpark(ws, waiter);
  }

  /**
   * subscribe() for a caller that is its own waiter: `waiter.fire()` runs once at the next change to anything
   * in `ws` (`done` is cleared here and set before it runs). Nothing is allocated per call but the sets' entries,
   * which is what a parked blocking query should cost (100,000 of them on one agent).
   */
  park(ws: WatchSet, waiter: Waiter): void {
    waiter.done = false;
    for (const t of ws.topics) addTo(this.byTopic, t, waiter);
    for (const p of ws.prefixes) addTo(this.byPrefix, p, waiter);
  }

  /** Ends a park (or a subscription) whether or not it fired; harmless twice. */
  unpark(ws: WatchSet, waiter: Waiter): void {
    waiter.done = true;
    for (const t of ws.topics) removeFrom(this.byTopic, t, waiter);
    for (const p of ws.prefixes) removeFrom(this.byPrefix, p, waiter);
  }

  /**
   * Calls `listener` at every change to any of `topics` (not only the next), synchronously within the apply that
   * made it; returns the function that stops it.
   */
  follow(topics: readonly string[], listener: () => void): () => void {
    let cancel = (): void => {};
    let stopped = false;
    const arm = () => {
      const ws = new WatchSet();
      for (const t of topics) ws.addTopic(t);
      cancel = this.subscribe(ws, () => {
        cancel(); // a fired waiter stays in the other topics' sets until cancelled
        if (stopped) return;
        arm();
        listener();
      });
    };
    arm();
    return () => {
      stopped = true;
      cancel();
    };
  }

  /** Number of distinct topics and prefixes being watched (for tests and metrics). */
  get size(): number {
    return this.byTopic.size + this.byPrefix.size;
  }

  notifyTopic(topic: string): void {
    const set = this.byTopic.get(topic);
    if (set) this.fireAll(set);
  }

  /** A KV key changed: wakes watchers of the key and of every prefix of it. */
  notifyKey(topic: string, key: string): void {
    this.notifyTopic(topic);
    if (this.byPrefix.size === 0) return;
    if (this.byPrefix.size <= key.length + 1) {
      for (const [prefix, set] of [...this.byPrefix]) if (key.startsWith(prefix)) this.fireAll(set);
    } else {
      for (let i = 0; i <= key.length; i++) {
        const set = this.byPrefix.get(key.slice(0, i));
        if (set) this.fireAll(set);
      }
    }
  }

  /** A whole subtree changed (delete-tree): wakes prefix watchers inside or above it. */
  notifyTree(prefix: string): void {
    for (const [p, set] of [...this.byPrefix]) if (p.startsWith(prefix) || prefix.startsWith(p)) this.fireAll(set);
  }

  /** Topics whose name starts with `topicPrefix` (e.g. every "kv.key:" under a deleted tree). */
  notifyTopicsStartingWith(topicPrefix: string): void {
    for (const [t, set] of [...this.byTopic]) if (t.startsWith(topicPrefix)) this.fireAll(set);
  }

  /** Wakes everyone: only for a snapshot restore, where anything may have changed. */
  notifyAll(): void {
    for (const set of [...this.byTopic.values(), ...this.byPrefix.values()]) this.fireAll(set);
  }

  private fireAll(set: Set<Waiter>): void {
    for (const w of [...set]) {
      if (w.done) continue;
      w.done = true;
      try {
        w.fire();
      } catch {
        // A waiter's failure must not stop the apply loop or other waiters.
      }
    }
  }

}

function addTo(map: Map<string, Set<Waiter>>, key: string, w: Waiter): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(w);
}

function removeFrom(map: Map<string, Set<Waiter>>, key: string, w: Waiter): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(w);
  if (set.size === 0) map.delete(key);
}
