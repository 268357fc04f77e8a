/** A bounded FIFO of the last index of each MsgApp in flight to one follower (flow control). */
export class Inflights {
  private buf: number[];
  private start = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buf = new Array<number>(size).fill(0);
  }

  full(): boolean {
    return this.count === this.size;
  }

  add(index: number): void {
    if (this.full()) throw new Error('inflights.add on a full buffer');
    this.buf[(this.start + this.count) % this.size] = index;
    this.count++;
  }

  /** Frees every message whose last index is <= index (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.buf[this.start] <= index) {
      this.start = (this.start + 1) % this.size;
      this.count--;
    }
  }

  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.buf[this.start]);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
