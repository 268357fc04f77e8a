// Consul's coordinates table: each node's latest Vivaldi coordinate (LAN), as agents send them to the servers
// (Coordinate.Update; /v1/coordinate/update). Entries that are not a valid coordinate are skipped, the same way
// on every replica, so one agent's bad data cannot refuse the whole batch.
import { isPlainObject, type WatchHub, type WatchSet } from '@conclave/toolkit';
import type { QueryResult } from '@conclave/catalog';

export const TOPIC_COORDINATES = 'coordinates';

/** Serf's coordinate (seconds). */
export interface NodeCoordinate {
  Vec: number[];
  Error: number;
  Adjustment: number;
  Height: number;
}

/** Consul's structs.Coordinate: `{Node, Segment, Coord}`. */
export interface CoordinateEntry {
  Node: string;
  Segment: string;
  Coord: NodeCoordinate;
}

export interface CoordinateBatchUpdateCommand {
  type: 'coordinate.batch-update';
  Updates: CoordinateEntry[];
}

export interface CoordinateSnapshot {
  tableIndex: number;
  entries: CoordinateEntry[];
}

/** Serf's dimensionality: anything else cannot be compared with the others. */
const DIMENSIONS = 8;

export function isNodeCoordinate(c: unknown): c is NodeCoordinate {
  if (!isPlainObject(c)) return false;
  const { Vec, Error: e, Adjustment, Height } = c as Record<string, unknown>;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  return Array.isArray(Vec) && Vec.length === DIMENSIONS && Vec.every(finite) && finite(e) && finite(Adjustment) && finite(Height);
}

export class CoordinateState {
  private readonly byNode = new Map<string, CoordinateEntry>();
  private tableIndex = 0;

  constructor(private readonly hub: WatchHub) {}

  apply(command: CoordinateBatchUpdateCommand, index: number): true {
    let changed = false;
    for (const u of command.Updates) {
      if (!isPlainObject(u) || typeof u.Node !== 'string' || u.Node === '' || !isNodeCoordinate(u.Coord)) continue;
      const c = u.Coord;
      this.byNode.set(u.Node, { Node: u.Node, Segment: typeof u.Segment === 'string' ? u.Segment : '', Coord: { Vec: [...c.Vec], Error: c.Error, Adjustment: c.Adjustment, Height: c.Height } });
      changed = true;
    }
    if (changed) {
      this.tableIndex = index;
      this.hub.notifyTopic(TOPIC_COORDINATES);
    }
    return true;
  }

  /** Every node's coordinate, by node name. */
  list(ws?: WatchSet): QueryResult<CoordinateEntry[]> {
    ws?.addTopic(TOPIC_COORDINATES);
    return { index: this.tableIndex, value: [...this.byNode.values()].sort((a, b) => (a.Node < b.Node ? -1 : a.Node > b.Node ? 1 : 0)) };
  }

  get(node: string, ws?: WatchSet): QueryResult<CoordinateEntry | undefined> {
    ws?.addTopic(TOPIC_COORDINATES);
    return { index: this.tableIndex, value: this.byNode.get(node) };
  }

  maxIndex(): number {
    return this.tableIndex;
  }

  snapshot(): CoordinateSnapshot {
    return { tableIndex: this.tableIndex, entries: [...this.byNode.values()] };
  }

  restore(snap: CoordinateSnapshot | undefined): void {
    this.byNode.clear();
    this.tableIndex = snap?.tableIndex ?? 0;
    for (const e of snap?.entries ?? []) this.byNode.set(e.Node, e);
  }
}
