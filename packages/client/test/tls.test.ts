// HTTPS as Consul's CLI configures it: CONSUL_HTTP_SSL, CONSUL_CACERT, CONSUL_HTTP_SSL_VERIFY. The certificate is a
// real self-signed one made by openssl for 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulClient, ConsulConnectionError } from '../src/index.js';
import { IndexServer } from './support/index-server.js';

let server: IndexServer;
let caFile: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-tls-'));
  const keyFile = join(dir, 'key.pem');
  caFile = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', caFile,
  ], { stdio: 'ignore' });
  server = new IndexServer();
  await server.listen({ tls: { key: readFileSync(keyFile), cert: readFileSync(caFile) } });
  server.set('secure', 'yes');
});

afterAll(async () => {
  await server.close();
});

async function read(env: Record<string, string>, address?: string): Promise<string> {
  const client = new ConsulClient({ address, env: { CONSUL_HTTP_ADDR: server.address, ...env } });
  try {
    return (await client.kv.get('secure')).body!.Value!.toString();
  } finally {
    client.close();
  }
}

describe('https', () => {
  it('uses TLS with CONSUL_HTTP_SSL and trusts CONSUL_CACERT', async () => {
    expect(await read({ CONSUL_HTTP_SSL: 'true', CONSUL_CACERT: caFile })).toBe('yes');
    expect(await read({ CONSUL_CACERT: caFile }, `https://${server.address}`)).toBe('yes');
  });

  it('refuses an untrusted certificate unless CONSUL_HTTP_SSL_VERIFY=false', async () => {
    const err = await read({ CONSUL_HTTP_SSL: 'true' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsulConnectionError);
    expect((err as Error).message).toMatch(/self[- ]signed certificate/);
    expect(await read({ CONSUL_HTTP_SSL: 'true', CONSUL_HTTP_SSL_VERIFY: 'false' })).toBe('yes');
  });

  it('names a missing CA file', () => {
    expect(() => new ConsulClient({ address: `https://${server.address}`, env: { CONSUL_CACERT: '/nonexistent/ca.pem' } })).toThrow(/Error loading TLS file/);
  });
});
