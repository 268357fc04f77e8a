// The client's log without processes: servers from a list, a fake RPC client.
import { describe, expect, it } from 'vitest';
import { NoLeaderError, NoServersError, type Command } from '@conclave/state';
import { RemoteLog } from '../src/cluster/remote-log.js';
import { RpcError } from '../src/cluster/rpc.js';
import { fakeRpc } from './support.js';

const put: Command = { type: 'kv.set', Key: 'k', Value: null, Flags: '0' };

describe('RemoteLog', () => {
  it('sends apply to a server (hops 0) and remembers the highest index', async () => {
    const rpc = fakeRpc(() => ({ index: 42, result: true }));
    const log = new RemoteLog(() => ['s1:8300'], rpc);
    expect(await log.propose(put)).toEqual({ index: 42, result: true });
    expect(rpc.calls[0]).toEqual({ address: 's1:8300', method: 'apply', args: { command: put, hops: 0 } });
    expect(log.lastIndex()).toBe(42);
    // With a token (acl.tokens.agent, else default) the call carries it.
    const withToken = fakeRpc(() => ({ index: 43, result: true }));
    await new RemoteLog(() => ['s1:8300'], withToken, () => 'agent-secret').propose(put);
    expect(withToken.calls[0]!.args).toEqual({ command: put, hops: 0, token: 'agent-secret' });
    await expect(log.barrier()).resolves.toBeUndefined();
  });

  it('tries the next server when one cannot be reached', async () => {
    const rpc = fakeRpc((c) => {
      if (c.address === 'dead:8300') throw new RpcError('rpc error: failed to reach dead:8300', true);
      return { index: 1, result: true };
    });
    const log = new RemoteLog(() => ['dead:8300', 'live:8300'], rpc);
    expect((await log.propose(put)).result).toBe(true);
    expect(rpc.calls.map((c) => c.address)).toEqual(['dead:8300', 'live:8300']);
  });

  it('stops at an error a server answered, and says No known Consul servers without servers', async () => {
    const rpc = fakeRpc(() => {
      throw new NoLeaderError();
    });
    await expect(new RemoteLog(() => ['a:1', 'b:1'], rpc).propose(put)).rejects.toBeInstanceOf(NoLeaderError);
    expect(rpc.calls).toHaveLength(1);
    const none = await new RemoteLog(() => [], rpc).propose(put).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(NoServersError);
    expect((none as Error).message).toBe('No known Consul servers');
  });

  it('answers the last transport error when every server is unreachable', async () => {
    const rpc = fakeRpc((c) => {
      throw new RpcError(`rpc error: failed to reach ${c.address}`, true);
    });
    await expect(new RemoteLog(() => ['a:1', 'b:1'], rpc).propose(put)).rejects.toThrow('rpc error: failed to reach b:1');
  });
});
