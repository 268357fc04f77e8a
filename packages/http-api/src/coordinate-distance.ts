// The estimated round trip between two network coordinates (near-sort.ts sorts ?near answers by it).
import type { NodeCoordinate } from '@conclave/state';

/** Serf's DistanceTo, in seconds: Euclidean plus heights, plus the adjustments unless that is not positive. */
export function coordinateDistance(a: NodeCoordinate, b: NodeCoordinate): number {
  let sum = 0;
  for (let i = 0; i < a.Vec.length; i++) sum += (a.Vec[i]! - (b.Vec[i] ?? 0)) ** 2;
  const raw = Math.sqrt(sum) + a.Height + b.Height;
  const adjusted = raw + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : raw;
}
