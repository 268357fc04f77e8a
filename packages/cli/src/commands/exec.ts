// `conclave exec [options] [-|command...]`: Consul's remote execution (command/exec). A session (TTL 15s, delete
// behaviour) holds the job at <prefix>/<session>/job; a `_rexec` user event (with the -node/-service/-tag filters)
// tells the agents, which acknowledge, stream output and write their exit code under <prefix>/<session>/<node>/
// (remote-exec.ts in the agent). This side watches that directory with blocking key lists and prints as Consul's
// TargetedUI does, until no response came for -wait (twice that while a node is still running); exit 2 when a node
// failed or never finished. The session and the data are removed at the end.
import { parseGoDuration, sleep } from '@conclave/toolkit';
import { FlagError, type ConsulClient } from '@conclave/client';
import { CLIENT_FLAGS, SERVER_FLAGS, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';

const usage = `
Usage: conclave exec [options] [-|command...]

  Evaluates a command on remote Consul nodes. The nodes responding can be filtered using regular expressions on
  node name, service, and tag definitions. If a command is '-', stdin will be read until EOF and used as a script
  input.
`;

const RENEW_EVERY_MS = 5_000;

export function exec(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      node: { kind: 'string', usage: 'Regular expression to filter on node names.' },
      service: { kind: 'string', usage: 'Regular expression to filter on service instances.' },
      tag: { kind: 'string', usage: 'Regular expression to filter on service tags. Must be used with -service.' },
      prefix: { kind: 'string', usage: 'Prefix in the KV store to use for request data.' },
      shell: { kind: 'bool', usage: 'Use a shell to run the command.' },
      wait: { kind: 'string', usage: 'Period to wait with no responses before terminating execution.' },
      'wait-repl': { kind: 'string', usage: 'Period to wait for replication before firing event. This is an optimization to allow stale reads to be performed.' },
      verbose: { kind: 'bool', usage: 'Enables verbose output.' },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    run: (ctx) => runExec(ctx),
  });
}

function duration(ctx: CommandContext, name: string, fallbackMs: number): number {
  const v = ctx.flags[name] as string | undefined;
  if (v === undefined) return fallbackMs;
  try {
    return parseGoDuration(v) / 1e6;
  } catch {
    throw new FlagError(`invalid value "${v}" for flag -${name}: parse error`);
  }
}

/** Consul's TargetedUI: "==> node: line" for info, "    node: line" for output, trailing space trimmed. */
function targeted(arrow: boolean, node: string, message: string): string {
  const head = arrow ? '==>' : '   ';
  return message
    .split('\n')
    .map((line) => `${head} ${node}: ${line}`)
    .join('\n')
    .replace(/\s+$/, '');
}

