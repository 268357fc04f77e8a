// The request headers an agent carries when it has another agent answer a request: tokens, content type and
// cache control (hop-by-hop and host headers stay behind), the node the request was first asked of, and the
// agent's default token for a caller that brought none, as Consul's client agents send it.
import type * as http from 'node:http';
import { AGENT_NODE_HEADER } from './near-sort.js';

/** The caller's headers an agent passes on (forwardedHeaders adds the agent node header). */
export const CARRIED_REQUEST: readonly string[] = ['content-type', 'x-consul-token', 'authorization', 'cache-control'];

export function forwardedHeaders(
  req: http.IncomingMessage,
  url: string,
  defaultToken: string | undefined,
  /** This agent's node name, sent along as the agent asked unless an agent before it already did (near-sort.ts). */
  agentNode: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of CARRIED_REQUEST) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const asked = req.headers[AGENT_NODE_HEADER];
  headers[AGENT_NODE_HEADER] = typeof asked === 'string' && asked !== '' ? asked : agentNode;
  if (defaultToken && !headers['x-consul-token'] && !headers.authorization && !/[?&]token=/.test(url)) headers['x-consul-token'] = defaultToken;
  return headers;
}
