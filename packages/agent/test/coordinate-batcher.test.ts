// A server's batching of coordinate updates (Consul's Coordinate endpoint): the latest update per node and segment,
// applied in batches of update_batch_size, at most update_max_batches a period, the rest discarded with Consul's
// warning; a bad coordinate refused whole; memory bounded by batch size × batches whatever the peers send; and the
// `apply` RPC hands coordinate updates to the batcher instead of the log.
import { describe, expect, it } from 'vitest';
import type { Command } from '@conclave/state';
import { createLogger } from '@conclave/toolkit';
import { BadCoordinateError, CoordinateBatcher } from '../src/cluster/coordinate-batcher.js';
import { serverRpcHandler } from '../src/cluster/server-rpc.js';

const coord = (x: number) => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.5, Adjustment: 0, Height: 1e-5 });

function batcher(batchSize: number, maxBatches: number) {
  const proposed: Command[] = [];
  const logs: string[] = [];
  const b = new CoordinateBatcher({
    periodMs: 60_000,
    batchSize,
    maxBatches,
    propose: async (cmd) => void proposed.push(cmd),
    logger: createLogger('warn', 'agent.server.coordinate', (l) => logs.push(l)),
  });
  const updates = () => proposed.map((c) => (c as Extract<Command, { type: 'coordinate.batch-update' }>).Updates.map((u) => `${u.Node}:${u.Coord.Vec[0]}`));
  return { b, proposed, logs, updates };
}

describe('CoordinateBatcher', () => {
  it('keeps the latest update per node and applies them in batches', async () => {
    const { b, updates } = batcher(2, 5);
    b.add([{ Node: 'a', Segment: '', Coord: coord(1) }]);
    b.add([{ Node: 'b', Coord: coord(1) }, { Node: 'a', Segment: '', Coord: coord(2) }]);
    b.add([{ Node: 'c', Segment: '', Coord: coord(1) }]);
    expect(b.size).toBe(3);
    await b.flush();
    expect(updates()).toEqual([['a:2', 'b:1'], ['c:1']]);
    expect(b.size).toBe(0);
    await b.flush(); // nothing pending: nothing proposed
    expect(updates()).toHaveLength(2);
  });

  it('applies at most max_batches batches a period and discards the rest with Consul’s warning', async () => {
    const { b, updates, logs } = batcher(2, 2);
    for (let i = 0; i < 50; i++) b.add([{ Node: `n${i}`, Segment: '', Coord: coord(i) }]);
    // Memory stays bounded: the queue never holds more than one period's worth.
    expect(b.size).toBe(4);
    await b.flush();
    expect(updates()).toEqual([['n0:0', 'n1:1'], ['n2:2', 'n3:3']]);
    expect(logs.join('\n')).toMatch(/\[WARN\] +agent\.server\.coordinate: Discarded coordinate updates: number_discarded=46/);
    // A node already queued is still updated when the queue is full.
    for (let i = 0; i < 4; i++) b.add([{ Node: `n${i}`, Segment: '', Coord: coord(i) }]);
    b.add([{ Node: 'n0', Segment: '', Coord: coord(9) }]);
    await b.flush();
    expect(updates()[2]).toEqual(['n0:9', 'n1:1']);
  });

  it('refuses a bad coordinate with nothing of the call queued', () => {
    const { b } = batcher(2, 2);
    expect(() => b.add([{ Node: 'ok', Coord: coord(1) }, { Node: 'bad', Coord: { Vec: [1, 2] } }])).toThrow(BadCoordinateError);
    expect(() => b.add([{ Coord: coord(1) }])).toThrow('rejected bad coordinate: Node is required');
    expect(() => b.add('nonsense')).toThrow('rejected bad coordinate');
    expect(b.size).toBe(0);
  });

  it('stops a period’s batches at the first failure, logged', async () => {
    const logs: string[] = [];
    let calls = 0;
    const b = new CoordinateBatcher({
      periodMs: 60_000,
      batchSize: 1,
      maxBatches: 5,
      propose: async () => {
        calls++;
        throw new Error('No cluster leader');
      },
      logger: createLogger('warn', 'agent', (l) => logs.push(l)),
    });
    b.add([{ Node: 'a', Coord: coord(1) }, { Node: 'b', Coord: coord(1) }]);
    await b.flush();
    expect(calls).toBe(1);
    expect(logs.join('\n')).toMatch(/Batch update failed: error="No cluster leader"/);
  });
});

describe('apply RPC with coordinate updates', () => {
  it('queues them in the batcher and answers at once; other commands go to the log', async () => {
    const applied: Command[] = [];
    const { b, updates } = batcher(10, 1);
    const handler = serverRpcHandler({
      log: { apply: async (cmd) => (applied.push(cmd), { index: 7, result: true }), lastIndex: () => 6 },
      http: { call: async () => ({ status: 200, headers: {}, body: new Uint8Array(0) }) },
      coordinates: b,
    });
    expect(await handler('apply', { command: { type: 'coordinate.batch-update', Updates: [{ Node: 'web', Segment: '', Coord: coord(3) }] }, hops: 0 })).toEqual({ index: 6, result: true });
    expect(applied).toEqual([]);
    await b.flush();
    expect(updates()).toEqual([['web:3']]);
    await expect(handler('apply', { command: { type: 'coordinate.batch-update', Updates: [{ Node: 'web', Coord: 'x' }] }, hops: 0 })).rejects.toThrow('rejected bad coordinate');
    await handler('apply', { command: { type: 'kv.set', Key: 'k', Value: new Uint8Array(0), Flags: '0' }, hops: 0 });
    expect(applied.map((c) => c.type)).toEqual(['kv.set']);
  });
});

describe('consul { coordinate { ... } } configuration', () => {
  it('reads the batching settings as Consul names them, with Consul’s defaults', async () => {
    const { buildAgentConfig } = await import('../src/config/agent-flags.js');
    const dflt = buildAgentConfig(['-dev']).config;
    expect([dflt.coordinateUpdatePeriodNs, dflt.coordinateUpdateBatchSize, dflt.coordinateUpdateMaxBatches]).toEqual([5e9, 128, 5]);
    const cfg = buildAgentConfig(['-dev', '-hcl', 'consul { coordinate { update_period = "100ms" update_batch_size = 10 update_max_batches = 1 } }']).config;
    expect([cfg.coordinateUpdatePeriodNs, cfg.coordinateUpdateBatchSize, cfg.coordinateUpdateMaxBatches]).toEqual([1e8, 10, 1]);
  });
});
