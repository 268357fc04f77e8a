// A real `conclave agent -dev` on free ports, for tests that need Consul's session and lock semantics (the fake
// IndexServer has neither). It runs the built binary: the client package cannot depend on the agent package,
// which depends on it. `npm test` builds everything first; alone, run `npx nx run-many -t build` once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@conclave/test-support/free-port';

const CONCLAVE_MAIN = fileURLToPath(new URL('../../../../apps/agent/dist/main.js', import.meta.url));

export interface DevAgent {
  httpAddr: string;
  stop(): Promise<void>;
}


export async function startDevAgent(): Promise<DevAgent> {
  if (!existsSync(CONCLAVE_MAIN)) throw new Error(`${CONCLAVE_MAIN} is missing: build first (npx nx run-many -t build)`);
  const [http, dns, serf] = [await freePort(), await freePort(), await freePort()];
  const args = [CONCLAVE_MAIN, 'agent', '-dev', '-http-port', String(http), '-dns-port', String(dns), '-serf-lan-port', String(serf)];
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const httpAddr = `127.0.0.1:${http}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`agent exited with ${proc.exitCode}:\n${output}`);
    const leader = await fetch(`http://${httpAddr}/v1/status/leader`).then((r) => (r.ok ? r.json() : ''), () => '');
    if (leader !== '') break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`agent did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    httpAddr,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
