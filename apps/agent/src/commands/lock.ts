// `conclave lock [-n N] [-timeout d] prefix command...`: runs the command while holding a lock (Consul's
// layout: key `<prefix>/.lock`, flags 0x2ddccbc058a50c18) or one of N semaphore slots (contender keys
// `<prefix>/<session>`, `<prefix>/.lock` = {"Limit": N, "Holders": {...}}, flags 0xe0f69a2baa414de0). The
// session has a 15 s TTL renewed every 7.5 s; losing the lock stops the child; exit or a signal releases it.
// The child's exit code is passed through (128 + signal number when a signal ended it).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { parseGoDuration } from '@conclave/catalog';
import type { ConsulClient, KVPair } from '@conclave/client';
import { CLIENT_FLAGS, runCommand, type CommandContext } from './common.js';

export const LOCK_FLAG_VALUE = 3304740253564472344n;
export const SEMAPHORE_FLAG_VALUE = 16210313421097356768n;
const SESSION_TTL = '15s';
const RENEW_EVERY_MS = 7_500;
/** Consul's DefaultLockRetryTime: the wait after a refused acquire on a free key (lock-delay). */
const LOCK_RETRY_MS = 5_000;
const WAIT_MS = 15_000;

const usage = `
Usage: conclave lock [options] prefix child...

  Acquires a lock or semaphore at a given path, and invokes a child process when successful. The child
  process can assume the lock is held while it executes. If the lock is lost or communication is disrupted
  the child process will be sent a SIGTERM signal and given time to gracefully exit. After the grace period
  expires the process will be hard terminated.

  For Consul agents on Windows, the child process is always hard terminated with a SIGKILL.

  When -n=1, only a single lock holder or leader exists providing mutual exclusion. Setting a higher value
  switches to a semaphore allowing multiple holders to coordinate.

  The prefix provided must have write privileges.
`;

class LockLost extends Error {}

export function lock(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage,
    flags: {
      n: { kind: 'int', usage: 'Optional limit on the number of concurrent lock holders. The underlying implementation switches from a lock to a semaphore when increased past one. Defaults to 1.' },
      name: { kind: 'string', usage: 'Optional name to associate with the lock session. If not provided, one is generated based on the provided child command.' },
      'pass-stdin': { kind: 'bool', usage: 'Pass stdin to the child process.' },
      shell: { kind: 'bool', usage: 'Use a shell to run the command (can set a custom shell via the SHELL environment variable). Defaults to true.' },
      timeout: { kind: 'string', usage: 'Maximum amount of time to wait to acquire the lock (0 waits forever).' },
      try: { kind: 'string', usage: 'DEPRECATED: use -timeout instead.' },
      'monitor-retry': { kind: 'int', usage: 'Number of times to retry if Consul returns a 500 error while monitoring the lock. Defaults to 3.' },
      verbose: { kind: 'bool', usage: 'Enable verbose (debugging) output.' },
      ...CLIENT_FLAGS,
    },
    run: (ctx) => runLock(ctx),
  });
}

