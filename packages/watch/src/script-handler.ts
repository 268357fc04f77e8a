// Script handlers (Consul's makeWatchHandler): a fresh process per result, `args` exec'd directly or a shell string
// run by `$SHELL -c` (`/bin/sh` when SHELL is unset); stdin is the result as JSON plus a newline, CONSUL_INDEX the index. Output is captured (last
// 4 KB) and logged, or passed through to our own stdout/stderr (the `watch` CLI, as Consul's). A non-zero exit is
// logged and the watch goes on: the next change runs the handler again.
import { spawn } from 'node:child_process';
import { encodeConsulJson } from './consul-json.js';
import { silentLogger, TailBuffer, type Logger } from '@conclave/toolkit';
import { WATCH_OUTPUT_MAX_BYTES, type WatchHandler } from './watch-handler.js';

export type ScriptSpec = { args: readonly string[] } | { script: string };

export interface ScriptHandlerOptions {
  logger?: Logger;
  /** `capture` (default): keep the last 4 KB and log it. `inherit`: the handler writes to our stdout/stderr. */
  output?: 'capture' | 'inherit';
  /** Base environment (default process.env); CONSUL_INDEX is added. */
  env?: NodeJS.ProcessEnv;
  /** Shell for script strings; default $SHELL, else /bin/sh (Consul's ExecScript). */
  shell?: string;
  cwd?: string;
  maxOutputBytes?: number;
}

export interface ScriptRunResult {
  /** Exit code, or null when killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last maxOutputBytes of stdout+stderr (empty with `inherit`). */
  output: string;
  /** Bytes written in total. */
  outputBytes: number;
  /** Set when the process could not be started (ENOENT, EACCES). */
  error?: Error;
}

/** Runs the handler once with `data` and waits for it to exit. Never rejects. */
export function runScript(spec: ScriptSpec, index: bigint, data: unknown, options: ScriptHandlerOptions = {}, signal?: AbortSignal): Promise<ScriptRunResult> {
  const env = options.env ?? process.env;
  const [command, ...args] = 'args' in spec ? spec.args : [options.shell ?? (env.SHELL || '/bin/sh'), '-c', spec.script];
  const inherit = options.output === 'inherit';
  const buffer = new TailBuffer(options.maxOutputBytes ?? WATCH_OUTPUT_MAX_BYTES);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command!, args, {
        env: { ...env, CONSUL_INDEX: index.toString() },
        cwd: options.cwd,
        stdio: ['pipe', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
      });
    } catch (err) {
      resolve({ exitCode: null, signal: null, output: '', outputBytes: 0, error: err as Error });
      return;
    }
    let startError: Error | undefined;
    child.once('error', (err) => {
      startError = err;
    });
    child.stdout?.on('data', (d: Buffer) => buffer.write(d));
    child.stderr?.on('data', (d: Buffer) => buffer.write(d));
    // A handler that exits without reading its input must not fail the run.
    child.stdin!.on('error', () => {});
    child.stdin!.end(encodeConsulJson(data) + '\n');
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode: code, signal: sig, output: buffer.toString(), outputBytes: buffer.totalWritten, error: startError });
    });
  });
}

export function scriptHandler(spec: ScriptSpec, options: ScriptHandlerOptions = {}): WatchHandler {
  const logger = options.logger ?? silentLogger;
  const name = 'args' in spec ? spec.args.join(' ') : spec.script;
  return async (index, data, signal) => {
    const result = await runScript(spec, index, data, options, signal);
    const output = result.outputBytes > result.output.length ? `Captured ${Buffer.byteLength(result.output)} of ${result.outputBytes} bytes\n...\n${result.output}` : result.output;
    if (result.error) {
      logger.error('Failed to run watch handler', { handler: name, error: result.error });
    } else if (result.exitCode !== 0) {
      const why = result.signal ? `signal: ${result.signal}` : `exit status ${result.exitCode}`;
      logger.error('Failed to run watch handler', { handler: name, error: why, index, output: options.output === 'inherit' ? undefined : output });
    } else {
      logger.debug('Watch handler output', { handler: name, index, output: options.output === 'inherit' ? undefined : output });
    }
  };
}
