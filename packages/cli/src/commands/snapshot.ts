// `conclave snapshot save|restore|inspect <file>`: the /v1/snapshot archive (gzipped tar with SHA256SUMS).
// save verifies the archive, then writes it durably (temp + fsync + rename); restore and inspect verify before use.
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { writeFileDurable } from '@conclave/toolkit';
import { readSnapshotArchive } from '@conclave/state';
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
    flags: {},
    async run(ctx) {
      if (ctx.args.length !== 1) {
        ctx.err(ctx.args.length === 0 ? 'Missing FILE argument' : `Too many arguments (expected 1, got ${ctx.args.length})`);
        return 1;
      }
      let meta;
      try {
        meta = readSnapshotArchive(await readFile(ctx.args[0]!)).meta;
      } catch (err) {
        ctx.err(`Error inspecting snapshot: ${(err as Error).message}`);
        return 1;
      }
      ctx.out(
        tabwrite([
          [' ID', meta.ID],
          [' Size', String(meta.Size)],
          [' Index', String(meta.Index)],
          [' Term', String(meta.Term)],
          [' Version', String(meta.Version)],
        ]),
      );
      return 0;
    },
  });
}

export const snapshot = dispatch('snapshot', 'Saves, restores and inspects snapshots of the Conclave server state.', {
  save,
  restore,
  inspect,
});
