// Starts the built `conclave` binary as a real process on free ports, for end-to-end tests.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const CONCLAVE_BIN = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
const execFileP = promisify(execFile);

import { freePort } from '@conclave/test-support/free-port';

export { freePort };

/**
 * Printed once every listener (HTTP, then DNS, which is imported and bound after HTTP) is up and just
 * before the signal handlers are installed. HTTP answering alone is not readiness: a dig or a SIGHUP sent
 * then can find no DNS socket or no handler (under load, seconds apart). After the banner, one HTTP answer
 * means the agent's event loop has run past the handler installation too.
 */
export const AGENT_RUNNING = '==> Conclave agent running!';

export interface AgentProcess {
  proc: ChildProcess;
  httpPort: number;
  dnsPort: number;
  /** Gossip (Serf LAN) port, UDP and TCP. */
  serfPort: number;
  httpAddr: string;
  /** Everything the agent printed so far (stdout + stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startDevAgent(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<AgentProcess> {
  const httpPort = await freePort();
  const dnsPort = await freePort();
  const serfPort = await freePort();
  const args = [
    CONCLAVE_BIN,
    'agent',
    '-dev',
    '-http-port',
    String(httpPort),
    '-dns-port',
    String(dnsPort),
    '-serf-lan-port',
    String(serfPort),
    ...extraArgs,
  ];
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const httpAddr = `127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`agent exited with ${proc.exitCode}:\n${out}`);
    try {
      const ready = out.includes(AGENT_RUNNING);
      const res = await fetch(`http://${httpAddr}/v1/status/leader`);
      if (res.ok && (await res.json()) !== '' && ready) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`agent did not become ready:\n${out}`);
    }
    await sleep(50);
  }
  return {
    proc,
    httpPort,
    dnsPort,
    serfPort,
    httpAddr,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs the built CLI with arguments; resolves with exit code and output, never throws on non-zero. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CONCLAVE_BIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Real `dig` against the agent; returns the answer section lines `name ttl class type data`. */
export async function dig(port: number, name: string, type = 'A', extra: string[] = []): Promise<DigResult> {
  const { stdout } = await execFileP('dig', ['@127.0.0.1', '-p', String(port), name, type, '+time=2', '+tries=1', ...extra]);
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
  const flags = /flags: ([^;]*);/.exec(stdout)?.[1]?.trim().split(/\s+/) ?? [];
  const section = (title: string) => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(\\n\\n|$)`).exec(stdout);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/)) : [];
  };
  return { status, flags, answer: section('ANSWER'), authority: section('AUTHORITY'), additional: section('ADDITIONAL'), raw: stdout };
}

export interface DigResult {
  status: string;
  flags: string[];
  answer: string[][];
  authority: string[][];
  additional: string[][];
  raw: string;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

