// The forwarder of a client or follower without processes: fake RPC, typed errors when nobody can answer.
import { describe, expect, it } from 'vitest';
import { NoLeaderError, NoServersError } from '@conclave/state';
import { RpcForwarder, followerForwards } from '../src/cluster/forwarding.js';
import { RpcClient, RpcError } from '../src/cluster/rpc.js';
import { fakeRpc, memoryLogger } from './support.js';

const get = { method: 'GET', url: '/v1/kv/a', headers: {}, body: new Uint8Array() };

describe('RpcForwarder', () => {
  it('sends the request as an http RPC, skipping unreachable servers', async () => {
    const rpc = fakeRpc((c) => {
      if (c.address === 'dead:1') throw new RpcError('rpc error: failed to reach dead:1', true);
      return { status: 200, headers: { 'X-Consul-Index': '5' }, body: new Uint8Array([1]) };
    });
    const f = new RpcForwarder(() => true, () => ['dead:1', 'live:1'], rpc as unknown as RpcClient, 'no-servers', memoryLogger());
    expect((await f.forward(get)).headers).toEqual({ 'X-Consul-Index': '5' });
    expect(rpc.calls.map((c) => [c.address, c.method])).toEqual([
      ['dead:1', 'http'],
      ['live:1', 'http'],
    ]);
  });

  it('answers the typed error after the hold timeout when no target is known', async () => {
    const rpc = fakeRpc(() => undefined) as unknown as RpcClient;
    const client = new RpcForwarder(() => true, () => [], rpc, 'no-servers', memoryLogger());
    const follower = new RpcForwarder(() => true, () => [], rpc, 'no-leader', memoryLogger());
    const [a, b] = await Promise.all([client.forward(get).catch((e: unknown) => e), follower.forward(get).catch((e: unknown) => e)]);
    expect(a).toBeInstanceOf(NoServersError);
    expect(b).toBeInstanceOf(NoLeaderError);
  }, 10_000);

  it('a follower proposes KV writes itself and forwards the rest unless ?stale', () => {
    expect(followerForwards('/v1/kv/a', '', 'PUT')).toBe(false);
    expect(followerForwards('/v1/kv/a', 'recurse', 'DELETE')).toBe(false);
    expect(followerForwards('/v1/txn', '', 'PUT')).toBe(true);
    expect(followerForwards('/v1/session/renew/x', '', 'PUT')).toBe(true);
    expect(followerForwards('/v1/kv/a', '', 'GET')).toBe(true);
    expect(followerForwards('/v1/kv/a', 'stale', 'GET')).toBe(false);
  });
});
