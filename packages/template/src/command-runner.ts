// Runs a template's command after a real change: a string goes through `sh -c` (as consul-template
// does on Unix), a list is executed directly. Output is captured (bounded), and the process (group)
// is killed when it exceeds its timeout. Never throws: failures are reported in the result.
import { spawn } from 'node:child_process';

export interface CommandResult {
  command: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Combined stdout and stderr, truncated to the last 64 KiB. */
  output: string;
  /** Set when the command could not be started at all. */
  error?: string;
  durationMs: number;
}

const MAX_OUTPUT = 64 * 1024;

export function runCommand(
  command: string | string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  const started = Date.now();
  const display = Array.isArray(command) ? command.join(' ') : command;
  const [file, args] = Array.isArray(command) ? [command[0]!, command.slice(1)] : ['/bin/sh', ['-c', command]];
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const append = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > MAX_OUTPUT) output = output.slice(output.length - MAX_OUTPUT);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        // The whole group, so that `sh -c` children die too.
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs ?? 30_000);
    const finish = (r: Omit<CommandResult, 'command' | 'durationMs' | 'output' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ command: display, output, timedOut, durationMs: Date.now() - started, ...r });
    };
    child.on('error', (e) => finish({ exitCode: null, signal: null, error: e.message }));
    child.on('close', (code, sig) => finish({ exitCode: code, signal: sig }));
  });
}
