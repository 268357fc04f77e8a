// Agent RPC in-process against a server that speaks only WebSocket RPC (an HTTP server passing /rpc upgrades, as
// servers did before the plain protocol): the client's protocol byte is answered with HTTP 400, and it falls back to
// WebSocket for that server. Typed log errors are rebuilt on the caller.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogFailedError, NoLeaderError } from '@conclave/state';
import { RpcClient, RpcError, RpcServer, RPC_PATH } from '../src/cluster/rpc.js';

describe('agent RPC', () => {
  const server = http.createServer();
  const rpcServer = new RpcServer(async (method, args) => {
    if (method === 'echo') return args;
    if (method === 'no-leader') throw new NoLeaderError();
    if (method === 'log-failed') throw new LogFailedError('disk full');
    throw new Error(`rpc: unknown method ${method}`);
  });
  const client = new RpcClient();
  let address = '';

  beforeAll(async () => {
    server.on('upgrade', (req, socket, head) => {
      if (req.url === RPC_PATH) rpcServer.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    client.close();
    rpcServer.close();
    await new Promise((r) => server.close(r));
  });

  it('answers with the handler result', async () => {
    expect(await client.call(address, 'echo', { a: [1, 2] }, 2000)).toEqual({ a: [1, 2] });
  });

  it('rebuilds typed log errors with their class and message', async () => {
    const err = await client.call(address, 'no-leader', null, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoLeaderError);
    expect((err as Error).message).toBe('No cluster leader');
    await expect(client.call(address, 'log-failed', null, 2000)).rejects.toThrow(LogFailedError);
  });

  it('answers other handler errors as non-transport RpcError, and an unreachable server as a transport one', async () => {
    const err = (await client.call(address, 'nope', null, 2000).catch((e: unknown) => e)) as RpcError;
    expect(err).toBeInstanceOf(RpcError);
    expect(err.transport).toBe(false);
    expect(err.message).toBe('rpc: unknown method nope');
    const down = (await client.call('127.0.0.1:1', 'echo', null, 2000).catch((e: unknown) => e)) as RpcError;
    expect(down.transport).toBe(true);
  });
});
