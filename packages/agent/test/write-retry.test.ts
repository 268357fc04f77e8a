// A forwarded write whose connection failed after it was sent may have been applied: it must not be sent again
// (a second apply could double it, or answer a CAS that succeeded with `false`). Found by tools/faults: a CAS
// in flight while its leader was killed reported `false`, yet its value was read afterwards.
import { describe, expect, it } from 'vitest';
import { LogFailedError, type Command } from '@conclave/state';
import { RaftLog, type RaftHandle } from '../src/cluster/raft-log.js';
import { RemoteLog } from '../src/cluster/remote-log.js';
import { RpcError } from '../src/cluster/rpc.js';
import { fakeRpc } from './support.js';

const cas: Command = { type: 'kv.set', Key: 'k', Value: new Uint8Array([1]), Flags: '0', Cas: 5 } as Command;

const follower: RaftHandle = {
  isLeader: () => false,
  leader: () => 's1',
  propose: () => Promise.reject(new Error('not the leader')),
  readBarrier: () => Promise.resolve(),
  appliedIndex: () => 0,
};

/** The first call reaches the server, which applies it; then the connection drops before the answer. */
function applyThenDrop(sent: boolean) {
  let applied = 0;
  const rpc = fakeRpc(() => {
    applied++;
    if (applied === 1) throw new RpcError('rpc error: connection to 10.0.0.1:8300 closed', true, undefined, sent);
    return { index: 9, result: false }; // a second try: the CAS index no longer matches
  });
  return { rpc, applied: () => applied };
}

describe('a write whose connection failed', () => {
  it('after it was sent: RaftLog does not forward it again; the outcome is reported unknown', async () => {
    const { rpc, applied } = applyThenDrop(true);
    const log = new RaftLog({ raft: () => follower, addressOf: () => '10.0.0.1:8300', rpc, retryMs: 1 });
    const err = await log.propose(cas).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogFailedError);
    expect(String((err as Error).message)).toMatch(/may or may not have been applied/);
    expect(applied()).toBe(1);
  });

  it('before it was sent (connect failure): RaftLog tries again', async () => {
    const { rpc, applied } = applyThenDrop(false);
    const log = new RaftLog({ raft: () => follower, addressOf: () => '10.0.0.1:8300', rpc, retryMs: 1 });
    expect(await log.propose(cas)).toEqual({ index: 9, result: false });
    expect(applied()).toBe(2);
  });

  it("after it was sent: a client agent's RemoteLog does not send it to the next server", async () => {
    const { rpc, applied } = applyThenDrop(true);
    const log = new RemoteLog(() => ['10.0.0.1:8300', '10.0.0.2:8300'], rpc);
    await expect(log.propose(cas)).rejects.toBeInstanceOf(RpcError);
    expect(applied()).toBe(1);
  });

  it("before it was sent: a client agent's RemoteLog goes on to the next server", async () => {
    const { rpc, applied } = applyThenDrop(false);
    const log = new RemoteLog(() => ['10.0.0.1:8300', '10.0.0.2:8300'], rpc);
    expect(await log.propose(cas)).toEqual({ index: 9, result: false });
    expect(applied()).toBe(2);
  });
});
