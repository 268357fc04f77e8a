/**
 * Lifeguard's local health awareness: a node that misses its own deadlines
 * (no acks, missing nacks, having to refute) raises its score and stretches
 * its probe interval and timeout, so a slow node accuses others less.
 */
export class Awareness {
  private score = 0;

  /** @param max awareness multiplier ceiling (8 in every preset); 1 disables the mechanism. */
  constructor(private readonly max: number) {}

  applyDelta(delta: number): void {
    this.score = Math.min(this.max - 1, Math.max(0, this.score + delta));
  }

  getScore(): number {
    return this.score;
  }

  /** A timeout scaled by the current health: timeout * (score + 1). */
  scale(timeoutMs: number): number {
    return timeoutMs * (this.score + 1);
  }
}
