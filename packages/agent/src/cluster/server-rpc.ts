// What a server answers on agent RPC: `apply` goes straight to the Raft log (a follower's or client's write),
// `http` runs a forwarded HTTP request against this server's own HTTP API, `acl.resolve` answers what a token
// grants (a client agent caches it for acl.token_ttl; null for no such token).
import type { LoopbackHttp, HttpCall } from './forwarding.js';
import type { ApplyArgs, RaftLog } from './raft-log.js';
import type { RpcHandler } from './rpc.js';

export function serverRpcHandler(parts: {
  log: Pick<RaftLog, 'apply'>;
  http: Pick<LoopbackHttp, 'call'>;
  aclResolve?: (secret: string) => unknown;
}): RpcHandler {
  return async (method, args) => {
    switch (method) {
      case 'apply': {
        const a = args as ApplyArgs;
        return parts.log.apply(a.command, a.hops);
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
