// `conclave operator autopilot get-config | set-config | state` and `operator raft transfer-leader`, with Consul's
// output (command/operator/autopilot/{get,set,state}, command/operator/raft/transferleader).
import { FlagError } from '@conclave/client';
import { formatGoDuration, parseGoDuration } from '@conclave/toolkit';
import { CLIENT_FLAGS, SERVER_FLAGS, dispatch, runCommand, type Command } from '../command.js';
import type { CliIo } from '../cli-io.js';

interface AutopilotConfiguration {
  CleanupDeadServers: boolean;
  LastContactThreshold: string;
  MaxTrailingLogs: number;
  MinQuorum: number;
  ServerStabilizationTime: string;
  RedundancyZoneTag: string;
  DisableUpgradeMigration: boolean;
  UpgradeVersionTag: string;
  CreateIndex: number;
  ModifyIndex: number;
}

interface AutopilotServer {
  ID: string;
  Name: string;
  Address: string;
  NodeStatus: string;
  Version: string;
  LastContact: string;
  LastTerm: number;
  LastIndex: number;
  Healthy: boolean;
  Status: string;
  NodeType: string;
  ReadReplica?: boolean;
  Meta?: Record<string, string>;
}

interface AutopilotState {
  Healthy: boolean;
  FailureTolerance: number;
  OptimisticFailureTolerance: number;
  Servers: Record<string, AutopilotServer>;
  Leader: string;
  Voters: string[];
}

const getConfig: Command = (argv, io) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave operator autopilot get-config [options]\n\n  Displays the current Autopilot configuration.',
    flags: { ...CLIENT_FLAGS, ...SERVER_FLAGS },
    async run(ctx) {
      let c: AutopilotConfiguration;
      try {
        c = (await ctx.client().query<AutopilotConfiguration>('operator/autopilot/configuration', ctx.flags.stale ? { stale: '' } : undefined)).body!;
      } catch (err) {
        ctx.err(`Error querying Autopilot configuration: ${(err as Error).message}`);
        return 1;
      }
      ctx.out(
        [
          `CleanupDeadServers = ${c.CleanupDeadServers}`,
          `LastContactThreshold = ${c.LastContactThreshold}`,
          `MaxTrailingLogs = ${c.MaxTrailingLogs}`,
          `MinQuorum = ${c.MinQuorum}`,
          `ServerStabilizationTime = ${c.ServerStabilizationTime}`,
          `RedundancyZoneTag = ${JSON.stringify(c.RedundancyZoneTag)}`,
          `DisableUpgradeMigration = ${c.DisableUpgradeMigration}`,
          `UpgradeVersionTag = ${JSON.stringify(c.UpgradeVersionTag)}`,
        ].join('\n'),
      );
      return 0;
    },
  });

const setConfig: Command = (argv, io) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave operator autopilot set-config [options]\n\n  Modifies the current Autopilot configuration.',
    flags: {
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
      'cleanup-dead-servers': { kind: 'string', usage: 'Controls whether Consul will automatically remove dead servers when new ones are successfully added. Must be one of `true|false`.' },
      'max-trailing-logs': { kind: 'string', usage: 'Controls the maximum number of log entries that a server can trail the leader by before being considered unhealthy.' },
      'min-quorum': { kind: 'string', usage: 'Sets the minimum number of servers required in a cluster before autopilot is allowed to prune dead servers.' },
      'last-contact-threshold': { kind: 'string', usage: 'Controls the maximum amount of time a server can go without contact from the leader before being considered unhealthy. Must be a duration value such as `200ms`.' },
      'server-stabilization-time': { kind: 'string', usage: "Controls the minimum amount of time a server must be stable in the 'healthy' state before being added to the cluster. Must be a duration value such as `10s`." },
      'redundancy-zone-tag': { kind: 'string', usage: '(Enterprise-only) Controls the node_meta tag name used for separating servers into different redundancy zones.' },
      'disable-upgrade-migration': { kind: 'string', usage: '(Enterprise-only) Controls whether Consul will avoid promoting new servers until it can perform a migration. Must be one of `true|false`.' },
      'upgrade-version-tag': { kind: 'string', usage: '(Enterprise-only) The node_meta tag to use for version info when performing upgrade migrations.' },
    },
    async run(ctx) {
      const f = ctx.flags;
      // Flags only change what they name (Consul's BoolValue/UintValue/DurationValue Merge): parse them first.
      const bool = (name: string): boolean | undefined => {
        const v = f[name] as string | undefined;
        if (v === undefined) return undefined;
        if (v !== 'true' && v !== 'false') throw new FlagError(`invalid value "${v}" for flag -${name}: parse error`);
        return v === 'true';
      };
      const uint = (name: string): number | undefined => {
        const v = f[name] as string | undefined;
        if (v === undefined) return undefined;
        if (!/^\d+$/.test(v)) throw new FlagError(`invalid value "${v}" for flag -${name}: parse error`);
        return Number(v);
      };
      const duration = (name: string): string | undefined => {
        const v = f[name] as string | undefined;
        if (v === undefined) return undefined;
        try {
          return formatGoDuration(parseGoDuration(v));
        } catch {
          throw new FlagError(`invalid value "${v}" for flag -${name}: parse error`);
        }
      };
      const changes: Partial<AutopilotConfiguration> = {};
      const set = <K extends keyof AutopilotConfiguration>(k: K, v: AutopilotConfiguration[K] | undefined) => {
        if (v !== undefined) changes[k] = v;
      };
      set('CleanupDeadServers', bool('cleanup-dead-servers'));
      set('MaxTrailingLogs', uint('max-trailing-logs'));
      set('MinQuorum', uint('min-quorum'));
      set('LastContactThreshold', duration('last-contact-threshold'));
      set('ServerStabilizationTime', duration('server-stabilization-time'));
      set('RedundancyZoneTag', f['redundancy-zone-tag'] as string | undefined);
      set('DisableUpgradeMigration', bool('disable-upgrade-migration'));
      set('UpgradeVersionTag', f['upgrade-version-tag'] as string | undefined);
      const client = ctx.client();
      let conf: AutopilotConfiguration;
      try {
        conf = (await client.query<AutopilotConfiguration>('operator/autopilot/configuration')).body!;
      } catch (err) {
        ctx.err(`Error querying Autopilot configuration: ${(err as Error).message}`);
        return 1;
      }
      const next = { ...conf, ...changes };
      let ok: unknown;
      try {
        ok = await client.write('PUT', 'operator/autopilot/configuration', { cas: String(conf.ModifyIndex) }, next);
      } catch (err) {
        ctx.err(`Error setting Autopilot configuration: ${(err as Error).message}`);
        return 1;
      }
      if (ok === true) {
        ctx.out('Configuration updated!');
        return 0;
      }
      ctx.out('Configuration could not be atomically updated, please try again');
      return 1;
    },
  });

