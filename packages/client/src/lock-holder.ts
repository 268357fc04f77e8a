// What `conclave lock` (and any other client) needs from a lock or a semaphore held under a session: take it, watch
// that it stays ours, give it back. KeyLock and Semaphore implement it with Consul's key layouts.

/** Thrown by `monitor` when the lock (or the semaphore slot) is no longer held by the session. */
export class LockLostError extends Error {
  constructor(message = 'Lock lost') {
    super(message);
    this.name = 'LockLostError';
  }
}

export interface LockAcquireOptions {
  /** Give up at this time (epoch ms); default never. */
  deadline?: number;
  /** Aborting stops waiting; `acquire` then resolves false. */
  signal?: AbortSignal;
}

export interface LockHolder {
  /** Blocks until the session holds the lock (true), or the deadline passes or the signal aborts (false). */
  acquire(session: string, options?: LockAcquireOptions): Promise<boolean>;
  /** Resolves when the signal aborts; rejects with LockLostError when the lock is no longer the session's. */
  monitor(session: string, signal?: AbortSignal): Promise<void>;
  /** Gives the lock up and, like Consul's Destroy, removes its keys when nobody else uses them. */
  release(session: string): Promise<void>;
}

/** The longest blocking query a holder issues (Consul's DefaultLockWaitTime / DefaultSemaphoreWaitTime). */
export const LOCK_WAIT_MS = 15_000;

/** A blocking query's wait, cut so it never outlasts the deadline. */
export function waitUntil(deadline: number): number {
  return Math.max(1, Math.min(LOCK_WAIT_MS, deadline - Date.now()));
}
