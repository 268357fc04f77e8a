// consul-template's de-duplication mode (`-dedup`, `deduplicate {}`): of all the instances rendering the same
// template, one holds a KV lock for it and watches the template's dependencies; it publishes the data it rendered
// from under the lock key, and the others render from that key instead of querying the agent themselves. A
// template's key is `<prefix>/<template id>/data` (the id hashes source, contents and destination, as
// consul-template's), locked by a session with Behavior "delete": when the holder dies its session expires and the
// key goes with it, and another instance takes the lock.
//
// The published value is Conclave's own format, compatible among Conclave instances only (consul-template's is
// LZW-compressed Go gob): gzip of the JSON `{"Format":"conclave-template-dedup/1","Data":{"<dependency id>":
// <the agent's JSON reply>}}`. Followers ignore any other value (a consul-template leader's, the "__NO_DATA__"
// placeholder written when the lock is taken).
import { gunzipSync, gzipSync } from 'node:zlib';
import { posix } from 'node:path';
import { LOCK_FLAG_VALUE, type ConsulClient, type KVPair } from '@conclave/client';
import { silentLogger, sleep, type Logger } from '@conclave/toolkit';

export const DEDUP_DEFAULTS = { prefix: 'consul-template/dedup/', ttlMs: 15_000, maxStaleMs: 2_000, blockQueryWaitMs: 60_000 } as const;

/** The format tag of published data; a change of layout gets a new one. */
export const DEDUP_FORMAT = 'conclave-template-dedup/1';
/** What the lock holder writes when it takes the lock, before it has data (consul-template's placeholder). */
const NO_DATA = '__NO_DATA__';
/** Waits of consul-template's dedup manager: recreating a lost session, retrying after an error. */
const SESSION_RETRY_MS = 15_000;
const ERROR_RETRY_MS = 10_000;
/** Published data is small (one template's dependencies); refuse to inflate anything absurd. */
const MAX_DATA_BYTES = 64 * 1024 * 1024;

export interface DedupOptions {
  client: Pick<ConsulClient, 'kv' | 'session'>;
  /** The ids of the templates to de-duplicate (see templateDedupId). */
  templateIds: string[];
  prefix?: string;
  /** Session TTL (default 15 s; the agent accepts 10 s to 24 h). */
  ttlMs?: number;
  /** Reads of the data key may be stale up to this (default 2 s); 0 reads consistently. */
  maxStaleMs?: number;
  blockQueryWaitMs?: number;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** This instance took (true) or lost (false) a template's lock. */
  onLeadership(id: string, leader: boolean): void;
  /** The lock holder published new data for a template this instance follows. */
  onData(id: string, data: Record<string, unknown>): void;
}

interface TemplateLock {
  id: string;
  key: string;
  leader: boolean;
  /** The JSON last written (as leader) or read (as follower), to skip repeats. */
  last: string | undefined;
  /** Publishes queue behind each other; only the newest pending one is written. */
  pending: Record<string, unknown> | undefined;
  writing: Promise<void> | undefined;
}

