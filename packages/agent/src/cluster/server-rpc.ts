// What a server answers on agent RPC: `apply` goes straight to the Raft log (a follower's or client's write),
// `http` runs a forwarded HTTP request against this server's own HTTP API, `acl.resolve` answers what a token
// grants (a client agent caches it for acl.token_ttl; null for no such token). With ACLs on, `apply` is checked
// against the token it carries (none: anonymous) before it is proposed, on every server it reaches.
import type { LoopbackHttp, HttpCall } from './forwarding.js';
import type { Command } from '@conclave/state';
import type { ApplyArgs, RaftLog } from './raft-log.js';
import type { RpcHandler } from './rpc.js';

export function serverRpcHandler(parts: {
  log: Pick<RaftLog, 'apply'>;
  http: Pick<LoopbackHttp, 'call'>;
  aclResolve?: (secret: string) => unknown;
  /** Throws Consul's 403 unless the token may apply the command; undefined with ACLs off. */
  authorizeApply?: (token: string, command: Command) => void | Promise<void>;
}): RpcHandler {
  return async (method, args) => {
    switch (method) {
      case 'apply': {
        const a = args as ApplyArgs;
        const token = typeof a.token === 'string' ? a.token : '';
        if (parts.authorizeApply) await parts.authorizeApply(token, a.command);
        return parts.log.apply(a.command, a.hops, token);
      }
      case 'http':
        return parts.http.call(args as HttpCall);
      case 'acl.resolve': {
        const secret = (args as { secret?: unknown } | undefined)?.secret;
        if (!parts.aclResolve || typeof secret !== 'string') throw new Error('rpc: acl.resolve: ACLs are not enabled on this server');
        return parts.aclResolve(secret) ?? null;
      }
      default:
        throw new Error(`rpc: unknown method ${method}`);
    }
  };
}
