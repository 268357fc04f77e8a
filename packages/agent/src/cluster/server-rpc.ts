// What a server answers on agent RPC: `apply` goes straight to the Raft log (a follower's or client's write),
// `http` runs a forwarded HTTP request against this server's own HTTP API, `acl.resolve` answers what a token
// grants (a client agent caches it for acl.token_ttl; null for no such token). With ACLs on, `apply` is checked
// against the token it carries (none: anonymous) before it is proposed, on every server it reaches.
import type { LoopbackHttp, HttpCall } from './forwarding.js';
import type { Command } from '@conclave/state';
import type { ApplyArgs, RaftLog } from './raft-log.js';
import type { CoordinateBatcher } from './coordinate-batcher.js';
import type { RpcHandler } from './rpc.js';

export function serverRpcHandler(parts: {
  log: Pick<RaftLog, 'apply'> & Partial<Pick<RaftLog, 'lastIndex'>>;
  http: Pick<LoopbackHttp, 'call'>;
  aclResolve?: (secret: string) => unknown;
  /** Throws Consul's 403 unless the token may apply the command; undefined with ACLs off. */
  authorizeApply?: (token: string, command: Command) => void | Promise<void>;
  /** Agents' coordinate updates are queued here and applied in batches (Consul's Coordinate.Update). */
  coordinates?: Pick<CoordinateBatcher, 'add'>;
  /** `keyring` from another datacenter's server: the operation on this datacenter's LAN pool, checked against the
   * caller's token (Consul's Internal.KeyringOperation with Forwarded set). */
  keyring?: (op: 'list' | 'install' | 'use' | 'remove', key: string | undefined, token: string) => Promise<unknown>;
}): RpcHandler {
  return async (method, args) => {
    switch (method) {
      case 'apply': {
        const a = args as ApplyArgs;
        const token = typeof a.token === 'string' ? a.token : '';
        if (parts.authorizeApply) await parts.authorizeApply(token, a.command);
        if (parts.coordinates && a.command?.type === 'coordinate.batch-update') {
          parts.coordinates.add(a.command.Updates);
          return { index: parts.log.lastIndex?.() ?? 0, result: true };
        }
        return parts.log.apply(a.command, a.hops, token);
      }
      case 'http':
        return parts.http.call(args as HttpCall);
      case 'keyring': {
        const a = (args ?? {}) as { op?: unknown; key?: unknown; token?: unknown };
        if (!parts.keyring) throw new Error('rpc: keyring: gossip is not running on this server');
        if (a.op !== 'list' && a.op !== 'install' && a.op !== 'use' && a.op !== 'remove') throw new Error(`rpc: keyring: unknown operation ${String(a.op)}`);
        return parts.keyring(a.op, typeof a.key === 'string' ? a.key : undefined, typeof a.token === 'string' ? a.token : '');
      }
      case 'acl.resolve': {
        const secret = (args as { secret?: unknown } | undefined)?.secret;
        if (!parts.aclResolve || typeof secret !== 'string') throw new Error('rpc: acl.resolve: ACLs are not enabled on this server');
        return (await parts.aclResolve(secret)) ?? null;
      }
      default:
        throw new Error(`rpc: unknown method ${method}`);
    }
  };
}
