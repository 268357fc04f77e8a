// Vivaldi as Serf computes it: a simulated network with known round trips converges to estimates close to them
// (no clocks: each cycle feeds every node one true RTT), a bad sample is refused, and two real gossip nodes learn
// each other's coordinate from their probes.
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { CoordinateClient, CoordinateError, coordinateDistance, createGossipNode, newCoordinate, defaultCoordinateConfig, type GossipNode } from '../src/index.js';

/** A seeded PRNG (mulberry32), so the simulation is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Serf's Simulate: every cycle each node observes one random other node's true RTT. */
function simulate(truth: number[][], cycles: number, seed: number): CoordinateClient[] {
  const random = rng(seed);
  const clients = truth.map(() => new CoordinateClient(defaultCoordinateConfig(), random));
  for (let c = 0; c < cycles; c++) {
    for (let i = 0; i < clients.length; i++) {
      let j = Math.floor(random() * clients.length);
      if (j === i) j = (j + 1) % clients.length;
      clients[i]!.update(`n${j}`, clients[j]!.getCoordinate(), truth[i]![j]!);
    }
  }
  return clients;
}

/** Serf's Evaluate: the mean relative error of the estimated RTTs over every pair. */
function meanError(clients: CoordinateClient[], truth: number[][]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < clients.length; i++) {
    for (let j = i + 1; j < clients.length; j++) {
      const est = coordinateDistance(clients[i]!.getCoordinate(), clients[j]!.getCoordinate());
      sum += Math.abs(est - truth[i]![j]!) / truth[i]![j]!;
      n++;
    }
  }
  return sum / n;
}

describe('Vivaldi (Serf’s coordinate client)', () => {
  it('starts at the origin with the maximum error and Serf’s height', () => {
    const c = newCoordinate(defaultCoordinateConfig());
    expect(c).toEqual({ Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 10e-6 });
  });

  it('converges on a line of nodes 10 ms apart', () => {
    const n = 10;
    const truth = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Math.abs(i - j) * 0.01));
    const clients = simulate(truth, 1000, 1);
    expect(meanError(clients, truth)).toBeLessThan(0.1);
  });

  it('converges on two datacenters 50 ms apart with 1 ms inside each (heights model the access links)', () => {
    const n = 10;
    const truth = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : i < 5 === j < 5 ? 0.001 : 0.05)));
    const clients = simulate(truth, 1000, 2);
    const across = coordinateDistance(clients[0]!.getCoordinate(), clients[9]!.getCoordinate());
    expect(Math.abs(across - 0.05) / 0.05).toBeLessThan(0.25);
    expect(coordinateDistance(clients[0]!.getCoordinate(), clients[1]!.getCoordinate())).toBeLessThan(0.01);
  });

  it('refuses round trips out of range and coordinates of another dimensionality', () => {
    const c = new CoordinateClient();
    expect(() => c.update('x', newCoordinate(defaultCoordinateConfig()), -1)).toThrow(CoordinateError);
    expect(() => c.update('x', newCoordinate(defaultCoordinateConfig()), 11)).toThrow(CoordinateError);
    expect(() => c.update('x', { Vec: [0, 0], Error: 1, Adjustment: 0, Height: 0 }, 0.01)).toThrow(CoordinateError);
    expect(c.getCoordinate().Error).toBe(1.5);
  });
});

describe('coordinates on probes', () => {
  const nodes: GossipNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
  });

  it('two nodes learn each other’s coordinate from direct acks', async () => {
    for (const name of ['a', 'b']) nodes.push(await createGossipNode({ name, bindAddr: '127.0.0.1', port: 0, profile: 'test', coordinates: true }));
    const [a, b] = nodes as [GossipNode, GossipNode];
    await b.join([a.addr]);
    const seen = await waitFor('a has b’s coordinate', () => a.cachedCoordinate('b'));
    expect(seen.Vec).toHaveLength(8);
    await waitFor('b has a’s coordinate and its own moved', () => b.cachedCoordinate('a') && b.coordinate()!.Error < 1.5);
    // Nodes without coordinates send bare acks and know none.
    const plain = await createGossipNode({ name: 'c', bindAddr: '127.0.0.1', port: 0, profile: 'test' });
    nodes.push(plain);
    expect(plain.coordinate()).toBeUndefined();
  });
});
