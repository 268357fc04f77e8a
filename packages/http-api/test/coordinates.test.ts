// /v1/coordinate/* and ?near over a real HTTP API and state machine: coordinates written through the log,
// read per node and for all nodes (nodes the catalog no longer has left out), results sorted by estimated RTT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
const coord = (x: number) => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0, Height: 1e-5 });

async function get(path: string) {
  const res = await fetch(h.base + path);
  const text = await res.text();
  return { status: res.status, text, json: <T = any>() => JSON.parse(text) as T };
}

beforeAll(async () => {
  h = await startHarness();
  // node1 (the harness's own, at the origin), then nodes 30 ms, 10 ms and 20 ms away, each with a web instance.
  for (const [node, x] of [['far', 0.03], ['near', 0.01], ['mid', 0.02]] as const) {
    await h.write({ type: 'catalog.register', Node: node, Address: '10.0.0.1', Service: { ID: 'web', Service: 'web', Port: 80 } } as never);
    const put = await fetch(`${h.base}/v1/coordinate/update`, { method: 'PUT', body: JSON.stringify({ Node: node, Coord: coord(x) }) });
    expect(put.status).toBe(200);
  }
  await fetch(`${h.base}/v1/coordinate/update`, { method: 'PUT', body: JSON.stringify({ Node: 'node1', Coord: coord(0) }) });
  await fetch(`${h.base}/v1/coordinate/update`, { method: 'PUT', body: JSON.stringify({ Node: 'ghost', Coord: coord(0) }) });
});

afterAll(() => h.close());

describe('/v1/coordinate', () => {
  it('lists the nodes’ coordinates, answers one node, and the local datacenter without a WAN pool', async () => {
    const nodes = (await get('/v1/coordinate/nodes')).json<Array<{ Node: string; Segment: string; Coord: { Vec: number[] } }>>();
    expect(nodes.map((n) => n.Node)).toEqual(['far', 'mid', 'near', 'node1']);
    expect(nodes[0]).toEqual({ Node: 'far', Segment: '', Coord: coord(0.03) });
    expect((await get('/v1/coordinate/node/mid')).json()).toEqual([{ Node: 'mid', Segment: '', Coord: coord(0.02) }]);
    expect((await get('/v1/coordinate/node/ghost')).status).toBe(404);
    expect((await get('/v1/coordinate/datacenters')).json()).toEqual([{ Datacenter: 'dc1', AreaID: 'wan', Coordinates: [] }]);
  });

  it('refuses a coordinate that is not one', async () => {
    for (const body of [{ Node: 'x', Coord: { Vec: [1, 2] } }, { Coord: coord(0) }, [1]]) {
      const res = await fetch(`${h.base}/v1/coordinate/update`, { method: 'PUT', body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.text()).toMatch(/^Request decode failed: /);
    }
    expect((await fetch(`${h.base}/v1/coordinate/update`)).status).toBe(405);
  });

  it('sorts catalog and health answers by RTT from ?near (a node, or _agent), unknown nodes last', async () => {
    const names = async (path: string, pick: (x: any) => string) => (await get(path)).json<any[]>().map(pick);
    expect(await names('/v1/catalog/nodes?near=node1', (n) => n.Node)).toEqual(['node1', 'near', 'mid', 'far']);
    expect(await names('/v1/catalog/nodes?near=far', (n) => n.Node)).toEqual(['far', 'mid', 'near', 'node1']);
    expect(await names('/v1/catalog/service/web?near=_agent', (s) => s.Node)).toEqual(['near', 'mid', 'far']);
    expect(await names('/v1/health/service/web?near=mid', (e) => e.Node.Node)).toEqual(['mid', expect.stringMatching(/near|far/), expect.stringMatching(/near|far/)]);
    // A source without a coordinate leaves the order alone.
    expect(await names('/v1/catalog/nodes?near=nobody', (n) => n.Node)).toEqual(await names('/v1/catalog/nodes', (n) => n.Node));
  });
});
