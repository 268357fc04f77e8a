// The server's log without processes: a fake Raft node and a fake RPC client.
import { describe, expect, it } from 'vitest';
import { NoLeaderError, LogFailedError, StateMachine, type Command } from '@conclave/state';
import { Packr } from 'msgpackr';
import { NotLeaderError as RaftNotLeaderError } from '@conclave/raft';
import { RaftLog, type RaftHandle } from '../src/cluster/raft-log.js';
import { RpcError } from '../src/cluster/rpc.js';
import { serverRpcHandler } from '../src/cluster/server-rpc.js';
import { fakeRpc } from './support.js';

const packr = new Packr({ useRecords: false, moreTypes: true });
const put: Command = { type: 'kv.set', Key: 'k', Value: new Uint8Array([1]), Flags: '0' };

/** A Raft node that leads (or follows `leader`) and applies proposals to a real state machine. */
function fakeRaft(opts: { leading: boolean; leader?: string }) {
  const state = new StateMachine();
  let index = 0;
  const raft: RaftHandle & { leading: boolean; barriers: number; failBarrier: boolean } = {
    leading: opts.leading,
    barriers: 0,
    failBarrier: false,
    isLeader: () => raft.leading,
    leader: () => (raft.leading ? 'me' : opts.leader),
    async propose(data) {
      if (!raft.leading) throw new RaftNotLeaderError(opts.leader ?? '');
      const i = ++index;
      return { index: i, result: state.apply(packr.unpack(data) as Command, i) };
    },
    async readBarrier() {
      raft.barriers++;
      await new Promise((r) => setTimeout(r, 5));
      if (raft.failBarrier) throw new Error('lost leadership');
    },
    appliedIndex: () => index,
  };
  return { raft, state };
}

