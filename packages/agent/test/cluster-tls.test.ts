// ClusterTls between a real RpcClient and a real server port over TLS: verify_server_hostname accepts only a
// certificate for server.<dc>.<domain> (a client certificate from the same CA cannot pose as a server),
// verify_outgoing checks the CA, and reload takes new files or keeps the old ones.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAgentCa, createAgentCert } from '@conclave/tls';
import { defaultConfig, type AgentConfig } from '../src/config/agent-config.js';
import { ClusterTls } from '../src/cluster/cluster-tls.js';
import { RpcClient, RpcServer, RPC_PATH } from '../src/cluster/rpc.js';
import { ServerPort } from '../src/cluster/server-port.js';
import { serverTlsOptions } from '../src/tls-options.js';

const dir = mkdtempSync(join(tmpdir(), 'conclave-cluster-tls-unit-'));
const ca = createAgentCa();
const otherCa = createAgentCa();
const files: Record<string, string> = {};
function save(name: string, pem: string): string {
  const p = join(dir, name);
  writeFileSync(p, pem);
  return (files[name] = p);
}
save('ca.pem', ca.cert);
save('other-ca.pem', otherCa.cert);
for (const [name, pair] of [
  ['server', createAgentCert({ role: 'server', ca })],
  ['client', createAgentCert({ role: 'client', ca })],
  ['server-dc2', createAgentCert({ role: 'server', ca, datacenter: 'dc2' })],
] as const) {
  save(`${name}.pem`, pair.cert);
  save(`${name}-key.pem`, pair.key);
}

function config(cert: string, internal: { verifyServerHostname?: boolean } = {}, caFile = files['ca.pem']!): AgentConfig {
  const c = defaultConfig('n1');
  c.tls.defaults = { caFile, certFile: files[`${cert}.pem`], keyFile: files[`${cert}-key.pem`], verifyIncoming: true, verifyOutgoing: true };
  c.tls.internalRpc = internal;
  return c;
}

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A server port over TLS presenting `cert`, answering RPC `ping` with its argument. */
async function serverPresenting(cert: string): Promise<string> {
  const port = new ServerPort(serverTlsOptions(config(cert).tls.defaults, 'test'));
  const rpc = new RpcServer(async (_m, args) => args);
  port.route(RPC_PATH, (req, socket, head) => rpc.handleUpgrade(req, socket, head));
  await port.listen(0, '127.0.0.1');
  open.push({ close: () => rpc.close() }, port);
  return `127.0.0.1:${((port as unknown as { server: { address(): AddressInfo } }).server.address()).port}`;
}

function client(tls: ClusterTls): RpcClient {
  const c = new RpcClient(() => tls.dialOptions());
  open.push(c);
  return c;
}

describe('ClusterTls dials', () => {
  it('verify_server_hostname: a server certificate for server.dc1.consul is accepted', async () => {
    const addr = await serverPresenting('server');
    const tls = new ClusterTls(config('client', { verifyServerHostname: true }));
    expect(await client(tls).call(addr, 'ping', 'pong', 5000)).toBe('pong');
  });

  it('verify_server_hostname: a client certificate of the same CA posing as a server is refused', async () => {
    const addr = await serverPresenting('client');
    const tls = new ClusterTls(config('client', { verifyServerHostname: true }));
    await expect(client(tls).call(addr, 'ping', 'pong', 5000)).rejects.toThrow(/Hostname\/IP does not match certificate's altnames: Host: server\.dc1\.consul/);
  });

  it("verify_server_hostname: another datacenter's server certificate is refused", async () => {
    const addr = await serverPresenting('server-dc2');
    const tls = new ClusterTls(config('client', { verifyServerHostname: true }));
    await expect(client(tls).call(addr, 'ping', 'pong', 5000)).rejects.toThrow(/Host: server\.dc1\.consul/);
  });

  it('without verify_server_hostname the CA is still checked (verify_outgoing), the name is not', async () => {
    const addr = await serverPresenting('client');
    expect(await client(new ClusterTls(config('client'))).call(addr, 'ping', 'pong', 5000)).toBe('pong');
    const stranger = new ClusterTls(config('client', {}, files['other-ca.pem']));
    await expect(client(stranger).call(addr, 'ping', 'pong', 5000)).rejects.toThrow(/unable to verify the first certificate|self.signed|unable to get local issuer/);
  });

  it('no TLS settings: plain dials, no server options', () => {
    const tls = new ClusterTls(defaultConfig('n1'));
    expect(tls.dialOptions()).toBeUndefined();
    expect(tls.serverOptions()).toBeUndefined();
  });

  it('load() with unusable files throws naming them and keeps the previous material', () => {
    const tls = new ClusterTls(config('server'));
    const before = tls.dialOptions();
    const broken = config('server');
    broken.tls.defaults.keyFile = files['client-key.pem'];
    expect(() => tls.load(broken)).toThrow(/tls\.internal_rpc: key_file .*client-key\.pem does not match cert_file .*server\.pem/);
    expect(tls.dialOptions()).toBe(before);
  });
});
