// Runs `conclave ...` in-process through runCli with captured streams, and starts a dev agent in this process (the
// cli package depends on @conclave/agent anyway) on free ports, so the command tests need no built binary.
import { Readable, Writable } from 'node:stream';
import { Agent, buildAgentConfig } from '@conclave/agent';
import { createLogger, type RootLogger } from '@conclave/toolkit';
import { runCli, type CliIo } from '../../src/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for binary values. */
  raw: Buffer;
}

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
}

export async function run(argv: string[], options: { env?: Record<string, string | undefined>; stdin?: string | Buffer; cwd?: string } = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: CliIo = {
    stdout: collector(out),
    stderr: collector(err),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: options.env ?? {},
    cwd: options.cwd,
  };
  const code = await runCli(argv, io);
  const raw = Buffer.concat(out);
  return { code, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw };
}

import { freePort } from '@conclave/test-support/free-port';

export { freePort };

export interface TestAgent {
  httpAddr: string;
  /** The environment that points the commands at this agent. */
  env: Record<string, string>;
  /** runCli against this agent. */
  run(argv: string[], stdin?: string | Buffer): Promise<CliResult>;
  /** One HTTP API request with a token: its status and JSON body (undefined when not JSON). */
  api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

export async function startAgent(nodeName = 'cli-test', logger: RootLogger = createLogger('error', 'agent', () => undefined), extraArgs: string[] = []): Promise<TestAgent> {
  const ports = ['-http-port', '-dns-port', '-serf-lan-port', '-serf-wan-port', '-server-port'];
  const args = ['-dev', '-node', nodeName, ...extraArgs];
  for (const flag of ports) args.push(flag, String(await freePort()));
  const { config } = buildAgentConfig(args);
  const agent = await Agent.start(config, logger);
  const httpAddr = agent.httpAddress;
  for (const deadline = Date.now() + 20_000; ; ) {
    const leader = await fetch(`http://${httpAddr}/v1/status/leader`).then((r) => (r.ok ? r.json() : ''), () => '');
    if (leader !== '') break;
    if (Date.now() > deadline) throw new Error('the dev agent elected no leader');
    await new Promise((r) => setTimeout(r, 50));
  }
  const env = { CONSUL_HTTP_ADDR: httpAddr };
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`http://${httpAddr}${path}`, { method, headers: { 'X-Consul-Token': token }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  };
  return { httpAddr, env, run: (argv, stdin) => run(argv, { env, stdin }), api, stop: () => agent.shutdown() };
}
