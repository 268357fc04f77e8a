// `conclave operator raft list-peers | remove-peer | transfer-leader` and `operator autopilot ...`
// (operator-autopilot.ts): the Raft configuration and autopilot through /v1/operator/*.
import { CLIENT_FLAGS, SERVER_FLAGS, dispatch, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { columnize } from '../format.js';
import { autopilot, transferLeader } from './operator-autopilot.js';

interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  ProtocolVersion: string;
  Voter: boolean;
}

function listPeers(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave operator raft list-peers [options]\n\n  Displays the current Raft peer configuration.',
    flags: { ...CLIENT_FLAGS, ...SERVER_FLAGS },
    async run(ctx) {
      let conf: { Servers: RaftServer[] };
      try {
        const params = ctx.flags.stale ? { stale: '' } : undefined;
        conf = (await ctx.client().query<{ Servers: RaftServer[] }>('operator/raft/configuration', params)).body!;
      } catch (err) {
        ctx.err(`Failed to retrieve raft configuration: ${(err as Error).message}`);
        return 1;
      }
      const rows = [['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol']];
      for (const s of conf.Servers) {
        rows.push([s.Node, s.ID, s.Address, s.Leader ? 'leader' : 'follower', String(s.Voter), s.ProtocolVersion]);
      }
      ctx.out(columnize(rows));
      return 0;
    },
  });
}

function removePeer(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave operator raft remove-peer [options]\n\n  Remove the Consul server with given -id or -address from the Raft configuration.',
    flags: {
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
      id: { kind: 'string', usage: 'The ID of the server to remove.' },
      address: { kind: 'string', usage: 'The address of the server to remove, as IP:port.' },
    },
    async run(ctx) {
      const id = (ctx.flags.id as string | undefined) ?? '';
      const address = (ctx.flags.address as string | undefined) ?? '';
      if ((id === '') === (address === '')) {
        ctx.err('Error removing peer: Must specify either -id or -address');
        return 1;
      }
      try {
        await ctx.client().write('DELETE', 'operator/raft/peer', id ? { id } : { address });
      } catch (err) {
        ctx.err(`Error removing peer: ${(err as Error).message}`);
        return 1;
      }
      ctx.out(`Removed peer with ${id ? `id "${id}"` : `address "${address}"`}`);
      return 0;
    },
  });
}

const raft = dispatch('operator raft', 'The Raft operator command is used to interact with Consul\'s Raft subsystem.', {
  'list-peers': listPeers,
  'remove-peer': removePeer,
  'transfer-leader': transferLeader,
});

export const operator = dispatch('operator', 'Provides cluster-level tools for Consul operators.', { raft, autopilot });
