// Consul's api.Semaphore: up to `limit` holders under a prefix. Each contender acquires its own key
// `<prefix>/<session>` (so its slot dies with its session); the holders are recorded in `<prefix>/.lock` as
// {"Limit": N, "Holders": {session: true}}, updated with check-and-set. Holders whose contender key has lost its
// session are pruned before counting. Every key carries SEMAPHORE_FLAG_VALUE.
import type { ConsulClient } from './consul-client.js';
import type { KVPair } from './kv.js';
import { LOCK_WAIT_MS, LockLostError, waitUntil, type LockAcquireOptions, type LockHolder } from './lock-holder.js';

/** Consul's SemaphoreFlagValue. */
export const SEMAPHORE_FLAG_VALUE = 16210313421097356768n;

interface SemaphoreLock {
  Limit: number;
  Holders: Record<string, boolean>;
}

export class Semaphore implements LockHolder {
  /** The key holding the limit and the holders. */
  readonly lockKey: string;

  constructor(
    private readonly client: ConsulClient,
    readonly prefix: string,
    readonly limit: number,
  ) {
    this.lockKey = `${prefix}/.lock`;
  }

  async acquire(session: string, options: LockAcquireOptions = {}): Promise<boolean> {
    const deadline = options.deadline ?? Infinity;
    const signal = options.signal ?? new AbortController().signal;
    const contender = `${this.prefix}/${session}`;
    if (!(await this.client.kv.put(contender, null, { acquire: session, flags: SEMAPHORE_FLAG_VALUE })))
      throw new Error('Lock acquisition failed: failed to make contender entry');
    let index = 0n;
    while (!signal.aborted && Date.now() < deadline) {
      const res = await this.client.kv.list(this.prefix + '/', { index, waitMs: waitUntil(deadline), signal }).catch((err) => {
        if (signal.aborted) return undefined;
        throw err;
      });
      if (!res) return false;
      const { lockPair, state } = this.decode(res.body);
      const live = new Set(res.body.filter((p) => p.Key !== this.lockKey && p.Session).map((p) => p.Key.slice(this.prefix.length + 1)));
      for (const h of Object.keys(state.Holders)) if (!live.has(h)) delete state.Holders[h];
      if (state.Holders[session]) return true;
      if (Object.keys(state.Holders).length < this.limit) {
        state.Holders[session] = true;
        const ok = await this.client.kv.put(this.lockKey, JSON.stringify(state), {
          cas: lockPair?.ModifyIndex ?? 0,
          flags: SEMAPHORE_FLAG_VALUE,
        });
        if (ok) return true;
        index = 0n;
        continue;
      }
      index = res.index;
    }
    return false;
  }

  private decode(pairs: KVPair[]): { lockPair: KVPair | undefined; state: SemaphoreLock } {
    const lockPair = pairs.find((p) => p.Key === this.lockKey);
    for (const p of pairs)
      if (p.Flags !== SEMAPHORE_FLAG_VALUE) throw new Error('Lock acquisition failed: Existing key does not match semaphore use');
    if (!lockPair || !lockPair.Value) return { lockPair, state: { Limit: this.limit, Holders: {} } };
    let state: SemaphoreLock;
    try {
      state = JSON.parse(lockPair.Value.toString('utf8')) as SemaphoreLock;
    } catch (err) {
      throw new Error(`Lock acquisition failed: Failed to decode semaphore lock: ${(err as Error).message}`);
    }
    if (state.Limit !== this.limit) throw new Error(`Lock acquisition failed: semaphore limit conflict (lock: ${state.Limit}, local: ${this.limit})`);
    state.Holders ??= {};
    return { lockPair, state };
  }

  async monitor(session: string, signal?: AbortSignal): Promise<void> {
    let index = 0n;
    while (!signal?.aborted) {
      const res = await this.client.kv.get(this.lockKey, { index, waitMs: LOCK_WAIT_MS, signal }).catch((err) => {
        if (signal?.aborted) return undefined;
        throw err;
      });
      if (!res) return;
      const holders = res.body?.Value ? ((JSON.parse(res.body.Value.toString('utf8')) as SemaphoreLock).Holders ?? {}) : {};
      if (!holders[session]) throw new LockLostError();
      index = res.index;
    }
  }

  async release(session: string): Promise<void> {
    // The holders record is shared: retry the check-and-set a few times when others update it concurrently.
    for (let attempt = 0; attempt < 10; attempt++) {
      const pair = (await this.client.kv.get(this.lockKey)).body;
      if (!pair?.Value) break;
      const state = JSON.parse(pair.Value.toString('utf8')) as SemaphoreLock;
      if (!state.Holders?.[session]) break;
      delete state.Holders[session];
      if (await this.client.kv.put(this.lockKey, JSON.stringify(state), { cas: pair.ModifyIndex, flags: SEMAPHORE_FLAG_VALUE })) break;
    }
    await this.client.kv.delete(`${this.prefix}/${session}`);
    // Like Semaphore.Destroy: the last one out removes the lock key when no contender is left.
    const rest = (await this.client.kv.list(this.prefix + '/')).body;
    const lockPair = rest.find((p) => p.Key === this.lockKey);
    if (lockPair && rest.length === 1) await this.client.kv.delete(this.lockKey, { cas: lockPair.ModifyIndex });
  }
}