async function runExec(ctx: CommandContext): Promise<number> {
  const prefix = ((ctx.flags.prefix as string | undefined) ?? '_rexec').replace(/^\/+|\/+$/g, '');
  const shell = ctx.flags.shell !== false;
  const waitMs = duration(ctx, 'wait', 2000);
  const replWaitMs = duration(ctx, 'wait-repl', 200);
  const verbose = ctx.flags.verbose === true;
  let command = ctx.args.join(' ');
  let args: string[] | null = null;
  let script: Buffer | null = null;
  if (command === '-') {
    if (!shell) {
      ctx.err('Cannot configure -shell=false when reading from stdin');
      return 1;
    }
    command = '';
    const chunks: Buffer[] = [];
    for await (const c of ctx.io.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
    script = Buffer.concat(chunks);
  } else if (!shell) {
    command = '';
    args = ctx.args;
  }
  if (command === '' && (script === null || script.length === 0) && (args === null || args.length === 0)) {
    ctx.err('Must specify a command to execute');
    return 1;
  }
  const node = (ctx.flags.node as string | undefined) ?? '';
  const service = (ctx.flags.service as string | undefined) ?? '';
  const tag = (ctx.flags.tag as string | undefined) ?? '';
  if (tag && !service) {
    ctx.err('Cannot provide tag filter without service filter.');
    return 1;
  }
  const client = ctx.client();
  try {
    await client.agent.self();
  } catch (err) {
    ctx.err(`Error querying Consul agent: ${(err as Error).message}`);
    return 1;
  }
  // Consul's rExecSpec: Command, Args and Script omitted when empty; Script as base64 ([]byte); Wait in ns.
  const spec: Record<string, unknown> = {};
  if (command) spec.Command = command;
  if (args && args.length > 0) spec.Args = args;
  if (script && script.length > 0) spec.Script = script.toString('base64');
  spec.Wait = Math.round(waitMs * 1e6);

  let sessionId: string;
  try {
    sessionId = await client.session.create({ Name: 'Remote Exec', Behavior: 'delete', TTL: '15s' } as never);
  } catch (err) {
    ctx.err(`Failed to create session: ${(err as Error).message}`);
    return 1;
  }
  if (verbose) ctx.out(`==> Created remote execution session: ${sessionId}`);
  const renew = setInterval(() => {
    client.session.renew(sessionId).catch((err: unknown) => ctx.err(`Session renew failed: ${(err as Error).message}`));
  }, RENEW_EVERY_MS);
  const dir = `${prefix}/${sessionId}`;
  try {
    try {
      const ok = await client.kv.put(`${dir}/job`, JSON.stringify(spec), { acquire: sessionId });
      if (!ok) throw new Error(`failed to acquire key ${dir}/job`);
    } catch (err) {
      ctx.err(`Failed to create job file: ${(err as Error).message}`);
      return 1;
    }
    if (verbose) ctx.out('==> Uploaded remote execution spec');
    await sleep(replWaitMs);
    let eventId: string;
    try {
      const fired = (await client.write('PUT', 'event/fire/_rexec', { node: node || undefined, service: service || undefined, tag: tag || undefined }, JSON.stringify({ Prefix: prefix, Session: sessionId }))) as { ID: string };
      eventId = fired.ID;
    } catch (err) {
      ctx.err(`Failed to fire event: ${(err as Error).message}`);
      return 1;
    }
    if (verbose) ctx.out(`==> Fired remote execution event: ${eventId}`);
    return await waitForJob(ctx, client, dir, waitMs, verbose);
  } finally {
    clearInterval(renew);
    // Destroying the session first means no agent can write into the directory after it is deleted.
    await client.session.destroy(sessionId).catch(() => undefined);
    await client.kv.delete(dir, { recurse: true }).catch(() => undefined);
  }
}

async function waitForJob(ctx: CommandContext, client: ConsulClient, dir: string, waitMs: number, verbose: boolean): Promise<number> {
  const start = Date.now();
  const seen = new Set<string>();
  let index = 0n;
  let acks = 0;
  let exits = 0;
  let bad = 0;
  let lastActivity = Date.now();
  for (;;) {
    const quiet = acks > exits ? waitMs * 2 : waitMs;
    const left = lastActivity + quiet - Date.now();
    if (left <= 0) break;
    let keys: string[];
    try {
      const res = await client.kv.keys(`${dir}/`, undefined, { index, waitMs: Math.max(1, Math.ceil(left)) });
      if (res.index === index) continue;
      index = res.index;
      keys = res.body;
    } catch (err) {
      ctx.err(`Failed to read results: ${(err as Error).message}`);
      return 1;
    }
    // The list is sorted, so a node's `exit` comes before its `out/` keys when both arrive in one answer; Consul
    // prints them in that order then. Output first reads as it happened: exits go last in each batch.
    const ordered = [...keys.filter((k) => !k.endsWith('/exit')), ...keys.filter((k) => k.endsWith('/exit'))];
    for (const full of ordered) {
      if (seen.has(full)) continue;
      seen.add(full);
      const key = full.slice(dir.length + 1);
      if (key === 'job') continue;
      lastActivity = Date.now();
      if (key.endsWith('/ack')) {
        acks++;
        if (verbose) ctx.out(targeted(true, key.slice(0, -4), 'acknowledged'));
      } else if (key.endsWith('/exit')) {
        const pair = (await client.kv.get(full).catch(() => ({ body: null }))).body;
        const text = pair?.Value?.toString('utf8') ?? '';
        if (!/^-?\d+$/.test(text)) {
          ctx.err(`Failed to parse exit code '${text}'`);
          continue;
        }
        const code = Number(text);
        exits++;
        ctx.out(targeted(true, key.slice(0, -5), `finished with exit code ${code}`));
        if (code !== 0) bad++;
      } else if (key.lastIndexOf('/out/') !== -1) {
        const nodeName = key.slice(0, key.lastIndexOf('/out/'));
        const pair = (await client.kv.get(full).catch(() => ({ body: null }))).body;
        if (!pair) {
          ctx.err(`Failed to read key '${full}'`);
          continue;
        }
        if (!pair.Value || pair.Value.length === 0) {
          if (verbose) ctx.out(targeted(true, nodeName, 'heartbeat received'));
        } else ctx.out(targeted(false, nodeName, pair.Value.toString('utf8')));
      } else {
        ctx.err(`Unknown key '${key}', ignoring.`);
      }
    }
  }
  ctx.out(`${exits} / ${acks} node(s) completed / acknowledged`);
  if (verbose) ctx.out(`Completed in ${((Date.now() - start) / 1000).toFixed(2)} seconds`);
  if (exits < acks) bad++;
  return bad > 0 ? 2 : 0;
}
