// `conclave snapshot save|restore|inspect <file>`: the /v1/snapshot archive (gzipped tar with SHA256SUMS).
// save verifies the archive, then writes it durably (temp + fsync + rename); restore and inspect verify before use.
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { writeFileDurable } from '@conclave/toolkit';
import { byteSize, readSnapshotArchive, snapshotStats } from '@conclave/state';
import { resolveToken } from '@conclave/client';
import { CLIENT_FLAGS, SERVER_FLAGS, dispatch, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { tabwrite } from '../format.js';

/** One raw request: the archive is binary, so it bypasses the JSON client. */
function raw(ctx: CommandContext, method: 'GET' | 'PUT', query: string, body?: Buffer): Promise<{ status: number; body: Buffer; index: string }> {
  const addr = ctx.client().address;
  const token = resolveToken({ token: ctx.flags.token as string | undefined, tokenFile: ctx.flags['token-file'] as string | undefined }, ctx.io.env);
  const mod = addr.scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        method,
        host: addr.socketPath ? undefined : addr.host,
        port: addr.socketPath ? undefined : addr.port,
        socketPath: addr.socketPath,
        path: '/v1/snapshot' + query,
        headers: { ...(token ? { 'X-Consul-Token': token } : {}), ...(body ? { 'Content-Length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), index: String(res.headers['x-consul-index'] ?? '') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const saveUsage = `
Usage: conclave snapshot save [options] FILE

  Retrieves an atomic, point-in-time snapshot of the state of the Conclave servers which includes key/value
  entries, the service catalog and sessions, and writes it to FILE.
`;

function save(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: saveUsage,
    flags: { ...CLIENT_FLAGS, ...SERVER_FLAGS },
    async run(ctx) {
      if (ctx.args.length !== 1) {
        ctx.err(ctx.args.length === 0 ? 'Missing FILE argument' : `Too many arguments (expected 1, got ${ctx.args.length})`);
        return 1;
      }
      const file = ctx.args[0]!;
      const res = await raw(ctx, 'GET', ctx.flags.stale ? '?stale' : '');
      if (res.status !== 200) {
        ctx.err(`Error saving snapshot: Unexpected response code: ${res.status} (${res.body.toString('utf8')})`);
        return 1;
      }
      try {
        readSnapshotArchive(res.body);
      } catch (err) {
        ctx.err(`Error verifying snapshot file: ${(err as Error).message}`);
        return 1;
      }
      // Verified in memory, then written durably: a crash leaves the old file or the whole new one.
      await writeFileDurable(file, res.body);
      ctx.out(`Saved and verified snapshot to index ${res.index}`);
      return 0;
    },
  });
}

const restoreUsage = `
Usage: conclave snapshot restore [options] FILE

  Restores an atomic, point-in-time snapshot of the state of the Conclave servers which includes key/value
  entries, the service catalog and sessions.
`;

function restore(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: restoreUsage,
    flags: { ...CLIENT_FLAGS },
    async run(ctx) {
      if (ctx.args.length !== 1) {
        ctx.err(ctx.args.length === 0 ? 'Missing FILE argument' : `Too many arguments (expected 1, got ${ctx.args.length})`);
        return 1;
      }
      const bytes = await readFile(ctx.args[0]!);
      try {
        readSnapshotArchive(bytes);
      } catch (err) {
        ctx.err(`Error verifying snapshot file: ${(err as Error).message}`);
        return 1;
      }
      const res = await raw(ctx, 'PUT', '', bytes);
      if (res.status !== 200) {
        ctx.err(`Error restoring snapshot: Unexpected response code: ${res.status} (${res.body.toString('utf8')})`);
        return 1;
      }
      ctx.out('Restored snapshot');
      return 0;
    },
  });
}

const inspectUsage = `
Usage: conclave snapshot inspect [options] FILE

  Displays information about a snapshot file on disk.
`;

function inspect(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: inspectUsage,
    flags: {
      kvdetails: { kind: 'bool', usage: "Provides a detailed KV space usage breakdown for any KV data that's been stored." },
      kvdepth: { kind: 'int', usage: 'Can only be used with -kvdetails. The key prefix depth used to breakdown KV store data. Defaults to 2.' },
      kvfilter: { kind: 'string', usage: 'Can only be used with -kvdetails. Limits KV key breakdown using this prefix filter.' },
      format: { kind: 'string', usage: 'Output format {pretty|json}' },
    },
    async run(ctx) {
      if (ctx.args.length !== 1) {
        ctx.err(ctx.args.length === 0 ? 'Missing FILE argument' : `Too many arguments (expected 1, got ${ctx.args.length})`);
        return 1;
      }
      const format = (ctx.flags.format as string | undefined) ?? 'pretty';
      let bytes: Buffer;
      try {
        bytes = await readFile(ctx.args[0]!);
      } catch (err) {
        ctx.err(`Error opening snapshot file: ${(err as Error).message}`);
        return 1;
      }
      let archive;
      try {
        archive = readSnapshotArchive(bytes);
      } catch (err) {
        ctx.err(`Error reading snapshot: ${(err as Error).message}`);
        return 1;
      }
      let stats;
      try {
        stats = snapshotStats(archive.state, (ctx.flags.kvdepth as number | undefined) ?? 2, (ctx.flags.kvfilter as string | undefined) ?? '');
      } catch (err) {
        ctx.err(`Error extracting snapshot data: ${(err as Error).message}`);
        return 1;
      }
      if (format !== 'pretty' && format !== 'json') {
        ctx.err(`Error outputting enhanced snapshot data: Unknown format: ${format}`);
        return 1;
      }
      const meta = archive.meta;
      const typed = (list: typeof stats.types) => list.map((s) => ({ Name: s.name, Sum: s.size, Count: s.count }));
      if (format === 'json') {
        // Consul's OutputFormat, indented with three spaces as its json formatter does.
        const out = {
          Meta: { ID: meta.ID, Size: meta.Size, Index: meta.Index, Term: meta.Term, Version: meta.Version },
          Stats: typed(stats.types),
          StatsKV: ctx.flags.kvdetails ? typed(stats.kv) : null,
          TotalSize: stats.total,
          TotalSizeKV: ctx.flags.kvdetails ? stats.kvTotal : 0,
        };
        ctx.out(JSON.stringify(out, null, 3));
        return 0;
      }
      const head = tabwrite([
        [' ID', meta.ID],
        [' Size', String(meta.Size)],
        [' Index', String(meta.Index)],
        [' Term', String(meta.Term)],
        [' Version', String(meta.Version)],
      ]);
      const table = (title: string, list: typeof stats.types, total: number) =>
        tabwrite([
          [` ${title}`, 'Count', 'Size'],
          [' ----', '----', '----'],
          ...list.map((s) => [` ${s.name}`, String(s.count), byteSize(s.size)]),
          [' ----', '----', '----'],
          [' Total', '', byteSize(total)],
        ]);
      let text = `${head}\n\n${table('Type', stats.types, stats.total)}`;
      if (ctx.flags.kvdetails) text += `\n\n${table('Key Name', stats.kv, stats.kvTotal)}`;
      ctx.out(text);
      return 0;
    },
  });
}

export const snapshot = dispatch('snapshot', 'Saves, restores and inspects snapshots of the Conclave server state.', {
  save,
  restore,
  inspect,
});
