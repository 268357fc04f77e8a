// A server's RPC limits on a real port: limits.rpc_max_conns_per_client refuses connections from one IP beyond
// the limit (and frees a place when one closes); a client agent's limits.rpc_rate refuses calls over its rate
// with Consul's "RPC rate limit exceeded" before anything is sent.
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedError, TokenBucket, createLogger } from '@conclave/toolkit';
import { defaultConfig } from '../src/config/agent-config.js';
import { ClusterTls } from '../src/cluster/cluster-tls.js';
import { RpcClient } from '../src/cluster/rpc.js';
import { ServerListener } from '../src/cluster/server-listener.js';
import { freePort } from '@conclave/test-support/free-port';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function listener(maxConns: number, logs: string[]): Promise<number> {
  const raft = {
    log: { apply: async () => ({ index: 1, result: true }) },
    transport: { handleUpgrade: () => undefined },
  } as unknown as ConstructorParameters<typeof ServerListener>[0];
  const l = new ServerListener(raft, () => undefined, new ClusterTls(defaultConfig('n1')), createLogger('warn', 'agent.server', (line) => logs.push(line)), maxConns);
  const port = await freePort();
  await l.listen(port, '127.0.0.1', createLogger('off'));
  closers.push(() => l.close());
  return port;
}

const open = (port: number) =>
  new Promise<WebSocket | Error>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc`);
    ws.once('open', () => resolve(ws));
    ws.once('error', (err) => resolve(err));
  });

describe('rpc_max_conns_per_client', () => {
  it('refuses the connection over the limit from one IP, and takes one again when a place frees', async () => {
    const logs: string[] = [];
    const port = await listener(2, logs);
    const a = await open(port);
    const b = await open(port);
    expect(a).toBeInstanceOf(WebSocket);
    expect(b).toBeInstanceOf(WebSocket);
    const c = await open(port);
    expect(c).toBeInstanceOf(Error);
    expect(logs.join('\n')).toMatch(/\[WARN\]  agent\.server: Refused RPC connection: too many from one client: from=127\.0\.0\.1 limit=2/);
    await new Promise<void>((resolve) => {
      (a as WebSocket).once('close', () => resolve());
      (a as WebSocket).close();
    });
    // The server sees the close a moment after the client does.
    let d: WebSocket | Error = new Error('not tried');
    for (let i = 0; i < 50 && !(d instanceof WebSocket); i++) {
      d = await open(port);
      if (!(d instanceof WebSocket)) await new Promise((r) => setTimeout(r, 20));
    }
    expect(d).toBeInstanceOf(WebSocket);
    for (const ws of [b, d]) (ws as WebSocket).terminate();
  });
});

describe('rpc_rate on a client agent', () => {
  it('refuses calls over the rate before sending them', async () => {
    const port = await listener(0, []);
    let t = 0;
    const client = new RpcClient(undefined, new TokenBucket(1, 1, () => t));
    closers.push(() => client.close());
    expect(await client.call(`127.0.0.1:${port}`, 'apply', { command: { type: 'kv.set' }, hops: 0 }, 5000)).toEqual({ index: 1, result: true });
    await expect(client.call(`127.0.0.1:${port}`, 'apply', {}, 5000)).rejects.toThrow(RateLimitedError);
    await expect(client.call(`127.0.0.1:${port}`, 'apply', {}, 5000)).rejects.toThrow('RPC rate limit exceeded');
    t = 1000;
    expect(await client.call(`127.0.0.1:${port}`, 'apply', { command: { type: 'kv.set' }, hops: 0 }, 5000)).toEqual({ index: 1, result: true });
  });
});
