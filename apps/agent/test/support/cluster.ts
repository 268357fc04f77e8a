// Starts agents in cluster mode as separate processes on 127.0.0.1, each with its own ports and data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_RUNNING, CONCLAVE_BIN, freePort, sleep } from './agent-process.js';

export interface ClusterAgent {
  name: string;
  server: boolean;
  dataDir: string;
  ports: { http: number; dns: number; serf: number; server: number; serfWan?: number };
  httpAddr: string;
  proc: ChildProcess;
  output(): string;
  /** Extra arguments it was started with (reused by restart). */
  args: string[];
}

export async function allocate(name: string, server: boolean, root = mkdtempSync(join(tmpdir(), 'conclave-cluster-'))) {
  return {
    name,
    server,
    dataDir: join(root, name),
    // Servers also run the WAN pool: its own port, so that servers of one test (or of parallel tests) never share 8302.
    ports: { http: await freePort(), dns: await freePort(), serf: await freePort(), server: await freePort(), ...(server ? { serfWan: await freePort() } : {}) },
  };
}

export async function startClusterAgent(
  spec: { name: string; server: boolean; dataDir: string; ports: ClusterAgent['ports'] },
  args: string[],
  /** Extra environment (e.g. NODE_OPTIONS for a probe). */
  env: NodeJS.ProcessEnv = {},
): Promise<ClusterAgent> {
  const argv = [
    CONCLAVE_BIN,
    'agent',
    '-node',
    spec.name,
    '-data-dir',
    spec.dataDir,
    '-bind',
    '127.0.0.1',
    '-client',
    '127.0.0.1',
    '-http-port',
    String(spec.ports.http),
    '-dns-port',
    String(spec.ports.dns),
    '-serf-lan-port',
    String(spec.ports.serf),
    '-server-port',
    String(spec.ports.server),
    '-raft-multiplier',
    '1',
    ...(spec.server ? ['-server'] : []),
    ...(spec.ports.serfWan !== undefined ? ['-serf-wan-port', String(spec.ports.serfWan)] : []),
    ...args,
  ];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const httpAddr = `127.0.0.1:${spec.ports.http}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${spec.name} exited with ${proc.exitCode}:\n${out}`);
    try {
      // The banner first (every listener is up), then an HTTP answer (see AGENT_RUNNING).
      const ready = out.includes(AGENT_RUNNING);
      const res = await fetch(`http://${httpAddr}/v1/agent/self`);
      // 403: ACLs with default_policy deny refuse anonymous requests, which still proves the agent answers.
      if ((res.ok || res.status === 403) && ready) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${spec.name} did not start:\n${out}`);
    }
    await sleep(50);
  }
  return { ...spec, httpAddr, proc, output: () => out, args };
}

export function stopAgent(agent: ClusterAgent, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (agent.proc.exitCode !== null || agent.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    agent.proc.once('exit', () => resolve());
    agent.proc.kill(signal);
  });
}
