// `conclave lock [-n N] [-timeout d] prefix command...`: runs the command while holding a lock (KeyLock on
// `<prefix>/.lock`) or one of N semaphore slots (Semaphore on `<prefix>`), both from @conclave/client. The
// session has a 15 s TTL renewed every 7.5 s; losing the lock stops the child; exit or a signal releases it.
// The child's exit code is passed through (128 + signal number when a signal ended it).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { KeyLock, LockLostError, Semaphore, type LockHolder } from '@conclave/client';
import { parseGoDuration, sleep } from '@conclave/toolkit';
import { CLIENT_FLAGS, SERVER_FLAGS, runCommand, type CommandContext } from '../command.js';
import type { CliIo } from '../cli-io.js';

const SESSION_TTL = '15s';
const RENEW_EVERY_MS = 7_500;

const usage = `
Usage: conclave lock [options] prefix child...

  Acquires a lock or semaphore at a given path, and invokes a child process when successful. The child
  process can assume the lock is held while it executes. If the lock is lost or communication is disrupted
  the child process will be sent a SIGTERM signal and given time to gracefully exit. After the grace period
  expires the process will be hard terminated.

  For Consul agents on Windows, the child process is always hard terminated with a SIGKILL.

  When -n=1, only a single lock holder or leader exists providing mutual exclusion. Setting a higher value
  switches to a semaphore allowing multiple holders to coordinate.

  The prefix provided must have write privileges.
`;

export function lock(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      n: { kind: 'int', usage: 'Optional limit on the number of concurrent lock holders. The underlying implementation switches from a lock to a semaphore when increased past one. Defaults to 1.' },
      name: { kind: 'string', usage: 'Optional name to associate with the lock session. If not provided, one is generated based on the provided child command.' },
      'pass-stdin': { kind: 'bool', usage: 'Pass stdin to the child process.' },
      shell: { kind: 'bool', usage: 'Use a shell to run the command (can set a custom shell via the SHELL environment variable). Defaults to true.' },
      timeout: { kind: 'string', usage: 'Maximum amount of time to wait to acquire the lock (0 waits forever).' },
      try: { kind: 'string', usage: 'DEPRECATED: use -timeout instead.' },
      'monitor-retry': { kind: 'int', usage: 'Number of times to retry if Consul returns a 500 error while monitoring the lock. Defaults to 3.' },
      verbose: { kind: 'bool', usage: 'Enable verbose (debugging) output.' },
      'child-exit-code': { kind: 'bool', usage: "Exit 2 if the child process exited with an error if this is true, otherwise this doesn't propagate an error from the child. The default value is false." },
      ...CLIENT_FLAGS,
      ...SERVER_FLAGS,
    },
    run: (ctx) => runLock(ctx),
  });
}

