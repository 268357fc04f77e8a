// The `apply` RPC with ACLs on: a real RPC server (the server's handler, checking tokens against the replicated ACL
// tables) and a client agent's RemoteLog over a real WebSocket. A write without a token that may make it is
// refused with Consul's 403 text and changes nothing; the agent token's node/service write lets the anti-entropy
// registration through; with ACLs off (no check) a token-less apply still works.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateTokenResolver } from '@conclave/http-api';
import { StateMachine, type AclTokenInput, type Command } from '@conclave/state';
import { LocalLog } from '../src/local-log.js';
import { RemoteLog } from '../src/cluster/remote-log.js';
import { RpcClient, RpcServer, RPC_PATH } from '../src/cluster/rpc.js';
import { serverRpcHandler } from '../src/cluster/server-rpc.js';
import { authorizeApply } from '../src/cluster/apply-permissions.js';

function token(accessor: string, secret: string, policy: string): AclTokenInput {
  return {
    AccessorID: accessor,
    SecretID: secret,
    Description: '',
    Policies: [{ ID: policy }],
    Roles: [],
    ServiceIdentities: [],
    NodeIdentities: [],
    Local: false,
    CreateTime: '2026-12-07T00:00:00Z',
  };
}

const register: Command = {
  type: 'catalog.register',
  Node: 'client-1',
  Address: '10.0.0.5',
  Service: { ID: 'web-1', Service: 'web', Tags: [], Port: 80 } as never,
};

describe('apply RPC with ACLs', () => {
  const state = new StateMachine();
  const local = new LocalLog((cmd: Command, index) => state.apply(cmd, index));
  const resolver = new StateTokenResolver(state, { defaultPolicy: 'deny', datacenter: 'dc1', defaultToken: () => '' });
  const secured = serverRpcHandler({
    log: { apply: (command) => local.propose(command) },
    http: { call: () => Promise.reject(new Error('unused')) },
    authorizeApply: (secret, cmd) => authorizeApply(resolver.resolve(secret), cmd, (id) => state.sessions.info(id).value[0]?.Node),
  });
  const open = serverRpcHandler({ log: { apply: (command) => local.propose(command) }, http: { call: () => Promise.reject(new Error('unused')) } });
  const server = http.createServer();
  const openServer = http.createServer();
  const rpcSecured = new RpcServer(secured);
  const rpcOpen = new RpcServer(open);
  const client = new RpcClient();
  let address = '';
  let openAddress = '';

  beforeAll(async () => {
    await local.propose({ type: 'acl.policy.set', Policy: { ID: 'p-agent', Name: 'agent', Description: '', Rules: 'node "client-1" { policy = "write" }\nservice "web" { policy = "write" }', Datacenters: [] } });
    await local.propose({ type: 'acl.policy.set', Policy: { ID: 'p-kv', Name: 'kv', Description: '', Rules: 'key_prefix "app/" { policy = "write" }', Datacenters: [] } });
    await local.propose({ type: 'acl.token.set', Token: token('a-agent', 'agent-secret', 'p-agent') });
    await local.propose({ type: 'acl.token.set', Token: token('a-kv', 'kv-secret', 'p-kv') });
    server.on('upgrade', (req, socket, head) => {
      if (req.url === RPC_PATH) rpcSecured.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    openServer.on('upgrade', (req, socket, head) => {
      if (req.url === RPC_PATH) rpcOpen.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => openServer.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    openAddress = `127.0.0.1:${(openServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    client.close();
    rpcSecured.close();
    rpcOpen.close();
    await new Promise((r) => server.close(r));
    await new Promise((r) => openServer.close(r));
  });

  it('refuses an apply without a token (anonymous) and with an unknown token, changing nothing', async () => {
    await expect(new RemoteLog(() => [address], client).propose(register)).rejects.toThrow(
      "Permission denied: token with AccessorID '00000000-0000-0000-0000-000000000002' lacks permission 'node:write' on \"client-1\"",
    );
    await expect(new RemoteLog(() => [address], client, () => 'no-such-secret').propose(register)).rejects.toThrow('ACL not found');
    expect(state.catalog.getNode('client-1')).toBeUndefined();
  });

  it('lets the agent token register its node and service, and refuses what it does not cover', async () => {
    const log = new RemoteLog(() => [address], client, () => 'agent-secret');
    expect((await log.propose(register)).result).toBe(true);
    expect(state.catalog.getNode('client-1')).toBeDefined();
    await expect(log.propose({ ...register, Service: { ...(register as { Service: object }).Service, Service: 'db' } } as Command)).rejects.toThrow(
      "Permission denied: token with AccessorID 'a-agent' lacks permission 'service:write' on \"db\"",
    );
    await expect(log.propose({ type: 'catalog.deregister', Node: 'other' })).rejects.toThrow("lacks permission 'node:write' on \"other\"");
    await expect(log.propose({ type: 'kv.set', Key: 'app/x', Value: null, Flags: '0' })).rejects.toThrow("lacks permission 'key:write' on \"app/x\"");
  });

  it('checks KV writes (a tree delete on every key under it) and takes management for anything else', async () => {
    const log = new RemoteLog(() => [address], client, () => 'kv-secret');
    expect((await log.propose({ type: 'kv.set', Key: 'app/x', Value: null, Flags: '0' })).result).toBe(true);
    expect((await log.propose({ type: 'kv.delete-tree', Key: 'app/' })).result).toBe(true);
    await expect(log.propose({ type: 'kv.delete-tree', Key: 'ap' })).rejects.toThrow("lacks permission 'key:write' on \"ap\"");
    await expect(log.propose({ type: 'kv.reap-tombstones', ReapIndex: 1 })).rejects.toThrow("lacks permission 'acl:write'");
    await expect(log.propose({ type: 'acl.token.delete', AccessorID: 'a-agent' })).rejects.toThrow("lacks permission 'acl:write'");
    expect(state.acl.token('a-agent')).toBeDefined();
  });

  it('with ACLs off, a token-less apply is proposed as before', async () => {
    const r = await new RemoteLog(() => [openAddress], client).propose({ type: 'kv.set', Key: 'anywhere', Value: null, Flags: '0' });
    expect(r.result).toBe(true);
    expect(state.kv.entry('anywhere')).toBeDefined();
  });
});
