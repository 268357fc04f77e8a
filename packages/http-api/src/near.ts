// ?near=<node> (or _agent, this agent's node): results sorted by the estimated round trip from that node, using
// the coordinates agents send to the servers (Consul's sortNodesByDistanceFrom). Nodes without a coordinate go
// last; a source without one leaves the order as it was, as in Consul.
import type { ApiCall } from './api-call.js';
import type { NodeCoordinate } from '@conclave/state';

/** Serf's DistanceTo, in seconds: Euclidean plus heights, plus the adjustments unless that is not positive. */
export function coordinateDistance(a: NodeCoordinate, b: NodeCoordinate): number {
  let sum = 0;
  for (let i = 0; i < a.Vec.length; i++) sum += (a.Vec[i]! - (b.Vec[i] ?? 0)) ** 2;
  const raw = Math.sqrt(sum) + a.Height + b.Height;
  const adjusted = raw + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : raw;
}

/** The node ?near names (`_agent` is this agent's node), or undefined without ?near. */
export function nearNode(call: ApiCall): string | undefined {
  if (call.query.empty) return undefined;
  const near = call.query.get('near');
  if (!near) return undefined;
  return near === '_agent' ? call.backend.nodeName : near;
}

/** A copy of `list` sorted by distance from ?near's node; `nodeOf` names each item's node. */
export function sortNear<T>(call: ApiCall, list: T[], nodeOf: (item: T) => string, source: string | undefined = nearNode(call)): T[] {
  if (source === undefined) return list;
  const coords = call.backend.state.coordinates;
  const from = coords.get(source).value?.Coord;
  if (!from) return list;
  const dist = new Map<string, number>();
  const d = (node: string) => {
    let v = dist.get(node);
    if (v === undefined) {
      const c = coords.get(node).value?.Coord;
      v = c ? coordinateDistance(from, c) : Infinity;
      dist.set(node, v);
    }
    return v;
  };
  return [...list].sort((a, b) => d(nodeOf(a)) - d(nodeOf(b)));
}
