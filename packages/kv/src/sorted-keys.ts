// The KV table's keys in order, for prefix scans. A single sorted array made every new key an O(n) splice:
// with 1,000,000 keys each insert moved ~4 MB (~0.4 ms of event loop per write, and minutes to load a
// million keys in arbitrary order). Here the keys live in chunks of at most MAX_CHUNK, so an insert or
// removal moves at most a chunk plus, on a split, the list of chunks (n / MAX_CHUNK pointers).

const MAX_CHUNK = 1024;

/** The keys in order as they were when frozen (see SortedKeys.freeze): chunks that no change touches again. */
export interface KeysView {
  readonly chunks: readonly (readonly string[])[];
  readonly size: number;
}

export class SortedKeys {
  private chunks: string[][] = [];
  private count = 0;
  /** Chunks a frozen view may still hold: a change copies such a chunk before touching it. */
  private shared: Set<string[]> | undefined;

  /** From keys already sorted (a snapshot restore); the array is not kept. */
  static fromSorted(sorted: readonly string[]): SortedKeys {
    const s = new SortedKeys();
    for (let i = 0; i < sorted.length; i += MAX_CHUNK / 2) s.chunks.push(sorted.slice(i, i + MAX_CHUNK / 2));
    s.count = sorted.length;
    return s;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a key that is not present. */
  insert(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const ci = this.chunkFor(key);
    const c = this.own(ci);
    c.splice(lowerBound(c, key), 0, key);
    this.count++;
    if (c.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, c.splice(MAX_CHUNK / 2));
  }

  /** Removes a key; false when it was not there. */
  remove(key: string): boolean {
    if (this.chunks.length === 0) return false;
    const ci = this.chunkFor(key);
    const i = lowerBound(this.chunks[ci]!, key);
    if (this.chunks[ci]![i] !== key) return false;
    const c = this.own(ci);
    c.splice(i, 1);
    this.count--;
    if (c.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /** The keys starting with prefix, in order. */
  withPrefix(prefix: string): string[] {
    const out: string[] = [];
    if (this.chunks.length === 0) return out;
    let ci = this.chunkFor(prefix);
    let i = lowerBound(this.chunks[ci]!, prefix);
    for (; ci < this.chunks.length; ci++, i = 0) {
      const c = this.chunks[ci]!;
      for (; i < c.length; i++) {
        const k = c[i]!;
        if (!k.startsWith(prefix)) return out;
        out.push(k);
      }
    }
    return out;
  }

  /** Every key, in order (a copy). */
  toArray(): string[] {
    const out: string[] = [];
    for (const c of this.chunks) for (let i = 0; i < c.length; i++) out.push(c[i]!);
    return out;
  }

  /**
   * The keys as they are now, for a reader that goes through them while changes go on (a snapshot): the chunk
   * list is copied (one pointer per chunk) and a chunk is copied only when a later change first touches it.
   * Copying the keys instead took a million-key snapshot 250 ms of event loop (Array.prototype.flat), 36 ms at
   * best in a loop.
   */
  freeze(): KeysView {
    this.shared = new Set(this.chunks);
    return { chunks: this.chunks.slice(), size: this.count };
  }

  /** Chunk ci, copied first if a frozen view may hold it. */
  private own(ci: number): string[] {
    const c = this.chunks[ci]!;
    if (this.shared === undefined || !this.shared.delete(c)) return c;
    const copy = c.slice();
    this.chunks[ci] = copy;
    return copy;
  }

  /** The chunk a key belongs in: the last whose first key is <= key (the first chunk when none is). */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunks[mid]![0]! <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** First position whose key is >= target (keys compared by UTF-16 code units, like the sort). */
function lowerBound(arr: readonly string[], target: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
