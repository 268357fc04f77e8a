// A TLS cluster end to end: three servers and a client with certificates from `conclave tls`, Consul's
// verify_incoming / verify_outgoing / verify_server_hostname. The cluster forms and serves KV through the
// client (RPC over wss) and over HTTPS with the npm consul client; an agent whose certificate comes from another
// CA gossips but cannot reach a server; a client certificate is refused on the Raft path; a snapshot saved and
// restored through the client streams over the servers' TLS port.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import Consul from 'consul';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { CONCLAVE_BIN, freePort } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const root = mkdtempSync(join(tmpdir(), 'conclave-cluster-tls-'));
const certs = join(root, 'certs');
const foreign = join(root, 'foreign');
const cert = (name: string) => join(certs, name);
const tlsCli = (cwd: string, args: string[]) => execFileSync(process.execPath, [CONCLAVE_BIN, 'tls', ...args], { cwd, encoding: 'utf8' });
const agents: ClusterAgent[] = [];
let httpsPort: number;

function tlsConfig(dir: string, certName: string, extra: object = {}): string {
  const path = join(root, `${certName}-${agents.length}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      tls: {
        defaults: {
          ca_file: join(dir, 'consul-agent-ca.pem'),
          cert_file: join(dir, `${certName}.pem`),
          key_file: join(dir, `${certName}-key.pem`),
          verify_incoming: true,
          verify_outgoing: true,
        },
        internal_rpc: { verify_server_hostname: true },
      },
      ...extra,
    }),
  );
  return path;
}

const get = async (a: ClusterAgent, path: string) => {
  const res = await fetch(`http://${a.httpAddr}${path}`);
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  mkdirSync(certs);
  mkdirSync(foreign);
  tlsCli(certs, ['ca', 'create']);
  for (let i = 0; i < 3; i++) tlsCli(certs, ['cert', 'create', '-server']);
  tlsCli(certs, ['cert', 'create', '-client']);
  tlsCli(foreign, ['ca', 'create']);
  tlsCli(foreign, ['cert', 'create', '-client']);
  httpsPort = await freePort();
  const specs = await Promise.all(['s1', 's2', 's3', 'c1', 'x1'].map((n) => allocate(n, n.startsWith('s'), root)));
  const seed = `127.0.0.1:${specs[0]!.ports.serf}`;
  const servers = specs.slice(0, 3).map((spec, i) =>
    startClusterAgent(spec, [
      '-bootstrap-expect',
      '3',
      '-retry-join',
      seed,
      '-retry-interval',
      '1s',
      '-config-file',
      tlsConfig(certs, `dc1-server-consul-${i}`, i === 0 ? { ports: { https: httpsPort } } : {}),
    ]),
  );
  agents.push(...(await Promise.all(servers)));
  agents.push(await startClusterAgent(specs[3]!, ['-retry-join', seed, '-retry-interval', '1s', '-config-file', tlsConfig(certs, 'dc1-client-consul-0')]));
  agents.push(await startClusterAgent(specs[4]!, ['-retry-join', seed, '-retry-interval', '1s', '-config-file', tlsConfig(foreign, 'dc1-client-consul-0')]));
  await waitFor('a leader known to the client', async () => JSON.parse((await get(agents[3]!, '/v1/status/leader')).text) !== '', {
    timeoutMs: 40_000,
    intervalMs: 200,
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => stopAgent(a, 'SIGKILL')));
  rmSync(root, { recursive: true, force: true });
});

