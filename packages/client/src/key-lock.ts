// Consul's api.Lock: one key, held by acquiring it with a session. The key carries LOCK_FLAG_VALUE so that a lock
// and a semaphore (or plain data) at the same path are told apart instead of silently sharing it.
import type { ConsulClient } from './consul-client.js';
import { sleep } from '@conclave/toolkit';
import { LOCK_WAIT_MS, LockLostError, waitUntil, type LockAcquireOptions, type LockHolder } from './lock-holder.js';

/** Consul's LockFlagValue. */
export const LOCK_FLAG_VALUE = 3304740253564472344n;
/** Consul's DefaultLockRetryTime: the wait after a refused acquire on a free key (a lock-delay is running). */
const LOCK_RETRY_MS = 5_000;

export class KeyLock implements LockHolder {
  constructor(
    private readonly client: ConsulClient,
    /** The lock key; `conclave lock` uses `<prefix>/.lock`. */
    readonly key: string,
  ) {}

  async acquire(session: string, options: LockAcquireOptions = {}): Promise<boolean> {
    const deadline = options.deadline ?? Infinity;
    const signal = options.signal ?? new AbortController().signal;
    let index = 0n;
    while (!signal.aborted && Date.now() < deadline) {
      const res = await this.client.kv.get(this.key, { index, waitMs: waitUntil(deadline), signal }).catch((err) => {
        if (signal.aborted) return undefined;
        throw err;
      });
      if (!res) return false;
      const pair = res.body;
      if (pair && pair.Flags !== LOCK_FLAG_VALUE) throw new Error('Lock acquisition failed: Existing key does not match lock use');
      if (pair?.Session === session) return true;
      if (pair?.Session) {
        index = res.index;
        continue;
      }
      if (await this.client.kv.put(this.key, null, { acquire: session, flags: LOCK_FLAG_VALUE })) return true;
      await sleep(Math.min(LOCK_RETRY_MS, Math.max(0, deadline - Date.now())), signal);
      index = 0n;
    }
    return false;
  }

  async monitor(session: string, signal?: AbortSignal): Promise<void> {
    let index = 0n;
    while (!signal?.aborted) {
      const res = await this.client.kv.get(this.key, { index, waitMs: LOCK_WAIT_MS, signal }).catch((err) => {
        if (signal?.aborted) return undefined;
        throw err;
      });
      if (!res) return;
      if (res.body?.Session !== session) throw new LockLostError();
      index = res.index;
    }
  }

  async release(session: string): Promise<void> {
    const pair = (await this.client.kv.get(this.key)).body;
    if (!pair || pair.Session !== session) return;
    await this.client.kv.put(this.key, null, { release: session, flags: LOCK_FLAG_VALUE });
    // Like Lock.Destroy: remove the key when nobody took it meanwhile.
    const after = (await this.client.kv.get(this.key)).body;
    if (after && !after.Session) await this.client.kv.delete(this.key, { cas: after.ModifyIndex });
  }
}
