// Where a server member answers RPC and Raft: its gossip address and the server port from its tags.
import type { ConsulMember } from '../membership.js';

/** `host:port` of a member's server port, or undefined when its tags carry none (a client agent). */
export function serverAddress(m: ConsulMember): string | undefined {
  const port = m.Tags.port;
  return port ? `${m.Addr}:${port}` : undefined;
}
