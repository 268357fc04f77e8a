// A client agent's view of the servers: which to send RPCs to (alive servers of its datacenter, shuffled per
// call), and catalog reads for anti-entropy answered by a server through the forwarder.
import type { CheckView, NodeServicesView } from '@conclave/catalog';
import type { CatalogReader } from '../catalog-sync.js';
import { MemberStatusCode, type ConsulMember } from '../membership.js';
import { forwardedJson, type RpcForwarder } from './forwarding.js';
import { serverAddress } from './server-address.js';

/** Alive servers of this datacenter as server RPC addresses, in random order (spreads clients over servers;
 * a dead server costs one retry at most). */
export function serverTargets(members: readonly ConsulMember[], datacenter: string, random: () => number = Math.random): string[] {
  const servers = members
    .filter((m) => m.Status === MemberStatusCode.alive && m.Tags.role === 'consul' && m.Tags.dc === datacenter)
    .map((m) => serverAddress(m))
    .filter((a): a is string => a !== undefined);
  for (let i = servers.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [servers[i], servers[j]] = [servers[j]!, servers[i]!];
  }
  return servers;
}

/** Anti-entropy's reads of this node's catalog entries, answered by a server; with `token` (the agent's
 * acl.tokens.agent, else default), as its writes are made. */
export function remoteCatalogReader(forwarder: () => RpcForwarder, token: () => string = () => ''): CatalogReader {
  const get = <T>(url: string) => forwardedJson<T>(forwarder(), url, token());
  return {
    nodeServices: (node) => get<NodeServicesView | null>(`/v1/catalog/node/${encodeURIComponent(node)}`),
    nodeChecks: async (node) => (await get<CheckView[] | null>(`/v1/health/node/${encodeURIComponent(node)}`)) ?? [],
  };
}