const state: Command = (argv, io) =>
  runCommand(argv, io, {
    usage: 'Usage: conclave operator autopilot state [options]\n\n  Displays the current Autopilot state.',
    flags: { ...CLIENT_FLAGS, ...SERVER_FLAGS, format: { kind: 'string', usage: 'Output format {pretty|json} (default: pretty)' } },
    async run(ctx) {
      const format = (ctx.flags.format as string | undefined) ?? 'pretty';
      if (format !== 'pretty' && format !== 'json') {
        ctx.err(`Error: Unknown format: ${format}`);
        return 1;
      }
      let s: AutopilotState;
      try {
        s = (await ctx.client().query<AutopilotState>('operator/autopilot/state', ctx.flags.stale ? { stale: '' } : undefined)).body!;
      } catch (err) {
        ctx.err(`Error querying Autopilot state: ${(err as Error).message}`);
        return 1;
      }
      if (format === 'json') {
        ctx.out(JSON.stringify(s, null, 4));
        return 0;
      }
      const lines = [
        `Healthy:                      ${s.Healthy}`,
        `Failure Tolerance:            ${s.FailureTolerance}`,
        `Optimistic Failure Tolerance: ${s.OptimisticFailureTolerance}`,
        `Leader:                       ${s.Leader}`,
        'Voters:',
        ...s.Voters.map((v) => `   ${v}`),
        'Servers:',
      ];
      for (const id of Object.keys(s.Servers).sort()) {
        const v = s.Servers[id]!;
        lines.push(
          `   ${v.ID}`,
          `      Name:            ${v.Name}`,
          `      Address:         ${v.Address}`,
          `      Version:         ${v.Version}`,
          `      Status:          ${v.Status}`,
          `      Node Type:       ${v.NodeType}`,
          `      Node Status:     ${v.NodeStatus}`,
          `      Healthy:         ${v.Healthy}`,
          `      Last Contact:    ${v.LastContact}`,
          `      Last Term:       ${v.LastTerm}`,
          `      Last Index:      ${v.LastIndex}`,
        );
        if (v.ReadReplica) lines.push(`      Read Replica:    ${v.ReadReplica}`);
        const meta = Object.keys(v.Meta ?? {}).sort();
        if (meta.length > 0) {
          lines.push('      Meta');
          for (const k of meta) lines.push(`         ${JSON.stringify(k)}: ${JSON.stringify(v.Meta![k])}`);
        }
      }
      ctx.out(lines.join('\n'));
      return 0;
    },
  });

export const autopilot = dispatch('operator autopilot', 'The Autopilot operator command is used to interact with Consul\'s Autopilot subsystem.', {
  'get-config': getConfig,
  'set-config': setConfig,
  state,
});

export function transferLeader(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave operator raft transfer-leader [options]\n\n  Transfer raft leadership to another node.',
    flags: { ...CLIENT_FLAGS, ...SERVER_FLAGS, id: { kind: 'string', usage: 'The ID of the node to transfer leadership to.' } },
    async run(ctx) {
      const id = (ctx.flags.id as string | undefined) ?? '';
      let reply: { Success?: boolean } | undefined;
      try {
        reply = (await ctx.client().write('POST', 'operator/raft/transfer-leader', id ? { id } : undefined)) as { Success?: boolean } | undefined;
      } catch (err) {
        ctx.err(`Error transfering leadership: Failed to transfer leadership ${(err as Error).message}`);
        return 1;
      }
      if (!reply?.Success) {
        ctx.err('Error transfering leadership: Failed to transfer leadership');
        return 1;
      }
      ctx.out('Success');
      return 0;
    },
  });
}
