// The HTTPS API end to end: certificates made by `conclave tls`, an agent serving ports.https with
// verify_incoming, and real clients (the npm `consul` client, curl, the conclave CLI, node:http2's client) with
// and without a client certificate, over HTTP/1.1 and HTTP/2 (ALPN h2, as Consul's listener); certificates
// rotated by SIGHUP without a restart; an unusable TLS configuration stops the start.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { CONCLAVE_BIN, freePort, runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

const execFileP = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'conclave-https-'));
const file = (name: string) => join(dir, name);
const tlsCli = (args: string[]) => execFileSync(process.execPath, [CONCLAVE_BIN, 'tls', ...args], { cwd: dir, encoding: 'utf8' });

let agent: AgentProcess;
let httpsPort: number;

function writeConfig(serverCert: string): void {
  writeFileSync(
    file('tls.json'),
    JSON.stringify({
      ports: { https: httpsPort },
      tls: {
        defaults: { ca_file: file('consul-agent-ca.pem'), cert_file: file(`${serverCert}.pem`), key_file: file(`${serverCert}-key.pem`) },
        https: { verify_incoming: true },
      },
    }),
  );
}

let lastAlpn: string | false | null = null;

/** The serial of the certificate the listener presents, and the protocol it picks when offered h2 first. */
function peerSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({
      port: httpsPort,
      host: '127.0.0.1',
      servername: 'server.dc1.consul',
      ca: readFileSync(file('consul-agent-ca.pem')),
      cert: readFileSync(file('dc1-client-consul-0.pem')),
      key: readFileSync(file('dc1-client-consul-0-key.pem')),
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    s.once('secureConnect', () => {
      lastAlpn = s.alpnProtocol;
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.once('error', reject);
  });
}

/** One request over HTTP/2 with the client certificate: status and body. */
function h2Get(path: string): Promise<{ alpn: string | undefined; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${httpsPort}`, {
      servername: 'server.dc1.consul',
      ca: readFileSync(file('consul-agent-ca.pem')),
      cert: readFileSync(file('dc1-client-consul-0.pem')),
      key: readFileSync(file('dc1-client-consul-0-key.pem')),
    });
    session.once('error', reject);
    const stream = session.request({ ':path': path });
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: string) => (text += c));
    stream.on('error', reject);
    stream.on('end', () => {
      const alpn = session.alpnProtocol;
      session.close();
      resolve({ alpn, status, text });
    });
  });
}

beforeAll(async () => {
  tlsCli(['ca', 'create']);
  tlsCli(['cert', 'create', '-server']);
  tlsCli(['cert', 'create', '-client']);
  httpsPort = await freePort();
  writeConfig('dc1-server-consul-0');
  agent = await startDevAgent(['-config-file', file('tls.json')]);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTPS API with verify_incoming', () => {
  it('serves KV to the npm consul client over TLS with a client certificate', async () => {
    const consul = new Consul({
      host: '127.0.0.1',
      port: httpsPort,
      secure: true,
      agent: new https.Agent({
        ca: readFileSync(file('consul-agent-ca.pem')),
        cert: readFileSync(file('dc1-client-consul-0.pem')),
        key: readFileSync(file('dc1-client-consul-0-key.pem')),
        servername: 'server.dc1.consul',
      }),
    });
    expect(await consul.kv.set('tls/hello', 'world')).toBe(true);
    expect((await consul.kv.get('tls/hello'))?.Value).toBe('world');
    expect(agent.output()).toMatch(/\[INFO\]  agent: Started HTTPS server: address=127\.0\.0\.1:\d+ network=tcp/);
  });

  it('curl without a client certificate is refused; with one it reads the key', () => {
    const base = [`--cacert`, file('consul-agent-ca.pem'), '--silent', '--show-error', '--max-time', '10'];
    const url = `https://localhost:${httpsPort}/v1/kv/tls/hello?raw`;
    const refused = spawnSync('curl', [...base, url], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    const ok = spawnSync('curl', [...base, '--cert', file('dc1-client-consul-0.pem'), '--key', file('dc1-client-consul-0-key.pem'), url], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('world');
  });

  it('speaks HTTP/2 to an h2 client: curl --http2 and node:http2', () => {
    const args = [`--cacert`, file('consul-agent-ca.pem'), '--cert', file('dc1-client-consul-0.pem'), '--key', file('dc1-client-consul-0-key.pem'), '--silent', '--show-error', '--max-time', '10'];
    const url = `https://localhost:${httpsPort}/v1/kv/tls/hello?raw`;
    const h2 = spawnSync('curl', [...args, '--http2', '--write-out', ' %{http_version}', url], { encoding: 'utf8' });
    expect(h2.stderr).toBe('');
    expect(h2.stdout).toBe('world 2');
    // A client that offers only HTTP/1.1 gets it.
    const h1 = spawnSync('curl', [...args, '--http1.1', '--write-out', ' %{http_version}', url], { encoding: 'utf8' });
    expect(h1.stdout).toBe('world 1.1');
    return h2Get('/v1/kv/tls/hello?raw').then((r) => expect(r).toEqual({ alpn: 'h2', status: 200, text: 'world' }));
  });

  it('the conclave CLI reaches it with -ca-file/-client-cert/-client-key and with CONSUL_* variables', async () => {
    const byFlags = await runCli([
      'kv',
      'get',
      '-http-addr',
      `https://localhost:${httpsPort}`,
      '-ca-file',
      file('consul-agent-ca.pem'),
      '-client-cert',
      file('dc1-client-consul-0.pem'),
      '-client-key',
      file('dc1-client-consul-0-key.pem'),
      'tls/hello',
    ]);
    expect(byFlags).toMatchObject({ code: 0, stdout: 'world\n' });
    const byEnv = await runCli(['kv', 'get', 'tls/hello'], {
      CONSUL_HTTP_ADDR: `127.0.0.1:${httpsPort}`,
      CONSUL_HTTP_SSL: 'true',
      CONSUL_CAPATH: dir, // a directory of CAs: consul-agent-ca.pem is the only CA in it that signed the server
      CONSUL_CLIENT_CERT: file('dc1-client-consul-0.pem'),
      CONSUL_CLIENT_KEY: file('dc1-client-consul-0-key.pem'),
      CONSUL_TLS_SERVER_NAME: 'server.dc1.consul',
    });
    expect(byEnv).toMatchObject({ code: 0, stdout: 'world\n' });
    const noCert = await runCli(['kv', 'get', '-http-addr', `https://localhost:${httpsPort}`, '-ca-file', file('consul-agent-ca.pem'), 'tls/hello']);
    expect(noCert.code).toBe(1);
  });

  it('conclave info shows when the certificates expire', async () => {
    const info = await runCli(['info', '-http-addr', agent.httpAddr]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^tls:\n(\t.*\n)*\thttps_cert_days_left = 36[45]\n/m);
    expect(info.stdout).toMatch(/^\thttps_cert_expiry = \d{4}-\d\d-\d\dT/m);
    expect(info.stdout).toMatch(/^\tinternal_rpc_cert_days_left = 36[45]$/m);
  });

  it('plain HTTP keeps working beside it, HTTP/1.1 only (no h2c, as Go)', async () => {
    const res = await fetch(`http://${agent.httpAddr}/v1/kv/tls/hello?raw`);
    expect(await res.text()).toBe('world');
    const h2c = spawnSync('curl', ['--http2-prior-knowledge', '--silent', '--max-time', '10', `http://${agent.httpAddr}/v1/kv/tls/hello?raw`], { encoding: 'utf8' });
    expect(h2c.stdout).not.toBe('world');
  });

  it('SIGHUP takes a rotated certificate for new connections; unusable files are refused and the old one stays', async () => {
    const before = await peerSerial();
    tlsCli(['cert', 'create', '-server']); // dc1-server-consul-1
    writeConfig('dc1-server-consul-1');
    agent.proc.kill('SIGHUP');
    await waitFor('the rotated certificate', async () => (await peerSerial()) !== before, { timeoutMs: 20_000 });
    const rotated = await peerSerial();
    // The new context keeps the listener's ALPN: HTTP/2 still.
    expect(lastAlpn).toBe('h2');
    expect(await h2Get('/v1/kv/tls/hello?raw')).toEqual({ alpn: 'h2', status: 200, text: 'world' });
    // A key that is not the certificate's: the reload is refused with the files named, the listener keeps serving.
    writeFileSync(
      file('tls.json'),
      JSON.stringify({
        ports: { https: httpsPort },
        tls: {
          defaults: { ca_file: file('consul-agent-ca.pem'), cert_file: file('dc1-server-consul-0.pem'), key_file: file('dc1-server-consul-1-key.pem') },
          https: { verify_incoming: true },
        },
      }),
    );
    agent.proc.kill('SIGHUP');
    await waitFor('the refused reload', () => /key_file .*dc1-server-consul-1-key\.pem does not match cert_file/.test(agent.output()), { timeoutMs: 20_000 });
    expect(await peerSerial()).toBe(rotated);
  });
});

describe('TLS configuration errors stop the start with the problem named', () => {
  it.each([
    [{ ports: { https: 1 } }, /ports\.https is set but there is no certificate/],
    [{ ports: { https: 1 }, tls: { defaults: { cert_file: '/nonexistent/cert.pem', key_file: '/nonexistent/key.pem' } } }, /tls\.(https|internal_rpc): cannot read cert_file \/nonexistent\/cert\.pem: ENOENT/],
    [{ tls: { https: { verify_incoming: true } } }, /tls\.https: verify_incoming needs ca_file or ca_path/],
    [{ tls: { defaults: { tls_min_version: 'ssl3' } } }, /tls_min_version: unknown version "ssl3"/],
    [{ verify_incoming_https: true }, /tls\.https: verify_incoming needs ca_file or ca_path/],
  ])('%j', async (config, message) => {
    const path = file(`bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(config));
    const r = await execFileP(process.execPath, [CONCLAVE_BIN, 'agent', '-dev', '-http-port', '0', '-dns-port', '-1', '-serf-lan-port', '0', '-config-file', path]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