export class DedupManager {
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly maxStaleMs: number;
  private readonly waitMs: number;
  private readonly log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  private readonly locks = new Map<string, TemplateLock>();
  private readonly controller = new AbortController();
  private session: string | undefined;
  private sessionReady: Promise<void>;
  private resolveSession!: () => void;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: DedupOptions) {
    this.prefix = options.prefix ?? DEDUP_DEFAULTS.prefix;
    this.ttlMs = options.ttlMs ?? DEDUP_DEFAULTS.ttlMs;
    this.maxStaleMs = options.maxStaleMs ?? DEDUP_DEFAULTS.maxStaleMs;
    this.waitMs = options.blockQueryWaitMs ?? DEDUP_DEFAULTS.blockQueryWaitMs;
    this.log = options.logger ?? silentLogger;
    for (const id of new Set(options.templateIds)) {
      this.locks.set(id, { id, key: posix.join(this.prefix, id, 'data'), leader: false, last: undefined, pending: undefined, writing: undefined });
    }
    this.sessionReady = new Promise((r) => (this.resolveSession = r));
  }

  /** The KV key of a template's lock and data. */
  keyOf(id: string): string | undefined {
    return this.locks.get(id)?.key;
  }

  isLeader(id: string): boolean {
    return this.locks.get(id)?.leader === true;
  }

  start(): void {
    this.log.info('(dedup) starting de-duplication manager');
    this.loops.push(this.sessionLoop());
    for (const lock of this.locks.values()) this.loops.push(this.lockLoop(lock));
  }

  /** Stops every loop and destroys the session, which deletes the keys this instance held: followers take over at once. */
  async stop(): Promise<void> {
    if (this.controller.signal.aborted) return;
    this.log.info('(dedup) stopping de-duplication manager');
    this.controller.abort();
    this.resolveSession();
    await Promise.all(this.loops);
    await Promise.all([...this.locks.values()].map((l) => l.writing));
    const id = this.session;
    this.session = undefined;
    if (id) await this.options.client.session.destroy(id).catch((e: Error) => this.log.warn(`(dedup) failed destroying session ${id}: ${e.message}`));
  }

  /** As the lock holder, publishes the raw replies a complete render of the template used. */
  publish(id: string, data: Record<string, unknown>): void {
    const lock = this.locks.get(id);
    if (!lock?.leader || this.controller.signal.aborted) return;
    lock.pending = data;
    if (!lock.writing) lock.writing = this.drain(lock);
  }

  private async drain(lock: TemplateLock): Promise<void> {
    try {
      while (lock.pending && lock.leader && !this.controller.signal.aborted) {
        const data = lock.pending;
        lock.pending = undefined;
        const sorted: Record<string, unknown> = {};
        for (const k of Object.keys(data).sort()) sorted[k] = data[k];
        const json = JSON.stringify({ Format: DEDUP_FORMAT, Data: sorted });
        if (json === lock.last) {
          this.log.debug(`(dedup) de-duplicate data '${lock.key}' already current`);
          continue;
        }
        const session = this.session;
        if (!session) break;
        try {
          // Re-acquiring with our own session rewrites the value and fails when the lock is no longer ours, so a
          // deposed leader can never overwrite its successor's data.
          const ok = await this.options.client.kv.put(lock.key, gzipSync(json), { acquire: session, flags: LOCK_FLAG_VALUE });
          if (!ok) {
            this.log.warn(`(dedup) lost lock ownership '${lock.key}'`);
            this.setLeader(lock, false);
            break;
          }
          lock.last = json;
          this.log.info(`(dedup) updated de-duplicate data '${lock.key}'`);
        } catch (e) {
          this.log.error(`(dedup) failed to write '${lock.key}': ${(e as Error).message}`);
        }
      }
    } finally {
      lock.writing = undefined;
    }
  }

  private setLeader(lock: TemplateLock, leader: boolean): void {
    if (lock.leader === leader) return;
    lock.leader = leader;
    lock.last = undefined;
    try {
      this.options.onLeadership(lock.id, leader);
    } catch (e) {
      this.log.error(`(dedup) ${(e as Error).message}`);
    }
  }

  /** Creates the session, renews it at half its TTL, and creates a new one when it is lost. */
  private async sessionLoop(): Promise<void> {
    const signal = this.controller.signal;
    const { session } = this.options.client;
    while (!signal.aborted) {
      let id: string;
      try {
        this.log.info('(dedup) attempting to create session');
        id = await session.create({ Name: 'Consul-Template de-duplication', Behavior: 'delete', TTL: `${(this.ttlMs / 1000).toFixed(6)}s`, LockDelay: '1ms' });
      } catch (e) {
        this.log.error(`(dedup) failed to create session: ${(e as Error).message}`);
        await sleep(SESSION_RETRY_MS, signal);
        continue;
      }
      this.log.info(`(dedup) created session ${id}`);
      this.session = id;
      this.resolveSession();
      while (!signal.aborted) {
        await sleep(this.ttlMs / 2, signal);
        if (signal.aborted) return;
        const alive = await session.renew(id).then(
          (s) => s !== null,
          (e: Error) => {
            this.log.warn(`(dedup) failed to renew session: ${e.message}`);
            return true; // the agent may be briefly unreachable; the TTL decides
          },
        );
        if (!alive) break;
      }
      this.log.warn(`(dedup) session ${id} lost`);
      this.session = undefined;
      this.sessionReady = new Promise((r) => (this.resolveSession = r));
      for (const lock of this.locks.values()) this.setLeader(lock, false);
    }
  }

  /**
   * One blocking query per template on its key: it tells whether this instance holds the lock, who else does,
   * and carries the holder's data. A free key is taken at once.
   */
  private async lockLoop(lock: TemplateLock): Promise<void> {
    const signal = this.controller.signal;
    const { kv } = this.options.client;
    let index = 0n;
    while (!signal.aborted) {
      await this.sessionReady;
      const session = this.session;
      if (signal.aborted) return;
      if (!session) continue;
      let pair: KVPair | null;
      try {
        const stale = this.maxStaleMs > 0;
        let res = await kv.get(lock.key, { index, waitMs: this.waitMs, signal, stale });
        if (stale && res.lastContact > this.maxStaleMs && !signal.aborted) res = await kv.get(lock.key, { index, waitMs: this.waitMs, signal, stale: false });
        // An index that goes backwards means the agent's state was reset: read afresh.
        index = res.index < index ? 0n : res.index;
        pair = res.body;
      } catch (e) {
        if (signal.aborted) return;
        this.log.error(`(dedup) failed to get '${lock.key}': ${(e as Error).message}`);
        await sleep(ERROR_RETRY_MS, signal);
        continue;
      }
      if (pair && pair.Flags !== LOCK_FLAG_VALUE) {
        this.log.error(`(dedup) failed to acquire lock '${lock.key}': Existing key does not match lock use`);
        await sleep(ERROR_RETRY_MS, signal);
        continue;
      }
      if (pair?.Session === session) {
        if (!lock.leader) this.log.info(`(dedup) acquired lock '${lock.key}'`);
        this.setLeader(lock, true);
        continue;
      }
      if (lock.leader) {
        this.log.warn(`(dedup) lost lock ownership '${lock.key}'`);
        this.setLeader(lock, false);
      }
      if (pair?.Session) {
        this.receive(lock, pair.Value);
        continue;
      }
      // Nobody holds it: take it (the holder's session died, or this is the first instance).
      try {
        const ok = await kv.put(lock.key, NO_DATA, { acquire: session, flags: LOCK_FLAG_VALUE });
        if (ok) {
          this.log.info(`(dedup) acquired lock '${lock.key}'`);
          this.setLeader(lock, true);
        } else await sleep(250, signal); // another instance won, or a lock-delay runs: look again
      } catch (e) {
        if (signal.aborted) return;
        this.log.error(`(dedup) failed to acquire lock '${lock.key}': ${(e as Error).message}`);
        await sleep(ERROR_RETRY_MS, signal);
      }
      index = 0n;
    }
  }

  /** A follower's view of the holder's value: new data goes to the renderer, anything else is ignored. */
  private receive(lock: TemplateLock, value: Buffer | null): void {
    if (!value || value.toString('latin1') === NO_DATA) return;
    let json: string;
    try {
      json = gunzipSync(value, { maxOutputLength: MAX_DATA_BYTES }).toString('utf8');
    } catch {
      this.log.warn(`(dedup) '${lock.key}' does not hold Conclave de-duplication data (another program's lock?)`);
      return;
    }
    if (json === lock.last) return;
    let doc: { Format?: unknown; Data?: unknown };
    try {
      doc = JSON.parse(json) as typeof doc;
    } catch (e) {
      this.log.error(`(dedup) failed to decode '${lock.key}': ${(e as Error).message}`);
      return;
    }
    if (doc.Format !== DEDUP_FORMAT || doc.Data === null || typeof doc.Data !== 'object' || Array.isArray(doc.Data)) {
      this.log.warn(`(dedup) '${lock.key}' was written in another format (${JSON.stringify(doc.Format)}, expected ${DEDUP_FORMAT})`);
      return;
    }
    const data = doc.Data as Record<string, unknown>;
    lock.last = json;
    this.log.info(`(dedup) loading ${Object.keys(data).length} dependencies from '${lock.key}'`);
    try {
      this.options.onData(lock.id, data);
    } catch (e) {
      this.log.error(`(dedup) ${(e as Error).message}`);
    }
  }
}
