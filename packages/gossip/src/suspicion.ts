/**
 * Lifeguard's dogpile timer: a suspicion starts with the maximum timeout and
 * shrinks toward the minimum as independent members confirm it, on a log
 * scale so the first confirmations count most.
 */
export class Suspicion {
  /** The raiser, then each independent confirmer (at most k + 1: an array is smaller than a Set). */
  private confirmers: string[];
  private timeoutMs: number;
  /** When the last call (a `check` to the suspect and a few others) went out; -1 before. */
  checkedAt = -1;

  /**
   * @param from the member that raised the suspicion (its later messages are not confirmations)
   * @param k confirmations expected to reach the minimum timeout; 0 means use the minimum at once
   */
  constructor(
    readonly incarnation: number,
    from: string,
    private readonly k: number,
    private readonly minMs: number,
    private readonly maxMs: number,
    readonly startedAt: number,
  ) {
    this.confirmers = [from];
    this.timeoutMs = k < 1 ? minMs : maxMs;
  }

  /** Records a confirmation; true when it is new (and worth re-gossiping). */
  confirm(from: string): boolean {
    if (this.confirmers.length - 1 >= this.k || this.confirmers.includes(from)) return false;
    // Copied rather than pushed: push would grow the array to 17 slots, and a
    // member can hold hundreds of suspicions at once.
    this.confirmers = [...this.confirmers, from];
    this.timeoutMs = suspicionTimeout(this.confirmers.length - 1, this.k, this.minMs, this.maxMs);
    return true;
  }

  confirmations(): number {
    return this.confirmers.length - 1;
  }

  deadline(): number {
    return this.startedAt + this.timeoutMs;
  }

  /**
   * The next moment this suspicion needs attention when a last call is made
   * `callMs` before the deadline: the call itself, then the declaration, no
   * sooner than `callMs` after the call (a confirmation may move the deadline
   * closer than that).
   */
  nextStep(callMs: number): number {
    if (callMs <= 0) return this.deadline();
    if (this.checkedAt < 0) return this.deadline() - callMs;
    return Math.max(this.deadline(), this.checkedAt + callMs);
  }
}

/** max − (log(c+1) / log(k+1)) × (max − min), never below min. */
export function suspicionTimeout(confirmations: number, k: number, minMs: number, maxMs: number): number {
  if (k < 1) return minMs;
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  const raw = Math.floor(maxMs - frac * (maxMs - minMs));
  return Math.max(minMs, raw);
}
