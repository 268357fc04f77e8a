// ?near=<node>|_agent on the catalog and health lists and prepared queries: Consul sorts the answer by estimated
// round-trip time from that node, using the coordinates agents send to the servers (sortNodesByDistanceFrom).
// Nodes without a coordinate go last; when the near node has none the answer keeps its order, except that the
// near node's own entries come first: it is the closest one known for sure.

import type { ApiCall } from './api-call.js';
import { coordinateDistance } from './coordinate-distance.js';

/**
 * The agent a forwarded request was first asked on, as its node name: Consul passes it along as the RPC's `Agent`
 * (a prepared query's `Near: "_agent"` means that agent, so a client agent's own node, not its server's). Set by the
 * agent that forwards (http-api's forward, the client's DNS), read by the server that answers.
 */
export const AGENT_NODE_HEADER = 'x-conclave-agent-node';

/** The node `_agent` means for this request: the agent it was first asked on. */
export function askingAgent(call: ApiCall): string {
  const h = call.req.headers[AGENT_NODE_HEADER];
  return typeof h === 'string' && h !== '' ? h : call.backend.nodeName;
}

/** The ?near= node, `_agent` resolved to this agent's node name; undefined when not asked. */
export function nearNode(call: ApiCall): string | undefined {
  if (call.query.empty) return undefined;
  const near = call.query.get('near');
  if (!near) return undefined;
  return near === '_agent' ? call.backend.nodeName : near;
}

/** Sorts `items` (each on the node `nodeOf` names) by distance from `near`; stable, so ties keep their order. */
export function sortNear<T>(call: ApiCall, near: string | undefined, items: T[], nodeOf: (item: T) => string): T[] {
  if (near === undefined || items.length < 2) return items;
  const coords = call.backend.state.coordinates;
  const from = coords.get(near).value?.Coord;
  const dist = new Map<string, number>();
  const key = (item: T): number => {
    const node = nodeOf(item);
    if (node === near) return -1;
    if (!from) return 0;
    let d = dist.get(node);
    if (d === undefined) {
      const c = coords.get(node).value?.Coord;
      // Nodes without a coordinate go last, as Consul's sort puts them.
      d = c ? coordinateDistance(from, c) : Number.POSITIVE_INFINITY;
      dist.set(node, d);
    }
    return d;
  };
  return items
    .map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => (a.k === b.k ? a.i - b.i : a.k < b.k ? -1 : 1))
    .map((e) => e.item);
}

/** A request answered elsewhere carries `near=_agent` resolved to this agent's node: Consul resolves it on the agent
 * the client asked (parseSource), so a client agent's own node comes first, not its server's. */
export function resolveNearAgent(url: string, nodeName: string): string {
  const qi = url.indexOf('?');
  if (qi < 0 || !url.includes('near=_agent')) return url;
  const query = url
    .slice(qi + 1)
    .split('&')
    .map((p) => (p === 'near=_agent' ? `near=${encodeURIComponent(nodeName)}` : p))
    .join('&');
  return `${url.slice(0, qi)}?${query}`;
}
