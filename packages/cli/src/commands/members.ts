// `conclave members`: the gossip members as the agent sees them, in Consul's table.
import { memberStatusName, type AgentMember } from '@conclave/client';
import { GoRegexp } from '@conclave/toolkit';
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { columnize } from '../format.js';

const usage = `
Usage: conclave members [options]

  Outputs the members of a running Consul agent.
`;

export function members(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      detailed: { kind: 'bool', usage: 'Provides detailed information about nodes.' },
      wan: { kind: 'bool', usage: 'If the agent is in server mode, this can be used to return the other peers in the WAN pool.' },
      status: { kind: 'string', usage: 'If provided, output is filtered to only nodes matching the regular expression for status.' },
      segment: { kind: 'string', usage: '(Enterprise-only) If provided, output is filtered to only nodes in the given segment.' },
      filter: { kind: 'string', usage: 'Filter to use with the request' },
      partition: { kind: 'string', usage: '(Enterprise-only) Partition to query.' },
      ...CLIENT_FLAGS,
    },
    async run(ctx) {
      let statusRe: GoRegexp;
      try {
        statusRe = GoRegexp.compile((ctx.flags.status as string | undefined) ?? '.*');
      } catch (err) {
        ctx.err(`Failed to compile status regexp: ${(err as Error).message}`);
        return 1;
      }
      const segment = ctx.flags.segment as string | undefined;
      let list: AgentMember[];
      try {
        list = await ctx.client().agent.members({ wan: ctx.flags.wan === true, segment, filter: (ctx.flags.filter as string) || undefined });
      } catch (err) {
        ctx.err(`Error retrieving members: ${(err as Error).message}`);
        return 1;
      }
      const shown = list
        .map((m) => ({ ...m, Tags: normaliseTags(m, segment) }))
        .filter((m) => statusRe.test(memberStatusName(m.Status)));
      if (shown.length === 0) return 2;
      shown.sort(compareMembers);
      const rows = ctx.flags.detailed ? detailedRows(shown) : standardRows(shown);
      ctx.out(columnize(rows));
      return 0;
    },
  });
}

/** Consul fills in partition `default` and a segment label before filtering and printing. */
function normaliseTags(m: AgentMember, segmentFlag: string | undefined): Record<string, string> {
  const tags = { ...(m.Tags ?? {}) };
  if (!tags.ap) tags.ap = 'default';
  if (tags.ap === 'default') {
    if (segmentFlag === undefined && tags.role === 'consul') tags.segment = '<all>';
    else if (!tags.segment) tags.segment = '<default>';
  } else tags.segment = '';
  return tags;
}

function compareMembers(a: AgentMember, b: AgentMember): number {
  const aServer = a.Tags.role === 'consul';
  const bServer = b.Tags.role === 'consul';
  if (aServer !== bServer) return aServer ? -1 : 1;
  const aDefault = isDefault(a.Tags.ap);
  const bDefault = isDefault(b.Tags.ap);
  if (aDefault !== bDefault) return aDefault ? -1 : 1;
  return cmp(a.Tags.segment ?? '', b.Tags.segment ?? '') || cmp(a.Tags.ap ?? '', b.Tags.ap ?? '') || cmp(a.Name, b.Name);
}

function isDefault(p: string | undefined): boolean {
  return p === undefined || p === '' || p === 'default';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hostPort(m: AgentMember): string {
  return m.Addr.includes(':') ? `[${m.Addr}]:${m.Port}` : `${m.Addr}:${m.Port}`;
}

function standardRows(list: AgentMember[]): string[][] {
  const rows = [['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment']];
  for (const m of list) {
    const status = memberStatusName(m.Status);
    const role = m.Tags.role;
    if (role !== 'consul' && role !== 'node') {
      rows.push([m.Name, hostPort(m), status, 'unknown', '', '', '', '', '']);
      continue;
    }
    let build = m.Tags.build ?? '';
    if (build === '') build = '< 0.3';
    else if (build.includes(':')) build = build.slice(0, build.indexOf(':'));
    rows.push([m.Name, hostPort(m), status, role === 'consul' ? 'server' : 'client', build, m.Tags.vsn ?? '', m.Tags.dc ?? '', m.Tags.ap ?? '', m.Tags.segment ?? '']);
  }
  return rows;
}

function detailedRows(list: AgentMember[]): string[][] {
  const rows = [['Node', 'Address', 'Status', 'Tags']];
  for (const m of list) {
    const tags = Object.keys(m.Tags)
      .sort()
      .map((k) => `${k}=${m.Tags[k]}`)
      .join(',');
    rows.push([m.Name, hostPort(m), memberStatusName(m.Status), tags]);
  }
  return rows;
}
