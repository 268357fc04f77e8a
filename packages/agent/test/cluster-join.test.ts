// Joining without processes: a fake gossip layer, fake timers for -retry-join.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClusterJoin, type ClusterJoinOptions } from '../src/cluster-join.js';
import { memoryLogger } from './support.js';

function fakeGossip(works: (addr: string) => boolean) {
  const tried: string[][] = [];
  let left = false;
  return {
    tried,
    get left() {
      return left;
    },
    address: '127.0.0.1:8301',
    async join(addresses: string[]) {
      tried.push(addresses);
      const ok = addresses.filter(works);
      return { joined: ok.length, errors: addresses.filter((a) => !works(a)).map((a) => `${a}: refused`) };
    },
    async leave() {
      left = true;
    },
  };
}

function options(over: Partial<ClusterJoinOptions>): ClusterJoinOptions {
  return {
    membership: () => undefined,
    knownPeers: { load: () => ({ peers: [], left: false }), recordLeave: () => {} },
    startJoin: [],
    retryJoin: [],
    retryMax: 0,
    retryIntervalMs: 1000,
    rejoinAfterLeave: false,
    logger: memoryLogger(),
    ...over,
  };
}

describe('ClusterJoin', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('rejoins the members known before a crash, but not after a graceful leave unless -rejoin', async () => {
    const crashed = fakeGossip(() => true);
    await new ClusterJoin(options({ membership: () => crashed, knownPeers: { load: () => ({ peers: ['10.0.0.2:8301', '127.0.0.1:8301'], left: false }), recordLeave: () => {} } })).atStart();
    expect(crashed.tried).toEqual([['10.0.0.2:8301']]); // not itself
    const leftBefore = fakeGossip(() => true);
    const peers = { load: () => ({ peers: ['10.0.0.2:8301'], left: true }), recordLeave: () => {} };
    await new ClusterJoin(options({ membership: () => leftBefore, knownPeers: peers })).atStart();
    expect(leftBefore.tried).toEqual([]);
    await new ClusterJoin(options({ membership: () => leftBefore, knownPeers: peers, rejoinAfterLeave: true })).atStart();
    expect(leftBefore.tried).toEqual([['10.0.0.2:8301']]);
  });

  it('fails the start when -join reaches nobody, naming the addresses', async () => {
    const gossip = fakeGossip(() => false);
    await expect(new ClusterJoin(options({ membership: () => gossip, startJoin: ['10.0.0.9'] })).atStart()).rejects.toThrow(
      'Error joining address(es) 10.0.0.9: 10.0.0.9: refused',
    );
    await expect(new ClusterJoin(options({})).join(['x'])).resolves.toEqual({ joined: 0, errors: ['gossip is disabled (ports.serf_lan = -1)'] });
  });

  it('-retry-join tries every interval until retry_max, and stops early once one works', async () => {
    const gossip = fakeGossip(() => false);
    const j = new ClusterJoin(options({ membership: () => gossip, retryJoin: ['10.0.0.9'], retryMax: 3 }));
    await j.atStart();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(gossip.tried).toHaveLength(3);
    let up = false;
    const later = fakeGossip(() => up);
    const k = new ClusterJoin(options({ membership: () => later, retryJoin: ['10.0.0.9'] }));
    await k.atStart();
    await vi.advanceTimersByTimeAsync(2_500);
    up = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(later.tried).toHaveLength(4);
    k.stop();
  });

  it('a leave is recorded before gossip leaves', async () => {
    const gossip = fakeGossip(() => true);
    let recorded = false;
    await new ClusterJoin(options({ membership: () => gossip, knownPeers: { load: () => ({ peers: [], left: false }), recordLeave: () => void (recorded = true) } })).leave();
    expect(recorded).toBe(true);
    expect(gossip.left).toBe(true);
  });
});
