/** Binary min-heap of simulation events ordered by (time, priority, sequence). */
export interface HeapItem {
  time: number;
  prio: number;
  seq: number;
}

export class EventHeap<T extends HeapItem> {
  private a: T[] = [];

  get size(): number {
    return this.a.length;
  }

  push(x: T): void {
    const a = this.a;
    // Sift the hole up instead of swapping: one write per level.
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const up = a[p]!;
      if (!less(x, up)) break;
      a[i] = up;
      i = p;
    }
    a[i] = x;
  }

  peek(): T | undefined {
    return this.a[0];
  }

  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(a[r]!, a[l]!) ? r : l;
        if (!less(a[c]!, last)) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

function less(x: HeapItem, y: HeapItem): boolean {
  if (x.time !== y.time) return x.time < y.time;
  if (x.prio !== y.prio) return x.prio < y.prio;
  return x.seq < y.seq;
}
