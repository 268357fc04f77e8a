// The certificates `consul tls ca create` and `consul tls cert create` make, with the same subjects, names,
// usages and lifetimes: a CA ("Consul Agent CA <serial>", 5 years) and server / client / cli certificates
// ("server.<dc>.<domain>", 1 year) signed by it. Keys are ECDSA P-256 in SEC 1 PEM ("EC PRIVATE KEY"), as Consul's.
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { ExtKeyUsage, KeyUsage, createCertificate, issuerOf, toPem, type DistinguishedName } from './x509-certificate.js';

export interface PemPair {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PEM ("EC PRIVATE KEY"). */
  key: string;
}

export interface CaOptions {
  /** Validity in days from now (Consul's -days, default 1825). */
  days?: number;
  /** Permitted DNS domains: when set, the CA cannot sign for other names (Consul's -name-constraint). */
  nameConstraints?: string[];
  now?: Date;
}

export type CertRole = 'server' | 'client' | 'cli';

export interface CertOptions {
  role: CertRole;
  /** The CA that signs, PEM. */
  ca: PemPair;
  datacenter?: string;
  domain?: string;
  /** Server certificates: adds `<node>.server.<dc>.<domain>`. */
  node?: string;
  days?: number;
  additionalDnsNames?: string[];
  additionalIpAddresses?: string[];
  now?: Date;
}

/** A 128-bit random serial number, as Consul's GenerateSerialNumber. */
function serial(): Buffer {
  const b = randomBytes(16);
  b[0]! &= 0x7f; // positive, and fits 16 bytes
  return b;
}

function newKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}

function keyPem(key: KeyObject): string {
  return key.export({ type: 'sec1', format: 'pem' }).toString();
}

/** A new agent CA: `<domain>-agent-ca.pem` and `<domain>-agent-ca-key.pem` of Consul. */
export function createAgentCa(options: CaOptions = {}): PemPair {
  const now = options.now ?? new Date();
  const sn = serial();
  const { privateKey, publicKey } = newKey();
  const subject: DistinguishedName = {
    country: 'US',
    province: 'CA',
    locality: 'San Francisco',
    streetAddress: '101 Second Street',
    postalCode: '94105',
    organization: 'HashiCorp Inc.',
    commonName: `Consul Agent CA ${BigInt('0x' + sn.toString('hex')).toString()}`,
  };
  const der = createCertificate(
    {
      serialNumber: sn,
      subject,
      notBefore: now,
      notAfter: addDays(now, options.days ?? 1825),
      isCa: true,
      keyUsage: [KeyUsage.digitalSignature, KeyUsage.certSign, KeyUsage.crlSign],
      permittedDnsDomains: options.nameConstraints,
      publicKey,
    },
    { self: privateKey },
  );
  return { cert: toPem('CERTIFICATE', der), key: keyPem(privateKey) };
}

/** The name a role's certificate is for: `server.dc1.consul`, `client.dc1.consul`, `cli.dc1.consul`. */
export function certificateName(role: CertRole, datacenter = 'dc1', domain = 'consul'): string {
  return `${role}.${datacenter}.${domain}`;
}

/** A certificate for an agent or the CLI signed by the CA; throws when the CA's key does not match or cannot sign. */
export function createAgentCert(options: CertOptions): PemPair {
  const now = options.now ?? new Date();
  const dc = options.datacenter ?? 'dc1';
  const domain = options.domain ?? 'consul';
  const name = certificateName(options.role, dc, domain);
  const caCert = new X509Certificate(options.ca.cert);
  const caKey = createPrivateKey(options.ca.key);
  if (!caCert.ca) throw new Error('the CA certificate is not a CA (basic constraints)');
  if (!caCert.checkPrivateKey(caKey)) throw new Error('the CA key does not belong to the CA certificate');
  const dnsNames = (options.additionalDnsNames ?? []).map((d) => d.trim()).filter((d) => d !== '');
  const ips = (options.additionalIpAddresses ?? []).map((d) => d.trim()).filter((d) => d !== '');
  if (options.role === 'server' && options.node) dnsNames.push(`${options.node}.server.${dc}.${domain}`);
  dnsNames.push(name, 'localhost');
  if (options.role !== 'cli') ips.push('127.0.0.1');
  const { privateKey, publicKey } = newKey();
  const der = createCertificate(
    {
      serialNumber: serial(),
      subject: { commonName: name },
      notBefore: now,
      notAfter: addDays(now, options.days ?? 365),
      isCa: false,
      keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyEncipherment],
      extKeyUsage: options.role === 'cli' ? undefined : [ExtKeyUsage.serverAuth, ExtKeyUsage.clientAuth],
      dnsNames,
      ipAddresses: ips,
      publicKey,
    },
    issuerOf(caCert.raw, caKey, caCert.publicKey),
  );
  const cert = toPem('CERTIFICATE', der);
  // As Consul: the new certificate must verify against the CA for its name before anything is written.
  const made = new X509Certificate(cert);
  if (!made.verify(caCert.publicKey) || !made.checkIssued(caCert) || made.checkHost(name) === undefined)
    throw new Error(`the new certificate does not verify against the CA for ${name}`);
  return { cert, key: keyPem(privateKey) };
}
