// consul-template's exec mode child (its `child` package): one supervised process started after the first
// complete render. A change either sends the reload signal (after a random splay) or, without one, stops
// the process and starts a new one. Stopping sends the kill signal and waits up to the kill timeout before
// SIGKILL. Signals are forwarded; when the process exits on its own, `onExit` reports its exit code.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { silentLogger, type Logger } from '@conclave/toolkit';

/** A signal name as consul-template accepts it; SIGNULL is "no signal" (sending it does nothing). */
export type SignalName = NodeJS.Signals | 'SIGNULL';

export interface ExecChildOptions {
  /** The command as configured: one string with spaces runs under `sh -c`, else argv (consul-template's CommandPrep). */
  command: string[];
  env?: NodeJS.ProcessEnv;
  /** undefined: restart on change instead of signalling (consul-template's default). */
  reloadSignal?: SignalName;
  /** Default SIGINT; undefined after an explicit "" means: SIGKILL at once. */
  killSignal?: SignalName | null;
  /** Default 30 s. */
  killTimeoutMs?: number;
  /** Random delay in [0, splay) before a reload or a stop, so that many instances do not restart together. */
  splayMs?: number;
  stdio?: StdioOptions;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** The process exited without being asked to (exit code; a signal death is 255, like Go's -1 status). */
  onExit?: (code: number) => void;
  random?: () => number;
}

/** consul-template's CommandPrep: `["a b"]` → `sh -c "a b"` in its own process group; `["a"]`, `["a", "b"]` as is. */
export function prepareCommand(command: readonly string[]): { argv: string[]; subshell: boolean } {
  if (command.length === 1 && command[0]!.trim().split(/\s+/).length > 1) return { argv: ['/bin/sh', '-c', command[0]!], subshell: true };
  if (command.length >= 1 && command[0]!.trim() !== '') return { argv: [...command], subshell: false };
  throw new Error('failed parsing command: exec: executable file not found in $PATH');
}

/** Go's ExitStatus(): the code, or -1 (exit 255) when a signal ended the process. */
function exitStatus(code: number | null): number {
  return code ?? 255;
}

export class ExecChild {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Set while we stop or restart the process ourselves, so that its exit is not reported as a death. */
  private expected = new WeakSet<ChildProcess>();
  private stopped = false;
  private readonly log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  private readonly argv: string[];
  private readonly subshell: boolean;
  private stopSplay: AbortController = new AbortController();

  constructor(private readonly options: ExecChildOptions) {
    this.log = options.logger ?? silentLogger;
    const p = prepareCommand(options.command);
    this.argv = p.argv;
    this.subshell = p.subshell;
  }

  get pid(): number | undefined {
    return this.running ? this.proc!.pid : undefined;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Spawns the process; rejects when it cannot start (missing executable). */
  async start(): Promise<void> {
    this.log.info(`(child) spawning: ${this.argv.join(' ')}`);
    const proc = spawn(this.argv[0]!, this.argv.slice(1), {
      env: this.options.env ?? process.env,
      stdio: this.options.stdio ?? 'inherit',
      // A subshell gets its own process group (setpgid) so that signals reach what it started.
      detached: this.subshell,
    });
    await new Promise<void>((resolve, reject) => {
      proc.once('spawn', resolve);
      proc.once('error', reject);
    });
    this.proc = proc;
    this.exited = new Promise<void>((resolve) => {
      proc.once('exit', (code) => {
        resolve();
        if (this.expected.has(proc) || this.stopped) return;
        this.options.onExit?.(exitStatus(code));
      });
    });
  }

  /** consul-template's Signal: the reload signal reloads, the kill signal kills at once, others are forwarded. */
  async signal(sig: SignalName): Promise<void> {
    this.log.info(`(child) receiving signal "${sig}"`);
    if (this.options.reloadSignal !== undefined && sig === this.options.reloadSignal) return this.reloadBySignal();
    // Killed on request, the process's exit is still reported (consul-template then exits with its code).
    if (sig === (this.options.killSignal ?? 'SIGINT')) return this.kill(true, true);
    this.send(sig);
  }

  /** After a change: the reload signal (after splay) or, without one, stop and start again. */
  async reload(): Promise<void> {
    if (this.stopped) return;
    if (this.options.reloadSignal === undefined) {
      this.log.info('(child) restarting process');
      await this.kill(false);
      if (!this.stopped) await this.start();
      return;
    }
    this.log.info('(child) reloading process');
    await this.reloadBySignal();
  }

  /** Stops the process for good (kill signal, kill timeout, SIGKILL); `immediately` skips the splay. */
  async stop(immediately = false): Promise<void> {
    if (this.stopped) return;
    this.log.info('(child) stopping process');
    await this.kill(immediately);
    this.stopped = true;
    this.stopSplay.abort();
  }

  private async reloadBySignal(): Promise<void> {
    await this.splay();
    this.send(this.options.reloadSignal!);
  }

  private send(sig: SignalName): void {
    if (!this.running || sig === 'SIGNULL') return;
    const pid = this.proc!.pid!;
    try {
      process.kill(this.subshell ? -pid : pid, sig);
    } catch (e) {
      this.log.error(`(child) signal ${sig} failed: ${(e as Error).message}`);
    }
  }

  private async kill(immediately: boolean, reportExit = false): Promise<void> {
    if (!this.running) {
      this.log.debug('(child) Kill() called but process dead; not waiting for splay.');
      return;
    }
    if (!immediately) await this.splay();
    const proc = this.proc!;
    if (!this.running) return;
    if (!reportExit) this.expected.add(proc);
    const killSignal = this.options.killSignal === undefined ? 'SIGINT' : this.options.killSignal;
    if (killSignal !== null) {
      this.send(killSignal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.options.killTimeoutMs ?? 30_000))),
      ]);
      clearTimeout(timer);
      if (!timedOut) return;
      this.log.warn(`(child) process did not exit within ${this.options.killTimeoutMs ?? 30_000} ms of ${killSignal}; killing it`);
    }
    this.send('SIGKILL');
    await this.exited;
  }

  private async splay(): Promise<void> {
    const splayMs = this.options.splayMs ?? 0;
    if (splayMs <= 0) return;
    const ms = Math.floor((this.options.random ?? Math.random)() * splayMs);
    this.log.debug(`(child) waiting ${(ms / 1000).toFixed(2)}s for random splay`);
    const signal = this.stopSplay.signal;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }
}

/** consul-template's signal names (signals.Parse): case-insensitive, SIGNULL included as "no signal". */
export function parseSignalName(s: string): SignalName {
  const name = s.toUpperCase();
  if (name === 'SIGNULL') return 'SIGNULL';
  if (VALID_SIGNALS.includes(name) && name in osConstants.signals) return name as NodeJS.Signals;
  throw new Error(`invalid signal "${s}" - valid signals are [${VALID_SIGNALS.map((n) => `"${n}"`).join(' ')}]`);
}

/** The signals consul-template knows on Unix (signals_unix.go), sorted as Go prints them. */
export const VALID_SIGNALS = [
  'SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGCONT', 'SIGFPE', 'SIGHUP', 'SIGILL', 'SIGINT', 'SIGIO', 'SIGIOT', 'SIGKILL', 'SIGNULL',
  'SIGPIPE', 'SIGPROF', 'SIGQUIT', 'SIGSEGV', 'SIGSTOP', 'SIGSYS', 'SIGTERM', 'SIGTRAP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
  'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGXCPU', 'SIGXFSZ',
];
