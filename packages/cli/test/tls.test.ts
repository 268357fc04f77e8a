// `conclave tls ca create` / `tls cert create`: Consul's file names, messages and refusals; the files work in a
// real TLS handshake. One run goes through the built binary in a fresh directory, as an operator would type it.
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from './support/run.js';

const CONCLAVE_MAIN = fileURLToPath(new URL('../../../apps/agent/dist/main.js', import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'conclave-tls-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('conclave tls', () => {
  it('ca create, then server, client and cli certificates with Consul file names', async () => {
    const cwd = tempDir();
    const ca = await run(['tls', 'ca', 'create'], { cwd });
    expect(ca).toMatchObject({ code: 0, stdout: '==> Saved consul-agent-ca.pem\n==> Saved consul-agent-ca-key.pem\n' });
    const server = await run(['tls', 'cert', 'create', '-server', '-dc', 'ams2', '-node', 'web-1'], { cwd });
    expect(server.code).toBe(0);
    expect(server.stdout).toMatch(/^==> WARNING: Server Certificates grants authority to become a\n/);
    expect(server.stdout).toContain('==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n==> Saved ams2-server-consul-0.pem\n==> Saved ams2-server-consul-0-key.pem\n');
    expect((await run(['tls', 'cert', 'create', '-server', '-dc', 'ams2'], { cwd })).stdout).toContain('ams2-server-consul-1.pem');
    expect((await run(['tls', 'cert', 'create', '-client'], { cwd })).stdout).toContain('==> Saved dc1-client-consul-0-key.pem');
    expect((await run(['tls', 'cert', 'create', '-cli'], { cwd })).stdout).toContain('==> Saved dc1-cli-consul-0.pem');
    expect(readdirSync(cwd).sort()).toEqual([
      'ams2-server-consul-0-key.pem',
      'ams2-server-consul-0.pem',
      'ams2-server-consul-1-key.pem',
      'ams2-server-consul-1.pem',
      'consul-agent-ca-key.pem',
      'consul-agent-ca.pem',
      'dc1-cli-consul-0-key.pem',
      'dc1-cli-consul-0.pem',
      'dc1-client-consul-0-key.pem',
      'dc1-client-consul-0.pem',
    ]);
    const caCert = new X509Certificate(readFileSync(join(cwd, 'consul-agent-ca.pem')));
    const cert = new X509Certificate(readFileSync(join(cwd, 'ams2-server-consul-0.pem')));
    expect(cert.checkIssued(caCert) && cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:web-1.server.ams2.consul, DNS:server.ams2.consul, DNS:localhost, IP Address:127.0.0.1');
    // Keys are for their owner only; certificates are public.
    expect(statSync(join(cwd, 'consul-agent-ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, 'ams2-server-consul-0-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, 'consul-agent-ca.pem')).mode & 0o077).toBe(0o044 & ~process.umask());
  });

  it('refuses what Consul refuses, with its messages, and overwrites nothing', async () => {
    const cwd = tempDir();
    expect(await run(['tls', 'cert', 'create', '-server'], { cwd })).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error reading CA: .*consul-agent-ca\.pem/) });
    await run(['tls', 'ca', 'create'], { cwd });
    const before = readFileSync(join(cwd, 'consul-agent-ca.pem'), 'utf8');
    expect(await run(['tls', 'ca', 'create'], { cwd })).toMatchObject({ code: 1, stderr: 'consul-agent-ca.pem already exists.\n' });
    expect(readFileSync(join(cwd, 'consul-agent-ca.pem'), 'utf8')).toBe(before);
    expect(await run(['tls', 'cert', 'create'], { cwd })).toMatchObject({ code: 1, stderr: 'Please provide either -server, -client, or -cli\n' });
    expect(await run(['tls', 'cert', 'create', '-server', '-client'], { cwd })).toMatchObject({ code: 1 });
    expect(await run(['tls', 'cert', 'create', '-client', '-node', 'x'], { cwd })).toMatchObject({ code: 1, stderr: '-node requires -server\n' });
    expect(await run(['tls', 'cert', 'create', '-client', '-additional-ipaddress', 'nope'], { cwd })).toMatchObject({
      code: 1,
      stderr: '-additional-ipaddress: "nope" is not an IP address\n',
    });
    // A CA key that is not the CA's: refused before any file is written.
    await run(['tls', 'ca', 'create', '-domain', 'other'], { cwd });
    const mixed = await run(['tls', 'cert', 'create', '-client', '-key', 'other-agent-ca-key.pem'], { cwd });
    expect(mixed).toMatchObject({ code: 1, stderr: expect.stringContaining('the CA key does not belong to the CA certificate') });
    expect(existsSync(join(cwd, 'dc1-client-consul-0.pem'))).toBe(false);
    expect(await run(['tls'], { cwd })).toMatchObject({ code: 1, stderr: expect.stringContaining('Subcommands:\n    ca\n    cert') });
  });

  it('-name-constraint: the CA carries the domain and localhost as permitted names', async () => {
    const cwd = tempDir();
    await run(['tls', 'ca', 'create', '-name-constraint', '-additional-name-constraint', 'example.com'], { cwd });
    // Node exposes no name-constraint field: read it from the DER, where the three names follow the extension's OID.
    const der = new X509Certificate(readFileSync(join(cwd, 'consul-agent-ca.pem'))).raw;
    const at = der.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x1e]));
    expect(at).toBeGreaterThan(0);
    const tail = der.subarray(at).toString('latin1');
    expect(tail.indexOf('example.com')).toBeLessThan(tail.indexOf('consul'));
    expect(tail).toContain('localhost');
  });

  it('works through the built binary in a fresh directory', () => {
    if (!existsSync(CONCLAVE_MAIN)) throw new Error(`${CONCLAVE_MAIN} is missing: build first (npx nx run-many -t build)`);
    const cwd = tempDir();
    expect(execFileSync(process.execPath, [CONCLAVE_MAIN, 'tls', 'ca', 'create', '-days', '10'], { cwd, encoding: 'utf8' })).toBe(
      '==> Saved consul-agent-ca.pem\n==> Saved consul-agent-ca-key.pem\n',
    );
    execFileSync(process.execPath, [CONCLAVE_MAIN, 'tls', 'cert', 'create', '-client'], { cwd, encoding: 'utf8' });
    expect(new X509Certificate(readFileSync(join(cwd, 'dc1-client-consul-0.pem'))).subject).toBe('CN=client.dc1.consul');
  });
});
