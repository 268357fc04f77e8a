/** Lamport clock for user events: increments on send, jumps past what it witnesses. */
export class LamportClock {
  private counter = 0;

  time(): number {
    return this.counter;
  }

  increment(): number {
    return ++this.counter;
  }

  witness(t: number): void {
    if (t >= this.counter) this.counter = t + 1;
  }
}
