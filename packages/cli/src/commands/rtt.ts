// `conclave rtt [-wan] node1 [node2]`: the round trip between two nodes estimated from their network coordinates
// (Consul's command/rtt): LAN coordinates from /v1/coordinate/nodes, or with -wan the servers' WAN coordinates
// from /v1/coordinate/datacenters (names `node.dc`). Without node2 the agent's own node is the other end.
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

interface Coord {
  Vec: number[];
  Error: number;
  Adjustment: number;
  Height: number;
}

const usage = `Usage: conclave rtt [options] node1 [node2]

  Estimates the round trip time between two nodes using their network coordinates. If the second node is not
  given, the agent's own node is used. With -wan, both nodes are servers named node.datacenter.`;

/** Serf's DistanceTo in seconds. */
function distance(a: Coord, b: Coord): number {
  let sum = 0;
  for (let i = 0; i < a.Vec.length; i++) sum += (a.Vec[i]! - (b.Vec[i] ?? 0)) ** 2;
  const raw = Math.sqrt(sum) + a.Height + b.Height;
  const adjusted = raw + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : raw;
}

export function rtt(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: { wan: { kind: 'bool', usage: 'Use WAN coordinates instead of LAN coordinates.' }, ...CLIENT_FLAGS },
    async run(ctx) {
      if (ctx.args.length < 1 || ctx.args.length > 2) {
        ctx.err('One or two node names must be specified');
        ctx.err('');
        ctx.err(usage);
        return 1;
      }
      const wan = ctx.flags.wan === true;
      const client = ctx.client();
      try {
        let [node1, node2] = ctx.args as [string, string | undefined];
        if (node2 === undefined) {
          const self = await client.agent.self();
          node2 = wan ? `${self.Config.NodeName}.${self.Config.Datacenter}` : self.Config.NodeName;
        }
        const coords = new Map<string, Coord>();
        if (wan) {
          const dcs = ((await client.query<Array<{ Coordinates: Array<{ Node: string; Coord: Coord }> }>>('coordinate/datacenters')).body ?? []) as Array<{
            Coordinates: Array<{ Node: string; Coord: Coord }>;
          }>;
          for (const dc of dcs) for (const c of dc.Coordinates ?? []) coords.set(c.Node, c.Coord);
        } else {
          const nodes = ((await client.query<Array<{ Node: string; Coord: Coord }>>('coordinate/nodes')).body ?? []) as Array<{ Node: string; Coord: Coord }>;
          for (const c of nodes) coords.set(c.Node, c.Coord);
        }
        const c1 = coords.get(node1);
        if (!c1) {
          ctx.err(`Could not find a coordinate for node "${node1}"`);
          return 1;
        }
        const c2 = coords.get(node2);
        if (!c2) {
          ctx.err(`Could not find a coordinate for node "${node2}"`);
          return 1;
        }
        ctx.out(`Estimated ${node1} <-> ${node2} rtt: ${(distance(c1, c2) * 1000).toFixed(3)} ms (using ${wan ? 'WAN' : 'LAN'} coordinates)`);
        return 0;
      } catch (err) {
        ctx.err(`Error getting coordinates: ${(err as Error).message}`);
        return 1;
      }
    },
  });
}
