// Consul's remote execution, the agent's side (agent/remote_exec.go): a `_rexec` user event names a KV prefix and
// a session; the agent reads the job at <prefix>/<session>/job (stale first, then consistent), acknowledges at
// .../<node>/ack, runs the command (shell, argv, or a script spilled to a temporary file), uploads its combined
// output in chunks of up to 4 KiB (or whatever arrived within 500 ms) at .../<node>/out/<%05x>, an empty chunk as a
// heartbeat after each quiet `Wait`, and the exit code at .../<node>/exit. Every write holds the job's session,
// so nothing is written once the caller has gone. Off unless `disable_remote_exec = false`, as in Consul.
// It talks to its own HTTP API (the KV endpoints, which reach the servers as every other request does); the HTTP
// client is loaded only when a job arrives.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsulClient } from '@conclave/client';
import type { Logger } from '@conclave/toolkit';

export const REMOTE_EXEC_EVENT = '_rexec';
const OUTPUT_CHUNK = 4 * 1024;
const OUTPUT_IDLE_MS = 500;

interface RemoteExecSpec {
  Command: string;
  Args: string[] | null;
  /** base64 in JSON, as Go encodes []byte */
  Script: string | null;
  /** ns */
  Wait: number;
}

export interface RemoteExecOptions {
  node: string;
  /** disable_remote_exec (read at each event: a reload may change it). */
  disabled: () => boolean;
  /** This agent's HTTP API, or undefined when it serves none. */
  httpAddress: () => string | undefined;
  logger: Logger;
}

export class RemoteExec {
  private client: ConsulClient | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly o: RemoteExecOptions) {}

  /** A `_rexec` event targeting this agent arrived (its payload: {"Prefix","Session"}). */
  handle(id: string, payload: Uint8Array | null): void {
    if (this.o.disabled()) {
      this.o.logger.info('ignoring remote exec event, disabled.', { event_name: REMOTE_EXEC_EVENT, event_id: id });
      return;
    }
    this.o.logger.debug('received remote exec event', { id });
    const job = this.run(payload).catch((err: unknown) => this.o.logger.error('remote exec failed', { error: err }));
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  /** The agent is stopping: jobs still running lose their client (their next write fails and is logged); their
   * commands are not killed, as Consul leaves them. */
  async stop(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }

  private async run(payload: Uint8Array | null): Promise<void> {
    let event: { Prefix?: unknown; Session?: unknown };
    try {
      event = JSON.parse(Buffer.from(payload ?? []).toString('utf8')) as typeof event;
    } catch (err) {
      this.o.logger.error('failed to decode remote exec event', { error: err });
      return;
    }
    if (typeof event?.Prefix !== 'string' || typeof event.Session !== 'string' || !/^[0-9a-f-]{36}$/.test(event.Session)) {
      this.o.logger.error('failed to decode remote exec event', { error: 'Prefix and Session are required' });
      return;
    }
    const address = this.o.httpAddress();
    if (!address) {
      this.o.logger.error('failed to get remote exec job', { error: 'this agent serves no HTTP API' });
      return;
    }
    const { ConsulClient } = await import('@conclave/client');
    this.client ??= new ConsulClient({ address, env: {} });
    const kv = this.client.kv;
    const base = `${event.Prefix.replace(/\/+$/, '')}/${event.Session}`;
    const session = event.Session;
    // Stale read for scale, then a consistent one when the job had not replicated yet.
    let pair = (await kv.get(`${base}/job`, { stale: true })).body;
    if (!pair) {
      this.o.logger.debug('trying consistent fetch of remote exec job spec');
      pair = (await kv.get(`${base}/job`, { consistent: true })).body;
    }
    if (!pair) {
      this.o.logger.debug('remote exec aborted, job spec missing');
      return;
    }
    let spec: RemoteExecSpec;
    try {
      spec = JSON.parse(Buffer.from(pair.Value ?? []).toString('utf8')) as RemoteExecSpec;
    } catch (err) {
      this.o.logger.error('failed to decode remote exec spec', { error: err });
      return;
    }
    const write = async (suffix: string, value: Uint8Array | string | null): Promise<void> => {
      const ok = await kv.put(`${base}/${this.o.node}/${suffix}`, value, { acquire: session });
      if (!ok) throw new Error('write failed');
    };
    try {
      await write('ack', null);
    } catch (err) {
      this.o.logger.error('failed to ack remote exec job', { error: err });
      return;
    }
    let exitCode = 0;
    try {
      exitCode = await this.execute(spec, write);
    } catch (err) {
      this.o.logger.error('failed to write output for remote exec job', { error: err });
      exitCode = 255;
    }
    try {
      await write('exit', String(exitCode));
    } catch (err) {
      this.o.logger.error('failed to write exit code for remote exec job', { error: err });
    }
  }

  /** Runs the job, streaming output; resolves with the exit code (255 when it could not start). */
  private async execute(spec: RemoteExecSpec, write: (suffix: string, value: Uint8Array | null) => Promise<void>): Promise<number> {
    let scriptDir: string | undefined;
    let command = spec.Command ?? '';
    if (spec.Script) {
      scriptDir = mkdtempSync(join(tmpdir(), 'rexec'));
      command = join(scriptDir, 'script');
      writeFileSync(command, Buffer.from(spec.Script, 'base64'));
      chmodSync(command, 0o750);
    }
    try {
      this.o.logger.info('remote exec', { script: command });
      const argv = spec.Args && spec.Args.length > 0 ? spec.Args : undefined;
      const shell = process.env.SHELL || '/bin/sh';
      const child = argv ? spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(shell, ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let buffered = 0;
      let seq = 0;
      let flushTimer: NodeJS.Timeout | undefined;
      // Uploads happen one at a time, in order; the output chunks number themselves as Consul's do.
      let uploads: Promise<void> = Promise.resolve();
      let failed: unknown;
      const upload = (value: Uint8Array | null) => {
        const n = seq++;
        uploads = uploads.then(() => (failed ? undefined : write(`out/${n.toString(16).padStart(5, '0')}`, value).catch((err) => void (failed = err))));
      };
      const flush = () => {
        clearTimeout(flushTimer);
        flushTimer = undefined;
        if (buffered === 0) return;
        upload(Buffer.concat(chunks));
        chunks.length = 0;
        buffered = 0;
      };
      const onData = (d: Buffer) => {
        clearTimeout(flushTimer);
        let rest = d;
        while (buffered + rest.length >= OUTPUT_CHUNK) {
          const take = OUTPUT_CHUNK - buffered;
          chunks.push(rest.subarray(0, take));
          buffered += take;
          flush();
          rest = rest.subarray(take);
        }
        if (rest.length > 0) {
          chunks.push(rest);
          buffered += rest.length;
        }
        flushTimer = setTimeout(flush, OUTPUT_IDLE_MS);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      // A quiet job still shows it is alive: an empty output key after each `Wait` without output.
      const waitMs = Math.max(100, (spec.Wait ?? 2e9) / 1e6);
      let lastSeq = -1;
      const heartbeat = setInterval(() => {
        if (seq === lastSeq && buffered === 0) upload(null);
        lastSeq = seq;
      }, waitMs);
      const code = await new Promise<number>((resolve) => {
        child.once('error', () => resolve(255));
        child.once('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
      });
      clearInterval(heartbeat);
      flush();
      await uploads;
      if (failed) throw failed;
      return code;
    } finally {
      if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
    }
  }
}
