// `conclave keyring -list | -install KEY | -use KEY | -remove KEY`: the gossip keyring of every member, through
// /v1/operator/keyring, with Consul's messages.
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

interface KeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Segment?: string;
  Keys: Record<string, number>;
  PrimaryKeys?: Record<string, number>;
  NumNodes: number;
}

export function keyring(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `Usage: conclave keyring [options]

  Manages encryption keys used for gossip messages. Gossip encryption is optional. When enabled, this command
  may be used to examine active encryption keys in the cluster, add new keys, and remove old ones. When combined,
  this functionality provides the ability to perform key rotation cluster-wide, without disrupting the cluster.

  All operations performed by this command can only be run against server nodes, and affect both the LAN and
  WAN keyrings in lock-step.

  All variations of the keyring command return 0 if all nodes reply and there are no errors. If any node fails
  to reply or reports failure, the exit code will be 1.`,
    flags: {
      ...CLIENT_FLAGS,
      install: { kind: 'string', usage: 'Install a new encryption key. This will broadcast the new key to all members in the cluster.' },
      use: { kind: 'string', usage: 'Change the primary encryption key, which is used to encrypt messages. The key must already be installed before this operation can succeed.' },
      remove: { kind: 'string', usage: 'Remove the given key from the cluster. This operation may only be performed on keys which are not currently the primary key.' },
      list: { kind: 'bool', usage: 'List all keys currently in use within the cluster.' },
      'list-primary': { kind: 'bool', usage: 'List all primary keys currently in use within the cluster.' },
      'relay-factor': { kind: 'int', usage: 'Accepted for compatibility: answers come straight back to the asking server.' },
      'local-only': { kind: 'bool', usage: 'Setting this to true will force the keyring query to only hit local servers (no WAN traffic). This flag can only be set for list queries.' },
    },
    async run(ctx) {
      const f = ctx.flags;
      const actions = ['install', 'use', 'remove', 'list', 'list-primary'].filter((a) => f[a] !== undefined && f[a] !== false);
      if (actions.length > 1) {
        ctx.err('Only a single action is allowed');
        return 1;
      }
      if (actions.length === 0) {
        ctx.err('Error: must specify one of -install, -use, -remove, -list or -list-primary');
        return 1;
      }
      const client = ctx.client();
      try {
        if (f.list || f['list-primary']) {
          const primary = f['list-primary'] === true;
          ctx.out(primary ? '==> Gathering installed primary encryption keys...' : '==> Gathering installed encryption keys...');
          const res = (await client.query<KeyringResponse[]>('operator/keyring', f['local-only'] === true ? { 'local-only': 'true' } : undefined)).body ?? [];
          for (const r of res) {
            const pool = r.WAN ? 'WAN' : `${r.Datacenter} (LAN)${r.Segment ? ` [${r.Segment}]` : ''}`;
            ctx.out('');
            ctx.out(`${pool}:`);
            const keys = primary ? (r.PrimaryKeys ?? {}) : r.Keys;
            for (const k of Object.keys(keys).sort()) ctx.out(`  ${k} [${keys[k]}/${r.NumNodes}]`);
          }
          return 0;
        }
        const [verb, method, text] = f.install
          ? (['install', 'POST', '==> Installing new gossip encryption key...'] as const)
          : f.use
            ? (['use', 'PUT', '==> Changing primary gossip encryption key...'] as const)
            : (['remove', 'DELETE', '==> Removing gossip encryption key...'] as const);
        ctx.out(text);
        await client.write(method, 'operator/keyring', undefined, { Key: f[verb] as string });
        return 0;
      } catch (err) {
        ctx.err(`error: ${(err as Error).message}`);
        return 1;
      }
    },
  });
}
