// Runs a script check: argv executed directly (`args`), or a legacy `script` string through `/bin/sh -c`.
// Exit 0 is passing, 1 warning, anything else (or failing to start) critical, as Nagios plugins report.

import { formatGoDuration, TailBuffer } from '@conclave/toolkit';
import { spawn, type ChildProcess } from 'node:child_process';
import { type CheckDefinition, DEFAULT_SCRIPT_TIMEOUT_NS } from './check-definition.js';
import { type CheckResult, type ProbeOptions, PROBE_ABORTED_OUTPUT } from './check-result.js';

export type ScriptCheckSpec = Pick<CheckDefinition, 'args' | 'script' | 'timeoutNs' | 'outputMaxSize'>;

// After the process group is killed, pipes close at once unless something escaped the group (a daemonised
// grandchild); this bounds how long a run then waits for them so the next run is never blocked forever.
const PIPE_DRAIN_GRACE_MS = 2000;

export function runScriptCheck(spec: ScriptCheckSpec, opts: ProbeOptions = {}): Promise<CheckResult> {
  const argv = spec.args && spec.args.length > 0 ? spec.args : ['/bin/sh', '-c', spec.script ?? ''];
  const timeoutNs = spec.timeoutNs > 0 ? spec.timeoutNs : DEFAULT_SCRIPT_TIMEOUT_NS;
  const output = new TailBuffer(spec.outputMaxSize);
  const signal = opts.signal;
  if (signal?.aborted) return Promise.resolve({ status: 'critical', output: PROBE_ABORTED_OUTPUT });

  return new Promise<CheckResult>((resolve) => {
    let child: ChildProcess;
    try {
      // detached: the script leads a new process group, so a timeout can kill everything it started.
      child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ status: 'critical', output: (err as Error).message });
      return;
    }

    let settled = false;
    let ending: 'timeout' | 'abort' | undefined;
    let exited = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(result);
    };

    const endedResult = (): CheckResult => {
      if (ending === 'abort') return { status: 'critical', output: PROBE_ABORTED_OUTPUT };
      let msg = `Timed out (${formatGoDuration(timeoutNs)}) running check`;
      const captured = output.captured();
      if (captured.length > 0) msg += '\n\n' + captured;
      return { status: 'critical', output: msg };
    };

    const killGroup = (why: 'timeout' | 'abort'): void => {
      ending ??= why;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // ESRCH: the group is already gone.
        }
      }
      if (exited) graceTimer ??= setTimeout(() => finish(endedResult()), PIPE_DRAIN_GRACE_MS);
    };

    const timer = setTimeout(() => killGroup('timeout'), Math.max(1, Math.min(timeoutNs / 1e6, 2 ** 31 - 1)));
    const onAbort = (): void => killGroup('abort');
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout!.on('data', (chunk: Buffer) => output.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => output.write(chunk));
    child.stdout!.on('error', () => {});
    child.stderr!.on('error', () => {});

    child.on('error', (err) => {
      // Failed to start (ENOENT, EACCES): there is no process to wait for.
      if (child.pid === undefined) finish({ status: 'critical', output: err.message });
    });
    child.on('exit', () => {
      exited = true;
      if (ending) graceTimer ??= setTimeout(() => finish(endedResult()), PIPE_DRAIN_GRACE_MS);
    });
    child.on('close', (code) => {
      if (ending) {
        finish(endedResult());
        return;
      }
      const text = output.captured();
      if (code === 0) finish({ status: 'passing', output: text });
      else if (code === 1) finish({ status: 'warning', output: text });
      else finish({ status: 'critical', output: text });
    });
  });
}
