// `conclave catalog datacenters|nodes|services`.
import type { CatalogNode } from '@conclave/client';
import { CLIENT_FLAGS, SERVER_FLAGS, dispatch, parseKeyValueFlags, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { columnize, mapToKV, tabwrite } from '../format.js';

function datacenters(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave catalog datacenters [options]\n\n  Retrieves the list of all known datacenters.',
    flags: { ...CLIENT_FLAGS, ...SERVER_FLAGS },
    async run(ctx) {
      if (ctx.args.length > 0) {
        ctx.err(`Too many arguments (expected 0, got ${ctx.args.length})`);
        return 1;
      }
      try {
        for (const dc of await ctx.client().catalog.datacenters()) ctx.out(dc);
      } catch (err) {
        ctx.err(`Error listing datacenters: ${(err as Error).message}`);
      }
      return 0;
    },
  });
}

function nodes(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave catalog nodes [options]\n\n  Retrieves the list of nodes registered in a given datacenter.',
    flags: {
      detailed: { kind: 'bool', usage: 'Output detailed information about the nodes including their addresses and metadata.' },
      near: { kind: 'string', usage: 'Node name to sort the node list in ascending order based on estimated round-trip time from that node.' },
      'node-meta': { kind: 'list', usage: 'Metadata to filter nodes with the given `key=value` pairs. May be repeated.' },
      service: { kind: 'string', usage: 'Service `id or name` to filter nodes. Only nodes which are providing the given service will be returned.' },
      filter: { kind: 'string', usage: 'Filter to use with the request' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      if (ctx.args.length > 0) {
        ctx.err(`Too many arguments (expected 0, got ${ctx.args.length})`);
        return 1;
      }
      const nodeMeta = parseKeyValueFlags(ctx.flags['node-meta'], 'node-meta');
      const opts = { near: (ctx.flags.near as string) || undefined, filter: (ctx.flags.filter as string) || undefined, nodeMeta };
      const catalog = ctx.client().catalog;
      let list: CatalogNode[];
      const service = ctx.flags.service as string | undefined;
      if (service) {
        try {
          const entries = (await catalog.service(service, undefined, opts)).body;
          list = entries.map((s) => ({
            ID: s.ID,
            Node: s.Node,
            Address: s.Address,
            Datacenter: s.Datacenter,
            TaggedAddresses: s.TaggedAddresses,
            Meta: s.NodeMeta,
            CreateIndex: s.CreateIndex,
            ModifyIndex: s.ModifyIndex,
          }));
        } catch (err) {
          ctx.err(`Error listing nodes for service: ${(err as Error).message}`);
          return 1;
        }
      } else {
        try {
          list = (await catalog.nodes(opts)).body;
        } catch (err) {
          ctx.err(`Error listing nodes: ${(err as Error).message}`);
          return 1;
        }
      }
      if (list.length === 0) {
        ctx.err('No nodes match the given query - try expanding your search.');
        return 0;
      }
      const detailed = ctx.flags.detailed === true;
      const rows = [detailed ? ['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta'] : ['Node', 'ID', 'Address', 'DC']];
      for (const n of list) {
        if (detailed) rows.push([n.Node, n.ID, n.Address, n.Datacenter, mapToKV(n.TaggedAddresses, ', '), mapToKV(n.Meta, ', ')]);
        else {
          // The short form shows only the first group of the node ID.
          const dash = n.ID.indexOf('-');
          rows.push([n.Node, dash > 0 ? n.ID.slice(0, dash) : n.ID, n.Address, n.Datacenter]);
        }
      }
      ctx.out(columnize(rows));
      return 0;
    },
  });
}

function services(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave catalog services [options]\n\n  Retrieves the list of services registered in a given datacenter.',
    flags: {
      node: { kind: 'string', usage: 'Node `id or name` for which to list services.' },
      'node-meta': { kind: 'list', usage: 'Metadata to filter nodes with the given `key=value` pairs. May be repeated.' },
      tags: { kind: 'bool', usage: "Display each service's tags as a comma-separated list beside each service entry." },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    async run(ctx) {
      if (ctx.args.length > 0) {
        ctx.err(`Too many arguments (expected 0, got ${ctx.args.length})`);
        return 1;
      }
      const nodeMeta = parseKeyValueFlags(ctx.flags['node-meta'], 'node-meta');
      const catalog = ctx.client().catalog;
      let byName: Record<string, string[]> = {};
      const node = ctx.flags.node as string | undefined;
      if (node) {
        try {
          const found = (await catalog.node(node, { nodeMeta })).body;
          for (const s of Object.values(found?.Services ?? {})) byName[s.Service] = [...(byName[s.Service] ?? []), ...(s.Tags ?? [])];
        } catch (err) {
          ctx.err(`Error listing services for node: ${(err as Error).message}`);
          return 1;
        }
      } else {
        try {
          byName = (await catalog.services({ nodeMeta })).body;
        } catch (err) {
          ctx.err(`Error listing services: ${(err as Error).message}`);
          return 1;
        }
      }
      const names = Object.keys(byName).sort();
      if (names.length === 0) {
        ctx.err('No services match the given query - try expanding your search.');
        return 0;
      }
      if (ctx.flags.tags) {
        ctx.out(tabwrite(names.map((n) => [n, [...(byName[n] ?? [])].sort().join(',')])).trim());
      } else {
        for (const n of names) ctx.out(n);
      }
      return 0;
    },
  });
}

export const catalog = dispatch('catalog', 'Interact with the catalog', { datacenters, nodes, services });