async function runLock(ctx: CommandContext): Promise<number> {
  const limit = (ctx.flags.n as number | undefined) ?? 1;
  if (ctx.args.length < 2) {
    ctx.err('Key prefix and child command must be specified');
    return 1;
  }
  if (limit < 1) {
    ctx.err('Lock holder limit must be positive');
    return 1;
  }
  let timeoutMs = 0;
  const timeoutText = (ctx.flags.timeout as string | undefined) ?? (ctx.flags.try as string | undefined);
  if (timeoutText) {
    try {
      timeoutMs = parseGoDuration(timeoutText) / 1e6;
    } catch {
      ctx.err(`invalid value "${timeoutText}" for flag -timeout: parse error`);
      return 1;
    }
    if (timeoutMs < 0) {
      ctx.err('Timeout must be positive');
      return 1;
    }
  }
  const prefix = ctx.args[0]!.replace(/\/+$/, '');
  const child = ctx.args.slice(1);
  const verbose = ctx.flags.verbose === true;
  const log = (msg: string) => verbose && ctx.err(msg);
  const client = ctx.client();
  const name = (ctx.flags.name as string | undefined) || `Consul lock for "${child.join(' ')}" at "${prefix}"`;
  const holder = limit === 1 ? new KeyLock(client, `${prefix}/.lock`) : new Semaphore(client, prefix, limit);

  log(`Setting up lock at path: ${prefix}/.lock`);
  const session = ((await client.write('PUT', 'session/create', undefined, { Name: name, TTL: SESSION_TTL })) as { ID: string }).ID;
  const stop = new AbortController();
  let lost = false;
  const renewer = setInterval(() => {
    client.write('PUT', `session/renew/${session}`).catch(() => {
      lost = true;
      stop.abort();
    });
  }, RENEW_EVERY_MS);

  let signalled: NodeJS.Signals | undefined;
  let childProc: ChildProcess | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    log(`Shutdown triggered by ${sig}`);
    if (childProc && childProc.exitCode === null) childProc.kill(sig);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const cleanup = async () => {
    clearInterval(renewer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    try {
      await holder.release(session);
    } catch (err) {
      ctx.err(`Lock release failed: ${(err as Error).message}`);
    }
    await client.write('PUT', `session/destroy/${session}`).catch(() => undefined);
  };

  try {
    log('Attempting lock acquisition');
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const acquired = await holder.acquire(session, deadline, stop.signal);
    if (!acquired) {
      ctx.err('Shutdown triggered or timeout during lock acquisition');
      return 1;
    }
    log('Starting handler');
    const shell = ctx.flags.shell !== false;
    childProc = shell
      ? spawn(process.env.SHELL || '/bin/sh', ['-c', child.join(' ')], { stdio: [ctx.flags['pass-stdin'] ? 'inherit' : 'ignore', 'inherit', 'inherit'] })
      : spawn(child[0]!, child.slice(1), { stdio: [ctx.flags['pass-stdin'] ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
    const exited = new Promise<number>((resolve) => {
      childProc!.once('error', (err) => {
        ctx.err(`Error starting handler: ${err.message}`);
        resolve(1);
      });
      childProc!.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)));
    });
    // Watch the lock while the child runs; losing it stops the child.
    const retries = Math.max(0, (ctx.flags['monitor-retry'] as number | undefined) ?? 3);
    const monitor = monitorWithRetry(holder, session, stop.signal, retries, log).catch((err: unknown) => {
      if (stop.signal.aborted && !(err instanceof LockLost)) return;
      lost = true;
    });
    void monitor.then(() => {
      if (lost && childProc && childProc.exitCode === null) {
        ctx.err('Lock lost, killing child');
        terminate(childProc);
      }
    });
    stop.signal.addEventListener('abort', () => {
      if (lost && childProc && childProc.exitCode === null) {
        ctx.err('Lock lost, killing child');
        terminate(childProc);
      }
    });
    const code = await exited;
    log(`Child exited with code ${code}`);
    stop.abort();
    if (lost && !signalled) return code === 0 ? 1 : code;
    return code;
  } finally {
    stop.abort();
    await cleanup();
  }
}

/** Watches the lock; an error talking to the agent (not a lost lock) is retried `retries` times, 1 s apart. */
async function monitorWithRetry(holder: Holder, session: string, signal: AbortSignal, retries: number, log: (m: string) => void): Promise<void> {
  for (let failures = 0; ; ) {
    try {
      await holder.monitor(session, signal);
      return;
    } catch (err) {
      if (err instanceof LockLost || signal.aborted || failures >= retries) throw err;
      failures++;
      log(`Lock monitoring failed (${(err as Error).message}), retry ${failures} of ${retries}`);
      await sleep(1000, signal);
    }
  }
}

/** SIGTERM, then SIGKILL after a grace period. */
function terminate(proc: ChildProcess): void {
  proc.kill('SIGTERM');
  const t = setTimeout(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }, 5_000);
  t.unref();
}

interface Holder {
  acquire(session: string, deadline: number, signal: AbortSignal): Promise<boolean>;
  /** Resolves when stopped; rejects with LockLost when the lock is no longer ours. */
  monitor(session: string, signal: AbortSignal): Promise<void>;
  release(session: string): Promise<void>;
}

function waitFor(deadline: number): number {
  return Math.max(1, Math.min(WAIT_MS, deadline - Date.now()));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Consul's api.Lock. */
class KeyLock implements Holder {
  constructor(
    private readonly client: ConsulClient,
    private readonly key: string,
  ) {}

  async acquire(session: string, deadline: number, signal: AbortSignal): Promise<boolean> {
    let index = 0n;
    while (!signal.aborted && Date.now() < deadline) {
      const res = await this.client.kv.get(this.key, { index, waitMs: waitFor(deadline), signal }).catch((err) => {
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
      // Free but refused: a lock-delay is running. Consul retries after 5 s.
      await sleep(Math.min(LOCK_RETRY_MS, Math.max(0, deadline - Date.now())), signal);
      index = 0n;
    }
    return false;
  }

  async monitor(session: string, signal: AbortSignal): Promise<void> {
    let index = 0n;
    while (!signal.aborted) {
      const res = await this.client.kv.get(this.key, { index, waitMs: WAIT_MS, signal });
      if (res.body?.Session !== session) throw new LockLost();
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

interface SemaphoreLock {
  Limit: number;
  Holders: Record<string, boolean>;
}

/** Consul's api.Semaphore. */
class Semaphore implements Holder {
  private readonly lockKey: string;

  constructor(
    private readonly client: ConsulClient,
    private readonly prefix: string,
    private readonly limit: number,
  ) {
    this.lockKey = `${prefix}/.lock`;
  }

  async acquire(session: string, deadline: number, signal: AbortSignal): Promise<boolean> {
    const contender = `${this.prefix}/${session}`;
    if (!(await this.client.kv.put(contender, null, { acquire: session, flags: SEMAPHORE_FLAG_VALUE })))
      throw new Error('Lock acquisition failed: failed to make contender entry');
    let index = 0n;
    while (!signal.aborted && Date.now() < deadline) {
      const res = await this.client.kv.list(this.prefix + '/', { index, waitMs: waitFor(deadline), signal }).catch((err) => {
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

  async monitor(session: string, signal: AbortSignal): Promise<void> {
    let index = 0n;
    while (!signal.aborted) {
      const res = await this.client.kv.get(this.lockKey, { index, waitMs: WAIT_MS, signal });
      const holders = res.body?.Value ? ((JSON.parse(res.body.Value.toString('utf8')) as SemaphoreLock).Holders ?? {}) : {};
      if (!holders[session]) throw new LockLost();
      index = res.index;
    }
  }

  async release(session: string): Promise<void> {
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
