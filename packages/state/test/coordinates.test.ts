// The coordinates table: valid entries stored per node (the latest wins), invalid ones skipped the same way on
// every replica, snapshots.
import { describe, expect, it } from 'vitest';
import { StateMachine } from '../src/index.js';

const coord = (x: number) => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.5, Adjustment: 0, Height: 1e-5 });

describe('coordinates table', () => {
  it('keeps the latest valid coordinate per node and skips malformed entries', () => {
    const sm = new StateMachine();
    const r = sm.apply(
      {
        type: 'coordinate.batch-update',
        Updates: [
          { Node: 'a', Segment: '', Coord: coord(0.001) },
          { Node: 'b', Segment: '', Coord: { Vec: [1], Error: 0, Adjustment: 0, Height: 0 } },
          { Node: 'c', Segment: '', Coord: { ...coord(0), Error: Number.NaN } },
          { Node: '', Segment: '', Coord: coord(0) },
          7 as never,
        ],
      },
      1,
    );
    expect(r).toBe(true);
    expect(sm.coordinates.list().value.map((e) => e.Node)).toEqual(['a']);
    sm.apply({ type: 'coordinate.batch-update', Updates: [{ Node: 'a', Segment: '', Coord: coord(0.002) }] }, 2);
    expect(sm.coordinates.get('a').value!.Coord.Vec[0]).toBe(0.002);
    expect(sm.coordinates.get('a').index).toBe(2);
    expect(sm.apply({ type: 'coordinate.batch-update', Updates: 'x' } as never, 3)).toEqual({ error: 'malformed coordinate.batch-update command: Updates must be array' });
    const copy = new StateMachine();
    copy.restore(sm.snapshot());
    expect(copy.coordinates.get('a').value).toEqual(sm.coordinates.get('a').value);
  });
});