async function runLock(ctx: CommandContext): Promise<number> {
  const limit = (ctx.flags.n as number | undefined) ?? 1;
  if (ctx.args.length < 2) {
    ctx.err('Key prefix and child command must be specified');
    return 1;
  }
  if (limit < 1) {
    ctx.err('Lock holder limit must be positive');
    return 1;
  }
  let timeoutMs = 0;
  const timeoutText = (ctx.flags.timeout as string | undefined) ?? (ctx.flags.try as string | undefined);
  if (timeoutText) {
    try {
      timeoutMs = parseGoDuration(timeoutText) / 1e6;
    } catch {
      ctx.err(`invalid value "${timeoutText}" for flag -timeout: parse error`);
      return 1;
    }
    if (timeoutMs < 0) {
      ctx.err('Timeout must be positive');
      return 1;
    }
  }
  // Consul trims one leading slash and path.Join cleans the trailing ones.
  const prefix = ctx.args[0]!.replace(/^\//, '').replace(/\/+$/, '');
  const child = ctx.args.slice(1);
  const verbose = ctx.flags.verbose === true;
  const log = (msg: string) => verbose && ctx.err(msg);
  const client = ctx.client();
  const name = (ctx.flags.name as string | undefined) || `Consul lock for '${child.join(' ')}' at '${prefix}'`;
  const holder: LockHolder = limit === 1 ? new KeyLock(client, `${prefix}/.lock`) : new Semaphore(client, prefix, limit);

  log(`Setting up lock at path: ${prefix}/.lock`);
  const session = ((await client.write('PUT', 'session/create', undefined, { Name: name, TTL: SESSION_TTL })) as { ID: string }).ID;
  const stop = new AbortController();
  let lost = false;
  const renewer = setInterval(() => {
    client.write('PUT', `session/renew/${session}`).catch(() => {
      lost = true;
      stop.abort();
    });
  }, RENEW_EVERY_MS);

  let signalled: NodeJS.Signals | undefined;
  let childProc: ChildProcess | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    log(`Shutdown triggered by ${sig}`);
    if (childProc && childProc.exitCode === null) childProc.kill(sig);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const cleanup = async () => {
    clearInterval(renewer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    try {
      await holder.release(session);
    } catch (err) {
      ctx.err(`Lock release failed: ${(err as Error).message}`);
    }
    await client.write('PUT', `session/destroy/${session}`).catch(() => undefined);
  };

  try {
    log('Attempting lock acquisition');
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const acquired = await holder.acquire(session, { deadline, signal: stop.signal });
    if (!acquired) {
      ctx.err('Shutdown triggered or timeout during lock acquisition');
      return 1;
    }
    log('Starting handler');
    childProc = spawnChild(ctx, child);
    const exited = new Promise<number>((resolve) => {
      childProc!.once('error', (err) => {
        ctx.err(`Error starting handler: ${err.message}`);
        resolve(1);
      });
      childProc!.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)));
    });
    // Watch the lock while the child runs; losing it stops the child.
    const retries = Math.max(0, (ctx.flags['monitor-retry'] as number | undefined) ?? 3);
    const monitor = monitorWithRetry(holder, session, stop.signal, retries, log).catch((err: unknown) => {
      if (stop.signal.aborted && !(err instanceof LockLostError)) return;
      lost = true;
    });
    void monitor.then(() => {
      if (lost && childProc && childProc.exitCode === null) {
        ctx.err('Lock lost, killing child');
        terminate(childProc);
      }
    });
    stop.signal.addEventListener('abort', () => {
      if (lost && childProc && childProc.exitCode === null) {
        ctx.err('Lock lost, killing child');
        terminate(childProc);
      }
    });
    const code = await exited;
    log(`Child exited with code ${code}`);
    stop.abort();
    if (lost && !signalled) return code === 0 ? 1 : code;
    if (signalled) return code;
    // Consul's lock reports a failed child and exits 0, or 2 with -child-exit-code (its exit status is not passed on).
    if (code !== 0) {
      ctx.err(`Error running handler: exit status ${code}`);
      return ctx.flags['child-exit-code'] === true ? 2 : 0;
    }
    return 0;
  } finally {
    stop.abort();
    await cleanup();
  }
}

/** Watches the lock; an error talking to the agent (not a lost lock) is retried `retries` times, 1 s apart. */
async function monitorWithRetry(holder: LockHolder, session: string, signal: AbortSignal, retries: number, log: (m: string) => void): Promise<void> {
  for (let failures = 0; ; ) {
    try {
      await holder.monitor(session, signal);
      return;
    } catch (err) {
      if (err instanceof LockLostError || signal.aborted || failures >= retries) throw err;
      failures++;
      log(`Lock monitoring failed (${(err as Error).message}), retry ${failures} of ${retries}`);
      await sleep(1000, signal);
    }
  }
}

/**
 * The child shares the process's streams when the io is the process's own (so it sees the same terminal); an
 * in-process run gets the child's output copied into its io instead.
 */
function spawnChild(ctx: CommandContext, child: string[]): ChildProcess {
  const { io } = ctx;
  const stdio: StdioOptions = [
    ctx.flags['pass-stdin'] ? (io.stdin === process.stdin ? 'inherit' : 'pipe') : 'ignore',
    io.stdout === process.stdout ? 'inherit' : 'pipe',
    io.stderr === process.stderr ? 'inherit' : 'pipe',
  ];
  const proc =
    ctx.flags.shell !== false
      ? spawn(io.env.SHELL || '/bin/sh', ['-c', child.join(' ')], { stdio, env: { ...io.env, CONSUL_LOCK_HELD: 'true' } })
      : spawn(child[0]!, child.slice(1), { stdio, env: { ...io.env, CONSUL_LOCK_HELD: 'true' } });
  if (proc.stdin) io.stdin.pipe(proc.stdin);
  proc.stdout?.pipe(io.stdout, { end: false });
  proc.stderr?.pipe(io.stderr, { end: false });
  return proc;
}

/** SIGTERM, then SIGKILL after a grace period. */
function terminate(proc: ChildProcess): void {
  proc.kill('SIGTERM');
  const t = setTimeout(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }, 5_000);
  t.unref();
}
