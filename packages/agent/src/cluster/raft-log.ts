// A server's log: Raft. On the leader a command is proposed to Raft and resolves once applied here; on a
// follower it is forwarded to the leader as an `apply` RPC (at most MAX_FORWARD_HOPS forwards, in case
// leadership moved meanwhile). With no leader it retries for up to the hold timeout (Consul's
// rpc_hold_timeout), then fails with `No cluster leader`.
import { LogFailedError, NoLeaderError, StateMachineError, type AppliedCommand, type Command, type CommandLog, type CommandResult, type RestoreSource } from '@conclave/state';
import { encodeCommand } from './raft-fsm.js';
import { NotLeaderError as RaftNotLeaderError } from '@conclave/raft';
import { RPC_HOLD_TIMEOUT_MS, RpcError, type RpcClient } from './rpc.js';
import { sleep } from '@conclave/toolkit';

/** A forwarded write is forwarded again at most this often (leadership moved while it travelled). */
export const MAX_FORWARD_HOPS = 2;

/** What the log needs of the Raft node; RaftNode has it. */
export interface RaftHandle {
  isLeader(): boolean;
  leader(): string | undefined;
  propose(data: Uint8Array): Promise<{ index: number; result: unknown }>;
  readBarrier(): Promise<void>;
  appliedIndex(): number;
  /** RaftNode.restoreSnapshot. */
  restoreSnapshot?(source: RestoreSource): Promise<{ index: number }>;
}

/** The `apply` RPC's arguments: what a follower or client sends to a server. */
export interface ApplyArgs {
  command: Command;
  /** How many servers forwarded it already. */
  hops: number;
  /** The ACL token the write is made with (absent: anonymous, as from agents before tokens travelled). */
  token?: string;
}

export interface RaftLogOptions {
  /** The Raft node once it runs (undefined while waiting to bootstrap). */
  raft: () => RaftHandle | undefined;
  /** A server's RPC address by node name (from gossip). */
  addressOf: (id: string) => string | undefined;
  rpc: Pick<RpcClient, 'call'>;
  holdTimeoutMs?: number;
  /** Pause between attempts while no leader is known. */
  retryMs?: number;
  /** Told of every command this server took (proposed here or by the `apply` RPC) and how long it took, failed
   * or not: Consul times its KVS.Apply, Txn.Apply and Catalog.Register endpoints so. */
  onApply?: (command: Command, ms: number) => void;
  /** Told of every proposal made as the leader and how long until it was committed and applied here (raft.apply,
   * raft.commitTime). */
  onCommit?: (ms: number) => void;
  /** The token this server's own writes carry when forwarded to the leader (acl.tokens.agent, else default). */
  token?: () => string;
}

export class RaftLog implements CommandLog<Command, CommandResult> {
  private currentBarrier: Promise<void> | undefined;
  private nextBarrier: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: RaftLogOptions) {}

  propose(command: Command): Promise<AppliedCommand> {
    return this.apply(command, 0, this.o.token?.() ?? '');
  }

  /** Proposes on the leader, forwards to it from a follower; `hops` counts the forwards so far (the `apply`
   * RPC handler calls this directly). Waits up to the hold timeout for a leader. A forward carries `token`: the
   * leader checks it again. */
  async apply(command: Command, hops: number, token = ''): Promise<AppliedCommand> {
    if (!this.o.onApply) return this.applyOnce(command, hops, token);
    const start = performance.now();
    try {
      return await this.applyOnce(command, hops, token);
    } finally {
      this.o.onApply(command, performance.now() - start);
    }
  }

  private async applyOnce(command: Command, hops: number, token: string): Promise<AppliedCommand> {
    const hold = this.o.holdTimeoutMs ?? RPC_HOLD_TIMEOUT_MS;
    const deadline = Date.now() + hold;
    for (;;) {
      const raft = this.o.raft();
      if (raft?.isLeader()) {
        try {
          const proposed = performance.now();
          const r = await raft.propose(encodeCommand(command));
          this.o.onCommit?.(performance.now() - proposed);
          return { index: r.index, result: r.result as CommandResult };
        } catch (err) {
          // Leadership moved between the check and the proposal: go round again (forward or wait).
          if (!(err instanceof RaftNotLeaderError)) throw new LogFailedError((err as Error).message);
        }
      } else {
        const lead = raft?.leader();
        const addr = lead ? this.o.addressOf(lead) : undefined;
        if (addr && hops < MAX_FORWARD_HOPS) {
          try {
            const args: ApplyArgs = token ? { command, hops: hops + 1, token } : { command, hops: hops + 1 };
            return (await this.o.rpc.call(addr, 'apply', args, hold + 3000)) as AppliedCommand;
          } catch (err) {
            if (!(err instanceof RpcError && err.transport)) throw err;
            // Sent, then the connection failed: the leader may have applied it. Sending it again could apply
            // it twice, or answer a CAS that succeeded with `false` (found by tools/faults, kill-leader).
            if (err.sent) throw new LogFailedError(`${err.message}; the write may or may not have been applied`);
          }
        }
      }
      if (Date.now() > deadline || this.stopped) throw new NoLeaderError();
      await sleep(this.o.retryMs ?? 50);
    }
  }

  /** ?consistent: the leader confirms leadership and this server applies up to the read index. Concurrent
   * callers share rounds: one that arrives while a round is in flight waits for the next round, which starts
   * after it arrived, so every read still sees every write acknowledged before it. */
  barrier(): Promise<void> {
    if (!this.currentBarrier) {
      this.currentBarrier = this.barrierRound().finally(() => {
        this.currentBarrier = undefined;
      });
      return this.currentBarrier;
    }
    this.nextBarrier ??= this.currentBarrier
      .catch(() => undefined)
      .then(() => {
        this.nextBarrier = undefined;
        return this.barrier();
      });
    return this.nextBarrier;
  }

  lastIndex(): number {
    return this.o.raft()?.appliedIndex() ?? 0;
  }

  /**
   * PUT /v1/snapshot on the leader (the HTTP forwarder sends it there): the snapshot becomes the leader's Raft
   * snapshot and reaches the followers by InstallSnapshot (RaftNode.restoreSnapshot). A snapshot the state
   * machine cannot read is answered as a failed command, with nothing changed.
   */
  async restore(source: RestoreSource): Promise<AppliedCommand> {
    const raft = this.o.raft();
    if (!raft?.restoreSnapshot) throw new NoLeaderError();
    if (!raft.isLeader()) throw new LogFailedError('this server is no longer the leader; the snapshot was not restored, retry');
    try {
      const r = await raft.restoreSnapshot(source);
      return { index: r.index, result: true };
    } catch (err) {
      if (err instanceof StateMachineError) return { index: raft.appliedIndex(), result: { error: err.message } };
      if (err instanceof RaftNotLeaderError) throw new LogFailedError('leadership moved during the restore; the snapshot was not restored, retry');
      throw new LogFailedError((err as Error).message);
    }
  }

  /** Pending writes stop waiting for a leader. */
  stop(): void {
    this.stopped = true;
  }

  private async barrierRound(): Promise<void> {
    const raft = this.o.raft();
    if (!raft) throw new NoLeaderError();
    try {
      await raft.readBarrier();
    } catch {
      throw new NoLeaderError();
    }
  }
}

