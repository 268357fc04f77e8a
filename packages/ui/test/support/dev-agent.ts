// A real `conclave agent -dev` (the built binary) on free ports, restartable on the same ports so a test can
// take the agent away and bring it back. `npm test` builds everything first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@conclave/test-support/free-port';

const CONCLAVE_MAIN = fileURLToPath(new URL('../../../../apps/agent/dist/main.js', import.meta.url));

export interface DevAgent {
  base: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startDevAgent(extra: string[] = []): Promise<DevAgent> {
  if (!existsSync(CONCLAVE_MAIN)) throw new Error(`${CONCLAVE_MAIN} is missing: build first (npx nx run-many -t build)`);
  const [http, serf, server] = [await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${http}`;
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const args = [CONCLAVE_MAIN, 'agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-serf-lan-port', String(serf), '-server-port', String(server), ...extra];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    let output = '';
    p.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`agent exited with ${p.exitCode}:\n${output}`);
      const leader = await fetch(`${base}/v1/status/leader`).then((r) => (r.ok ? r.json() : ''), () => '');
      if (leader !== '') return;
      if (Date.now() > deadline) {
        p.kill('SIGKILL');
        throw new Error(`agent did not become ready:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    base,
    start,
    stop: async () => {
      if (proc && proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
