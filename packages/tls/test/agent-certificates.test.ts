// The certificates are checked by the verifiers that will meet them: Node's OpenSSL in real TLS handshakes, and
// Go's crypto/x509 (tools/go-x509), the parser and verifier Consul's own agents and CLI use.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoTool, type GoTool } from '@conclave/test-support/go-tool';
import { createAgentCa, createAgentCert, type PemPair } from '../src/index.js';

let go: GoTool;
beforeAll(() => {
  go = buildGoTool('go-x509');
});
afterAll(() => go?.dispose());

interface GoResult {
  subject?: string;
  issuer?: string;
  dnsNames?: string[];
  ips?: string[];
  isCA: boolean;
  days: number;
  error?: string;
}

const goCheck = (cases: { ca: string; cert: string; dnsName: string; usage: string }[]) => go.runJson(cases) as GoResult[];

describe('createAgentCa', () => {
  const ca = createAgentCa();

  it('is a self-signed CA with Consul subject, 5 years, and an EC P-256 key in SEC 1 PEM', () => {
    const c = new X509Certificate(ca.cert);
    expect(c.ca).toBe(true);
    expect(c.subject).toMatch(/^C=US\nST=CA\nL=San Francisco\nstreet=101 Second Street\npostalCode=94105\nO=HashiCorp Inc\.\nCN=Consul Agent CA \d+$/);
    expect(c.issuer).toBe(c.subject);
    expect(c.verify(c.publicKey)).toBe(true);
    expect(ca.key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(c.checkPrivateKey(createPrivateKey(ca.key))).toBe(true);
    expect(c.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const [r] = goCheck([{ ca: ca.cert, cert: ca.cert, dnsName: '', usage: 'any' }]);
    expect(r).toMatchObject({ isCA: true, days: 1825 });
    expect(r!.error).toBeUndefined();
    expect(r!.subject).toMatch(/^CN=Consul Agent CA \d+,O=HashiCorp Inc\.,POSTALCODE=94105,STREET=101 Second Street,L=San Francisco,ST=CA,C=US$/);
  });

  it('honours -days', () => {
    const c = new X509Certificate(createAgentCa({ days: 30, now: new Date('2026-01-01T00:00:00Z') }).cert);
    expect(c.validFrom).toBe('Jan  1 00:00:00 2026 GMT');
    expect(c.validTo).toBe('Jan 31 00:00:00 2026 GMT');
  });

  it('writes dates past 2049 as GeneralizedTime that both verifiers read', () => {
    const ca2 = createAgentCa({ days: 365 * 40, now: new Date('2026-01-01T00:00:00Z') });
    expect(new X509Certificate(ca2.cert).validTo).toBe('Dec 22 00:00:00 2065 GMT');
    const [r] = goCheck([{ ca: ca2.cert, cert: ca2.cert, dnsName: '', usage: 'any' }]);
    expect(r!.error).toBeUndefined();
  });
});

describe('createAgentCert', () => {
  const ca = createAgentCa();

  it('server: server.<dc>.<domain>, localhost, 127.0.0.1, node name, extras; server and client auth; 1 year', () => {
    const pair = createAgentCert({
      role: 'server',
      ca,
      datacenter: 'ams2',
      node: 'web-1',
      additionalDnsNames: ['consul.example.com '],
      additionalIpAddresses: ['10.0.0.5', '2001:db8::1', '::ffff:192.0.2.1'],
    });
    const c = new X509Certificate(pair.cert);
    expect(c.subject).toBe('CN=server.ams2.consul');
    expect(c.ca).toBe(false);
    expect(c.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(c.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const [r] = goCheck([{ ca: ca.cert, cert: pair.cert, dnsName: 'server.ams2.consul', usage: 'server' }]);
    expect(r!.error).toBeUndefined();
    expect(r!.dnsNames).toEqual(['consul.example.com', 'web-1.server.ams2.consul', 'server.ams2.consul', 'localhost']);
    expect(r!.ips).toEqual(['10.0.0.5', '2001:db8::1', '192.0.2.1', '127.0.0.1']);
    expect(r!.days).toBe(365);
    expect(r!.issuer).toBe(new X509Certificate(ca.cert).subject.split('\n').reverse().join(',').replace('street=', 'STREET=').replace('postalCode=', 'POSTALCODE='));
  });

  it('client: client.<dc>.<domain> with both usages; cli: no IP and no extended usage', () => {
    const client = createAgentCert({ role: 'client', ca });
    const cli = createAgentCert({ role: 'cli', ca });
    const [rc, rcli] = goCheck([
      { ca: ca.cert, cert: client.cert, dnsName: 'client.dc1.consul', usage: 'client' },
      { ca: ca.cert, cert: cli.cert, dnsName: 'cli.dc1.consul', usage: 'any' },
    ]);
    expect(rc).toMatchObject({ dnsNames: ['client.dc1.consul', 'localhost'], ips: ['127.0.0.1'] });
    expect(rc!.error).toBeUndefined();
    expect(rcli!.dnsNames).toEqual(['cli.dc1.consul', 'localhost']);
    expect(rcli!.ips).toBeUndefined();
    expect(rcli!.error).toBeUndefined();
  });

  it('a client certificate is not valid for server.<dc>.<domain> (it cannot act as a server)', () => {
    const client = createAgentCert({ role: 'client', ca });
    const [r] = goCheck([{ ca: ca.cert, cert: client.cert, dnsName: 'server.dc1.consul', usage: 'server' }]);
    expect(r!.error).toMatch(/certificate is valid for client\.dc1\.consul, localhost, not server\.dc1\.consul/);
  });

  it('refuses a CA key that does not belong to the CA certificate, and a non-CA as CA', () => {
    const other = createAgentCa();
    expect(() => createAgentCert({ role: 'server', ca: { cert: ca.cert, key: other.key } })).toThrow(/CA key does not belong/);
    const leaf = createAgentCert({ role: 'server', ca });
    expect(() => createAgentCert({ role: 'server', ca: leaf })).toThrow(/not a CA/);
  });

  it('signs under a CA with name constraints only for the permitted names', () => {
    const constrained = createAgentCa({ nameConstraints: ['consul', 'localhost'] });
    const good = createAgentCert({ role: 'server', ca: constrained });
    const bad = createAgentCert({ role: 'server', ca: constrained, additionalDnsNames: ['evil.example.com'] });
    const [rg, rb] = goCheck([
      { ca: constrained.cert, cert: good.cert, dnsName: 'server.dc1.consul', usage: 'server' },
      { ca: constrained.cert, cert: bad.cert, dnsName: 'server.dc1.consul', usage: 'server' },
    ]);
    expect(rg!.error).toBeUndefined();
    expect(rb!.error).toMatch(/not permitted by any constraint/);
  });
});

describe('mutual TLS with the certificates (Node/OpenSSL handshake)', () => {
  const ca = createAgentCa();
  const server = createAgentCert({ role: 'server', ca });
  const client = createAgentCert({ role: 'client', ca });

  async function handshake(serverPair: PemPair, clientPair: PemPair | undefined, clientCa: string, servername: string) {
    const srv = createServer({ cert: serverPair.cert, key: serverPair.key, ca: [ca.cert], requestCert: true, rejectUnauthorized: true });
    const peers: string[] = [];
    srv.on('secureConnection', (s: TLSSocket) => {
      peers.push((s.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN ?? '');
      s.end('ok');
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as AddressInfo).port;
    try {
      return await new Promise<{ ok: boolean; error?: string; peers: string[] }>((resolve) => {
        const sock = connect({ port, host: '127.0.0.1', servername, ca: [clientCa], cert: clientPair?.cert, key: clientPair?.key });
        let data = '';
        sock.on('data', (d) => (data += d));
        sock.on('end', () => resolve({ ok: data === 'ok', peers }));
        sock.on('error', (err) => resolve({ ok: false, error: (err as NodeJS.ErrnoException).code ?? err.message, peers }));
      });
    } finally {
      srv.close();
    }
  }

  it('a client with a certificate from the CA talks to server.dc1.consul', async () => {
    const r = await handshake(server, client, ca.cert, 'server.dc1.consul');
    expect(r).toEqual({ ok: true, peers: ['client.dc1.consul'] });
  });

  it('a client certificate presented as a server fails hostname verification for server.dc1.consul', async () => {
    const r = await handshake(client, client, ca.cert, 'server.dc1.consul');
    expect(r.ok).toBe(false);
    expect(r.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('a client certificate from another CA is refused by the server', async () => {
    const stranger = createAgentCert({ role: 'client', ca: createAgentCa() });
    const r = await handshake(server, stranger, ca.cert, 'server.dc1.consul');
    expect(r.ok).toBe(false);
    expect(r.peers).toEqual([]);
  });
});
