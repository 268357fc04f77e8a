// The WAN pool and the forwarder to other datacenters, in-process over real sockets: two pools (memberlist's
// local timings, as -dev runs them) join, each knows the other's datacenter and servers; force-leave takes the
// WAN name; a datacenter with no server, or none reachable, answers Consul's `No path to datacenter`.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@conclave/test-support/free-port';
import { waitFor } from '@conclave/test-support/wait-for';
import { RefusedError, createLogger } from '@conclave/toolkit';
import { WanFederation } from '../src/cluster/wan-federation.js';
import { WanForwarder, datacenterParam } from '../src/cluster/wan-forwarder.js';
import { RpcClient } from '../src/cluster/rpc.js';
import { buildAgentConfig } from '../src/config/agent-flags.js';
import { KnownPeers, WAN_PEERS_FILE } from '../src/cluster/known-peers.js';
import { ClusterJoin } from '../src/cluster-join.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const logger = createLogger('off');
const pools: WanFederation[] = [];

async function pool(node: string, dc: string, serverPort: number): Promise<WanFederation> {
  const p = await WanFederation.start({
    node,
    datacenter: dc,
    bindAddr: '127.0.0.1',
    port: await freePort(),
    tags: { role: 'consul', dc, port: String(serverPort) },
    dev: true,
    logger,
  });
  pools.push(p);
  return p;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.shutdown()));
});

describe('WAN federation', () => {
  it('joins servers of two datacenters as node.dc and knows each other’s datacenter and servers', async () => {
    const a = await pool('alpha', 'dc1', 18300);
    const b = await pool('beta', 'dc2', 28300);
    expect(a.datacenters()).toEqual(['dc1']);
    const joined = await b.join([a.address]);
    expect(joined.joined).toBe(1);
    await waitFor('both pools see both servers', () => a.members().length === 2 && b.members().length === 2);
    expect(a.members().map((m) => m.Name).sort()).toEqual(['alpha.dc1', 'beta.dc2']);
    expect(a.datacenters()).toEqual(['dc1', 'dc2']);
    expect(b.datacenters()).toEqual(['dc2', 'dc1']);
    expect(a.serversOf('dc2')).toEqual(['127.0.0.1:28300']);
    expect(a.serversOf('dc9')).toEqual([]);
    // force-leave -wan names the WAN member.
    expect(a.forceLeave('beta', false)).toBe(false);
  });
});

describe('WanForwarder', () => {
  const rpc = new RpcClient();
  afterAll(() => rpc.close());

  it('answers No path to datacenter when no server of it is known, or none answers', async () => {
    const dead = await freePort();
    const fwd = new WanForwarder((dc) => (dc === 'dc2' ? [`127.0.0.1:${dead}`] : []), rpc, logger);
    const req = (url: string) => fwd.forward({ method: 'GET', url, headers: {}, body: new Uint8Array(0) });
    await expect(req('/v1/kv/x?dc=dc3')).rejects.toThrow(new RefusedError('No path to datacenter'));
    const started = Date.now();
    await expect(req('/v1/kv/x?dc=dc2')).rejects.toThrow('No path to datacenter');
    // A refused connection is known at once: no hold timeout for a datacenter that is down.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(datacenterParam('/v1/kv/a?recurse&dc=dc2')).toBe('dc2');
    expect(datacenterParam('/v1/kv/a')).toBeUndefined();
  });
});

describe('WAN configuration', () => {
  it('reads -join-wan, -retry-join-wan, the WAN retry pace and their configuration keys', () => {
    const { config } = buildAgentConfig(['-server', '-data-dir', '/tmp/x', '-join-wan', 'a', '-retry-join-wan', 'b:8302', '-retry-interval-wan', '2s', '-retry-max-wan', '3', '-serf-wan-port', '9302'], 'h');
    expect([config.startJoinWan, config.retryJoinWan, config.retryIntervalWanNs, config.retryMaxWan, config.ports.serfWan]).toEqual([['a'], ['b:8302'], 2e9, 3, 9302]);
    const dir = mkdtempSync(join(tmpdir(), 'wan-config-'));
    const file = join(dir, 'wan.json');
    writeFileSync(file, JSON.stringify({ retry_join_wan: ['c'], start_join_wan: ['d'], retry_interval_wan: '5s', retry_max_wan: 2 }));
    const fromFile = buildAgentConfig(['-server', '-data-dir', dir, '-config-file', file], 'h').config;
    rmSync(dir, { recursive: true, force: true });
    expect([fromFile.retryJoinWan, fromFile.startJoinWan, fromFile.retryIntervalWanNs, fromFile.retryMaxWan]).toEqual([['c'], ['d'], 5e9, 2]);
  });
});

describe('WAN peers across a restart', () => {
  it('remembers the WAN members in the data dir, and a restarted server rejoins them by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-wan-peers-'));
    try {
      const a = await pool('gamma', 'dc1', 18302);
      const port = await freePort();
      const start = (peers: KnownPeers) =>
        WanFederation.start({ node: 'delta', datacenter: 'dc2', bindAddr: '127.0.0.1', port, tags: { role: 'consul', dc: 'dc2', port: '28302' }, dev: true, logger, knownPeers: peers });
      const b = await start(new KnownPeers(dir, WAN_PEERS_FILE));
      pools.push(b);
      expect((await b.join([a.address])).joined).toBe(1);
      await waitFor('b knows a', () => new KnownPeers(dir, WAN_PEERS_FILE).load().peers.includes(a.address));
      // A crash: no leave recorded. The next start rejoins from the data dir, with no -join-wan.
      await b.shutdown();
      const peers = new KnownPeers(dir, WAN_PEERS_FILE);
      expect(peers.load()).toEqual({ peers: [a.address], left: false });
      const b2 = await start(peers);
      pools.push(b2);
      await new ClusterJoin({ membership: () => b2, knownPeers: peers, startJoin: [], retryJoin: [], retryMax: 0, retryIntervalMs: 1000, rejoinAfterLeave: false, logger, pool: 'WAN' }).atStart();
      await waitFor('b2 is in the WAN pool again', () => b2.members().some((m) => m.Name === 'gamma.dc1' && m.Status === 1));
      expect(b2.datacenters()).toEqual(['dc2', 'dc1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