describe('a TLS cluster (verify_incoming, verify_outgoing, verify_server_hostname)', () => {
  it('forms and serves KV written through the client agent (RPC over wss) on every server', async () => {
    const [s1, s2, s3, c1] = agents;
    const put = await fetch(`http://${c1!.httpAddr}/v1/kv/tls/cluster`, { method: 'PUT', body: 'formed' });
    expect(await put.text()).toBe('true');
    for (const s of [s1!, s2!, s3!]) {
      await waitFor(`the key on ${s.name}`, async () => (await get(s, '/v1/kv/tls/cluster?raw&stale')).text === 'formed', { timeoutMs: 20_000 });
    }
    const peers = JSON.parse((await get(c1!, '/v1/status/peers')).text) as string[];
    expect(peers).toHaveLength(3);
  });

  it('serves the same data over HTTPS to the npm consul client with a client certificate', async () => {
    const consul = new Consul({
      host: '127.0.0.1',
      port: httpsPort,
      secure: true,
      agent: new https.Agent({ ca: readFileSync(cert('consul-agent-ca.pem')), cert: readFileSync(cert('dc1-client-consul-0.pem')), key: readFileSync(cert('dc1-client-consul-0-key.pem')) }),
    });
    expect((await consul.kv.get('tls/cluster'))?.Value).toBe('formed');
    expect(await consul.kv.set('tls/https', 'yes')).toBe(true);
  });

  it('saves and restores a snapshot through the client agent, streamed over the servers’ TLS port', async () => {
    const [s1, , , c1, x1] = agents;
    const saved = await fetch(`http://${c1!.httpAddr}/v1/snapshot`);
    expect(saved.status).toBe(200);
    const archive = Buffer.from(await saved.arrayBuffer());
    expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(await (await fetch(`http://${c1!.httpAddr}/v1/kv/tls/after-save`, { method: 'PUT', body: 'x' })).text()).toBe('true');
    const restored = await fetch(`http://${c1!.httpAddr}/v1/snapshot`, { method: 'PUT', body: archive });
    expect([restored.status, await restored.text()]).toEqual([200, '']);
    await waitFor('the restored state on s1', async () => (await get(s1!, '/v1/kv/tls/after-save?stale')).status === 404, { timeoutMs: 20_000 });
    expect((await get(c1!, '/v1/kv/tls/cluster?raw')).text).toBe('formed');
    // Another CA's certificate streams nothing either.
    const refused = await fetch(`http://${x1!.httpAddr}/v1/snapshot`);
    expect(refused.status).toBe(500);
    expect(await refused.text()).toMatch(/^rpc error: GET \/v1\/snapshot to 127\.0\.0\.1:\d+: |No known Consul servers/);
  });

  it('an agent with a certificate from another CA gossips but cannot reach a server', async () => {
    const x1 = agents[4]!;
    // Gossip is not TLS: it is a member...
    await waitFor('x1 in the members list', async () => (await get(agents[0]!, '/v1/agent/members')).text.includes('"x1"'), { timeoutMs: 20_000 });
    // ...but every RPC it makes is refused by the servers' TLS, so nothing it asks is answered.
    const put = await fetch(`http://${x1.httpAddr}/v1/kv/tls/foreign`, { method: 'PUT', body: 'nope' });
    expect(put.status).toBe(500);
    expect(await put.text()).toMatch(/rpc error|No known Consul servers|No cluster leader/);
    expect((await get(agents[0]!, '/v1/kv/tls/foreign')).status).toBe(404);
  });

  it('the Raft path takes a server certificate and refuses a client certificate from the same CA', async () => {
    const s1 = agents[0]!;
    const dial = (name: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`wss://127.0.0.1:${s1.ports.server}/raft`, {
          ca: readFileSync(cert('consul-agent-ca.pem')),
          cert: readFileSync(cert(`${name}.pem`)),
          key: readFileSync(cert(`${name}-key.pem`)),
          servername: 'server.dc1.consul',
        } as WebSocket.ClientOptions);
        ws.once('open', () => {
          ws.terminate();
          resolve('open');
        });
        ws.once('error', (err) => resolve(`error: ${err.message}`));
      });
    expect(await dial('dc1-server-consul-2')).toBe('open');
    expect(await dial('dc1-client-consul-0')).toMatch(/^error: socket hang up/);
    await waitFor('the refusal in the log', () => /\[WARN\]  agent\.server: Refused Raft connection: from=127\.0\.0\.1 reason="certificate is not for server\.dc1\.consul"/.test(s1.output()));
  });

  it('a plain ws:// dial to the server port gets no answer', async () => {
    const s1 = agents[0]!;
    const r = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${s1.ports.server}/rpc`, { handshakeTimeout: 5000 });
      ws.once('open', () => resolve('open'));
      ws.once('error', (err) => resolve(`error: ${err.message}`));
    });
    expect(r).toMatch(/^error: /);
  });
});
