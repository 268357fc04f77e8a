// A client agent's log: it keeps no state, so a command goes to a server as an `apply` RPC (the server's
// RaftLog proposes it on the leader or forwards it there). A server that cannot be reached is skipped for the
// next; an error the server answered (e.g. `No cluster leader`, an ACL refusal) comes back as the same typed error.
import { NoServersError, type AppliedCommand, type Command, type CommandLog, type CommandResult } from '@conclave/state';
import type { ApplyArgs } from './raft-log.js';
import { RPC_HOLD_TIMEOUT_MS, RpcError, type RpcClient } from './rpc.js';

/** The server holds a write up to the hold timeout, and a follower's forward to the leader may hold as long
 * again; a second of room for the round trips (15 s). */
const APPLY_TIMEOUT_MS = 2 * RPC_HOLD_TIMEOUT_MS + 1000;

export class RemoteLog implements CommandLog<Command, CommandResult> {
  private index = 0;

  constructor(
    /** Server RPC addresses to try, in order. */
    private readonly servers: () => string[],
    private readonly rpc: Pick<RpcClient, 'call'>,
    /** The ACL token the writes carry (acl.tokens.agent, else acl.tokens.default; '' for none). */
    private readonly token: () => string = () => '',
  ) {}

  async propose(command: Command): Promise<AppliedCommand> {
    let last: unknown = new NoServersError();
    for (const target of this.servers()) {
      try {
        const token = this.token();
        const args: ApplyArgs = token ? { command, hops: 0, token } : { command, hops: 0 };
        const applied = (await this.rpc.call(target, 'apply', args, APPLY_TIMEOUT_MS)) as AppliedCommand;
        this.index = Math.max(this.index, applied.index);
        return applied;
      } catch (err) {
        last = err;
        // Only a server the command never reached is skipped for the next: one that may have applied it is not
        // asked again (a second apply could double it, or turn a CAS that succeeded into `false`).
        if (!(err instanceof RpcError && err.transport) || err.sent) break;
      }
    }
    throw last;
  }

  /** A client answers no reads from its own (empty) state: they are forwarded to a server. */
  async barrier(): Promise<void> {}

  /** The highest index a server reported for this agent's writes. */
  lastIndex(): number {
    return this.index;
  }
}
