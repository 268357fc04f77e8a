// ?near=<node>|_agent on the catalog and health lists: Consul sorts the answer by estimated round-trip time from
// that node (network coordinates). Until this datacenter has coordinates (ApiBackend.near absent, or no
// coordinate for the node), the answer keeps its order with the near node's entries moved first: the agent's
// own node is the closest one that is known for sure.

import type { ApiCall } from './api-call.js';

/** The coordinate seam: what an agent with network coordinates answers. */
export interface NearSorter {
  /** Estimated RTT in seconds from `from` to each of `nodes` that has a coordinate; undefined when `from` has none. */
  distances(from: string, nodes: readonly string[]): Map<string, number> | undefined;
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
  const dist = call.backend.near?.distances(near, [...new Set(items.map(nodeOf))]);
  const key = (item: T): number => {
    const node = nodeOf(item);
    if (node === near) return -1;
    if (!dist) return 0;
    // Nodes without a coordinate go last, as Consul's sort puts them.
    return dist.get(node) ?? Number.POSITIVE_INFINITY;
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
