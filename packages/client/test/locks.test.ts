// KeyLock and Semaphore against a real dev agent: the key layouts Consul's api.Lock / api.Semaphore use, mutual
// exclusion, the holder limit, loss detection and clean-up on release.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulClient, KeyLock, LOCK_FLAG_VALUE, LockLostError, SEMAPHORE_FLAG_VALUE, Semaphore } from '../src/index.js';
import { startDevAgent, type DevAgent } from './support/dev-agent.js';

let agent: DevAgent;
let client: ConsulClient;

beforeAll(async () => {
  agent = await startDevAgent();
  client = new ConsulClient({ address: agent.httpAddr, env: {} });
}, 30_000);
afterAll(async () => {
  client?.close();
  await agent?.stop();
});

const session = (name: string) => client.session.create({ Name: name, TTL: '30s', LockDelay: '0s' });
const soon = (ms = 300) => ({ deadline: Date.now() + ms });

describe('KeyLock', () => {
  it('holds the key with the session and the lock flags, excludes others, and deletes the key on release', async () => {
    const [a, b] = [await session('a'), await session('b')];
    const lockA = new KeyLock(client, 'locks/one/.lock');
    const lockB = new KeyLock(client, 'locks/one/.lock');
    expect(await lockA.acquire(a)).toBe(true);
    const pair = (await client.kv.get('locks/one/.lock')).body!;
    expect(pair.Session).toBe(a);
    expect(pair.Flags).toBe(LOCK_FLAG_VALUE);
    expect(await lockA.acquire(a)).toBe(true); // already ours
    expect(await lockB.acquire(b, soon())).toBe(false);

    const waiting = lockB.acquire(b, soon(10_000));
    await lockA.release(a);
    expect(await waiting).toBe(true);
    expect((await client.kv.get('locks/one/.lock')).body?.Session).toBe(b);
    await lockB.release(b);
    expect((await client.kv.get('locks/one/.lock')).body).toBeNull();
  });

  it('stops waiting when aborted', async () => {
    const [a, b] = [await session('a'), await session('b')];
    const lock = new KeyLock(client, 'locks/abort/.lock');
    expect(await lock.acquire(a)).toBe(true);
    const ac = new AbortController();
    const waiting = lock.acquire(b, { signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    expect(await waiting).toBe(false);
    await lock.release(a);
  });

  it('refuses a key that holds something else', async () => {
    await client.kv.put('locks/data/.lock', 'not a lock');
    await expect(new KeyLock(client, 'locks/data/.lock').acquire(await session('a'))).rejects.toThrow('Existing key does not match lock use');
  });

  it('monitor rejects with LockLostError once the key is no longer the session\'s, and resolves when aborted', async () => {
    const a = await session('a');
    const lock = new KeyLock(client, 'locks/lost/.lock');
    expect(await lock.acquire(a)).toBe(true);
    const ac = new AbortController();
    const quiet = lock.monitor(a, ac.signal);
    setTimeout(() => ac.abort(), 200);
    await expect(quiet).resolves.toBeUndefined();

    const watched = lock.monitor(a).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100)); // let it block first
    await client.kv.put('locks/lost/.lock', null, { release: a, flags: LOCK_FLAG_VALUE });
    expect(await watched).toBeInstanceOf(LockLostError);
  });
});

describe('Semaphore', () => {
  it('admits up to the limit, records holders in <prefix>/.lock, and hands a freed slot to a waiter', async () => {
    const [a, b, c] = [await session('a'), await session('b'), await session('c')];
    const sem = (n = 2) => new Semaphore(client, 'sem/web', n);
    expect(await sem().acquire(a)).toBe(true);
    expect(await sem().acquire(b)).toBe(true);
    expect(await sem().acquire(c, soon())).toBe(false);

    const lockPair = (await client.kv.get('sem/web/.lock')).body!;
    expect(lockPair.Flags).toBe(SEMAPHORE_FLAG_VALUE);
    expect(JSON.parse(lockPair.Value!.toString())).toEqual({ Limit: 2, Holders: { [a]: true, [b]: true } });
    const contender = (await client.kv.get(`sem/web/${c}`)).body!;
    expect([contender.Session, contender.Flags]).toEqual([c, SEMAPHORE_FLAG_VALUE]);

    await expect(sem(3).acquire(c, soon())).rejects.toThrow('semaphore limit conflict (lock: 2, local: 3)');

    const waiting = sem().acquire(c, soon(10_000));
    await sem().release(a);
    expect(await waiting).toBe(true);
    expect((await client.kv.get(`sem/web/${a}`)).body).toBeNull();

    await sem().release(b);
    await sem().release(c);
    expect((await client.kv.keys('sem/web/')).body).toEqual([]);
  });

  it('prunes a holder whose session is gone', async () => {
    const [a, b] = [await session('a'), await session('b')];
    const sem = new Semaphore(client, 'sem/prune', 1);
    expect(await sem.acquire(a)).toBe(true);
    await client.session.destroy(a); // releases a's contender key; its entry in .lock is now stale
    expect(await sem.acquire(b, soon(5_000))).toBe(true);
    const lockPair = (await client.kv.get('sem/prune/.lock')).body!;
    expect(JSON.parse(lockPair.Value!.toString()).Holders).toEqual({ [b]: true });
    await sem.release(b);
  });

  it('monitor rejects with LockLostError when the session leaves the holders', async () => {
    const a = await session('a');
    const sem = new Semaphore(client, 'sem/lost', 1);
    expect(await sem.acquire(a)).toBe(true);
    const watched = sem.monitor(a).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100)); // let it block first
    const pair = (await client.kv.get('sem/lost/.lock')).body!;
    await client.kv.put('sem/lost/.lock', JSON.stringify({ Limit: 1, Holders: {} }), { cas: pair.ModifyIndex, flags: SEMAPHORE_FLAG_VALUE });
    expect(await watched).toBeInstanceOf(LockLostError);
    await sem.release(a);
  });

  it('refuses keys under the prefix that are not semaphore keys', async () => {
    await client.kv.put('sem/data/x', 'plain');
    await expect(new Semaphore(client, 'sem/data', 2).acquire(await session('a'), soon())).rejects.toThrow('Existing key does not match semaphore use');
  });
});
