// consul-template's syslog output (`-syslog`, `syslog { enabled, facility, name }`). Go's log/syslog sends each line
// as a datagram to /dev/log; Node.js cannot open a unix datagram socket, so one long-lived `logger` (util-linux)
// child receives the lines on its stdin, each with its `<priority>` prefix (--prio-prefix), and does the sending.
// The priority follows consul-template's mapping of its levels (DEBUG → info, INFO → notice, WARN → warning,
// ERR → err, anything else → notice); the message is what follows the level, as consul-template's wrapper cuts it.
// Lines still go to stderr as well. When `logger` is missing or cannot write, one warning says so on stderr.
import { spawn, type ChildProcess } from 'node:child_process';

/** Syslog facility codes by the names consul-template (go-syslog) accepts, case-insensitively. */
const FACILITIES: Record<string, number> = {
  KERN: 0, USER: 1, MAIL: 2, DAEMON: 3, AUTH: 4, SYSLOG: 5, LPR: 6, NEWS: 7, UUCP: 8, CRON: 9, AUTHPRIV: 10, FTP: 11,
  LOCAL0: 16, LOCAL1: 17, LOCAL2: 18, LOCAL3: 19, LOCAL4: 20, LOCAL5: 21, LOCAL6: 22, LOCAL7: 23,
};

const SEVERITY: Record<string, number> = { DEBUG: 6, INFO: 5, WARN: 4, ERR: 3 };
const NOTICE = 5;

export interface SyslogOptions {
  /** Default LOCAL0 (consul-template's). */
  facility?: string;
  /** The tag (program name); default "consul-template". */
  name?: string;
  /** Where `logger` sends: default its own (/dev/log); a UDP server as `host:port` for remote syslog. */
  server?: { host: string; port: number };
  /** Told once when `logger` fails (missing, no socket). */
  onError?: (message: string) => void;
}

export function syslogFacility(name: string): number {
  const code = FACILITIES[name.toUpperCase()];
  if (code === undefined) throw new Error(`error setting up syslog logger: unknown syslog facility "${name}" (use USER, DAEMON, LOCAL0 … LOCAL7, ...)`);
  return code;
}

/** The priority and message of one consul-template log line (`<time> [LEVEL] message`). */
export function syslogLine(line: string, facility: number): string {
  let priority = NOTICE;
  let message = line;
  const open = line.indexOf('[');
  const close = open >= 0 ? line.indexOf(']', open) : -1;
  if (close > open) {
    priority = SEVERITY[line.slice(open + 1, close)] ?? NOTICE;
    message = line.slice(close + 2);
  }
  return `<${facility * 8 + priority}>${message.replace(/\n/g, ' ')}`;
}

export class SyslogWriter {
  private readonly child: ChildProcess;
  private readonly facility: number;
  private failed = false;
  /** Resolves once logger has exited and its stderr is read to the end (so its last complaint is reported). */
  private readonly closed: Promise<void>;

  constructor(private readonly options: SyslogOptions = {}) {
    this.facility = syslogFacility(options.facility ?? 'LOCAL0');
    const args = ['--prio-prefix', '-t', options.name ?? 'consul-template'];
    if (options.server) args.push('-d', '-n', options.server.host, '-P', String(options.server.port), '--rfc3164');
    else args.push('--socket-errors=on');
    this.child = spawn('logger', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.closed = new Promise((resolve) => this.child.once('close', () => resolve()));
    let errText = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      if (errText.length < 2000) errText += d;
      this.fail(`syslog: ${errText.trim()}`);
    });
    this.child.on('error', (e) => this.fail(`syslog: cannot run logger: ${e.message}`));
    this.child.stdin!.on('error', () => undefined); // logger gone: reported through 'error' or stderr
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.options.onError?.(message);
  }

  /** Sends one consul-template formatted log line. Never throws. */
  write(line: string): void {
    if (this.failed || !this.child.stdin!.writable) return;
    this.child.stdin!.write(syslogLine(line, this.facility) + '\n');
  }

  /** Ends logger's input; it sends what it has and exits. */
  async close(): Promise<void> {
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.closed;
    clearTimeout(t);
  }
}