describe('RaftLog', () => {
  it('proposes on the leader: the command is applied at the index Raft gives it', async () => {
    const { raft, state } = fakeRaft({ leading: true });
    const log = new RaftLog({ raft: () => raft, addressOf: () => undefined, rpc: fakeRpc(() => undefined) });
    expect(await log.propose(put)).toEqual({ index: 1, result: true });
    expect(state.kv.get('k').value?.Value).toEqual(new Uint8Array([1]));
    expect(log.lastIndex()).toBe(1);
  });

  it('forwards from a follower to the leader as one apply RPC with the hop counted', async () => {
    const { raft } = fakeRaft({ leading: false, leader: 's1' });
    const rpc = fakeRpc(() => ({ index: 7, result: true }));
    const log = new RaftLog({ raft: () => raft, addressOf: (id) => (id === 's1' ? '10.0.0.1:8300' : undefined), rpc });
    expect(await log.propose(put)).toEqual({ index: 7, result: true });
    expect(rpc.calls).toEqual([{ address: '10.0.0.1:8300', method: 'apply', args: { command: put, hops: 1 } }]);
  });

  it('a forward carries the token: this server\'s own for its writes, the caller\'s for an apply RPC it passes on', async () => {
    const { raft } = fakeRaft({ leading: false, leader: 's1' });
    const rpc = fakeRpc(() => ({ index: 7, result: true }));
    const log = new RaftLog({ raft: () => raft, addressOf: () => '10.0.0.1:8300', rpc, token: () => 'server-agent' });
    await log.propose(put);
    await log.apply(put, 0, 'caller');
    expect(rpc.calls.map((c) => c.args)).toEqual([
      { command: put, hops: 1, token: 'server-agent' },
      { command: put, hops: 1, token: 'caller' },
    ]);
  });

  it('the leader side of the apply RPC proposes directly (server-rpc.ts): follower → leader is one hop', async () => {
    const leader = fakeRaft({ leading: true });
    const leaderLog = new RaftLog({ raft: () => leader.raft, addressOf: () => undefined, rpc: fakeRpc(() => undefined) });
    const handler = serverRpcHandler({ log: leaderLog, http: { call: async () => ({ status: 200, headers: {}, body: new Uint8Array() }) } });
    const follower = fakeRaft({ leading: false, leader: 's1' });
    const rpc = fakeRpc((c) => handler(c.method, c.args));
    const log = new RaftLog({ raft: () => follower.raft, addressOf: () => '10.0.0.1:8300', rpc });
    expect(await log.propose(put)).toEqual({ index: 1, result: true });
    expect(leader.state.kv.get('k').value).toBeDefined();
    await expect(handler('nope', {})).rejects.toThrow('rpc: unknown method nope');
  });

  it('a proposal refused because leadership moved meanwhile goes round again: forwarded to the new leader', async () => {
    const { raft } = fakeRaft({ leading: true, leader: 's1' });
    // The node still says it leads when asked, then refuses the proposal: it stepped down in between.
    let asked = 0;
    const moving = { ...raft, isLeader: () => asked++ === 0 };
    raft.leading = false;
    const rpc = fakeRpc(() => ({ index: 9, result: true }));
    const log = new RaftLog({ raft: () => moving, addressOf: () => '10.0.0.1:8300', rpc, retryMs: 5 });
    expect(await log.propose(put)).toEqual({ index: 9, result: true });
    expect(rpc.calls).toHaveLength(1);
  });

  it('does not forward a write that already travelled MAX_FORWARD_HOPS; it waits for leadership instead', async () => {
    const { raft } = fakeRaft({ leading: false, leader: 's1' });
    const rpc = fakeRpc(() => ({ index: 1, result: true }));
    const log = new RaftLog({ raft: () => raft, addressOf: () => '10.0.0.1:8300', rpc, holdTimeoutMs: 40, retryMs: 5 });
    await expect(log.apply(put, 2)).rejects.toBeInstanceOf(NoLeaderError);
    expect(rpc.calls).toHaveLength(0);
  });

  it('holds a write while there is no leader, then answers No cluster leader', async () => {
    const log = new RaftLog({ raft: () => undefined, addressOf: () => undefined, rpc: fakeRpc(() => undefined), holdTimeoutMs: 30, retryMs: 5 });
    const err = await log.propose(put).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoLeaderError);
    expect((err as Error).message).toBe('No cluster leader');
  });

  it('retries past an unreachable leader and succeeds once a leader is elected here', async () => {
    const { raft } = fakeRaft({ leading: false, leader: 's1' });
    const rpc = fakeRpc(() => {
      raft.leading = true; // the election finishes while the old leader is unreachable
      throw new RpcError('rpc error: failed to reach 10.0.0.1:8300', true);
    });
    const log = new RaftLog({ raft: () => raft, addressOf: () => '10.0.0.1:8300', rpc, retryMs: 1 });
    expect(await log.propose(put)).toEqual({ index: 1, result: true });
  });

  it('passes on an error the leader answered, typed as it was raised', async () => {
    const { raft } = fakeRaft({ leading: false, leader: 's1' });
    const log = new RaftLog({
      raft: () => raft,
      addressOf: () => 'x:1',
      rpc: fakeRpc(() => {
        throw new NoLeaderError();
      }),
    });
    await expect(log.propose(put)).rejects.toBeInstanceOf(NoLeaderError);
  });

  it('turns a Raft refusal other than NotLeader into LogFailedError with its message', async () => {
    const { raft } = fakeRaft({ leading: true });
    raft.propose = async () => {
      throw new Error('more than 1024 proposals are in flight');
    };
    const log = new RaftLog({ raft: () => raft, addressOf: () => undefined, rpc: fakeRpc(() => undefined) });
    await expect(log.propose(put)).rejects.toThrow(LogFailedError);
  });

  it('shares barrier rounds: callers during a round wait for the next one, and a failed round is No cluster leader', async () => {
    const { raft } = fakeRaft({ leading: true });
    const log = new RaftLog({ raft: () => raft, addressOf: () => undefined, rpc: fakeRpc(() => undefined) });
    const first = log.barrier();
    const during = [log.barrier(), log.barrier(), log.barrier()];
    await Promise.all([first, ...during]);
    expect(raft.barriers).toBe(2);
    raft.failBarrier = true;
    await expect(log.barrier()).rejects.toBeInstanceOf(NoLeaderError);
    const none = new RaftLog({ raft: () => undefined, addressOf: () => undefined, rpc: fakeRpc(() => undefined) });
    await expect(none.barrier()).rejects.toThrow('No cluster leader');
  });
});
