// Builds and signs an X.509 v3 certificate (RFC 5280) with an ECDSA P-256 key and SHA-256, the only kind
// `consul tls` makes. The extensions are written in the order Go's crypto/x509 writes them, so the files read the
// same way in `openssl x509 -text` as Consul's.
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const EXT = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
} as const;

/** Key usage bits (RFC 5280 4.2.1.3), as Go numbers them. */
export const KeyUsage = { digitalSignature: 0, keyEncipherment: 2, certSign: 5, crlSign: 6 } as const;
export const ExtKeyUsage = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

/** A distinguished name in Go's pkix.Name field order. */
export interface DistinguishedName {
  country?: string;
  province?: string;
  locality?: string;
  streetAddress?: string;
  postalCode?: string;
  organization?: string;
  commonName: string;
}

export interface CertificateTemplate {
  /** Positive, at most 20 bytes (RFC 5280). */
  serialNumber: Uint8Array;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  keyUsage: number[];
  extKeyUsage?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Permitted DNS subtrees (a CA's name constraint, marked critical as Consul does). */
  permittedDnsDomains?: string[];
  /** The key the certificate is for. */
  publicKey: KeyObject;
}

export interface Issuer {
  /** The issuer's subject, as DER bytes taken from its certificate (so the chain matches byte for byte). */
  subject: Uint8Array;
  /** The issuer's subject key identifier, repeated as this certificate's authority key identifier. */
  subjectKeyId: Uint8Array;
  privateKey: KeyObject;
}

/** The DER of a signed certificate. Self-signed when `issuer` is omitted (signed with `selfKey`). */
export function createCertificate(template: CertificateTemplate, issuer: Issuer | { self: KeyObject }): Buffer {
  const ski = subjectKeyId(template.publicKey);
  const signer = 'self' in issuer ? { subject: name(template.subject), subjectKeyId: ski, privateKey: issuer.self } : issuer;
  const algorithm = der.sequence(der.oid(ECDSA_WITH_SHA256));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(template.serialNumber),
    algorithm,
    signer.subject,
    der.sequence(der.time(template.notBefore), der.time(template.notAfter)),
    name(template.subject),
    template.publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(...extensions(template, ski, signer.subjectKeyId))),
  );
  const signature = sign('sha256', tbs, signer.privateKey); // ECDSA-Sig-Value in DER, as X.509 wants it
  return der.sequence(tbs, algorithm, der.bitString(signature));
}

/** RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits. */
export function subjectKeyId(publicKey: KeyObject): Buffer {
  const spki = (publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey).export({ type: 'spki', format: 'der' });
  // The key bits are the trailing BIT STRING of the SPKI; for P-256 its 65-byte point plus the unused-bits byte.
  const point = spki.subarray(spki.length - 65);
  return createHash('sha256').update(point).digest().subarray(0, 20);
}

export function toPem(label: string, body: Uint8Array): string {
  const b64 = Buffer.from(body).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function name(n: DistinguishedName): Buffer {
  const attrs: [string, string | undefined][] = [
    ['2.5.4.6', n.country],
    ['2.5.4.8', n.province],
    ['2.5.4.7', n.locality],
    ['2.5.4.9', n.streetAddress],
    ['2.5.4.17', n.postalCode],
    ['2.5.4.10', n.organization],
    ['2.5.4.3', n.commonName],
  ];
  return der.sequence(...attrs.filter(([, v]) => v !== undefined).map(([o, v]) => der.set(der.sequence(der.oid(o), der.directoryString(v!)))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

function keyUsageBits(bits: number[]): Buffer {
  const max = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)]! |= 0x80 >> b % 8;
  return der.bitString(bytes, 7 - (max % 8));
}

function generalNames(dnsNames: string[], ips: string[]): Buffer[] {
  return [...dnsNames.map((d) => der.tlv(0x82, Buffer.from(d, 'ascii'))), ...ips.map((ip) => der.tlv(0x87, ipBytes(ip)))];
}

function ipBytes(ip: string): Buffer {
  const v = isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map(Number));
  if (v !== 6) throw new Error(`invalid IP address: ${ip}`);
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  // A trailing dotted quad (::ffff:10.0.0.1) is two groups.
  const parts = (s: string | undefined) =>
    (s ? s.split(':') : []).flatMap((g) => (g.includes('.') ? ((b) => [((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16)])(g.split('.').map(Number)) : [g]));
  const h = parts(head);
  const t = parts(tail);
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function extensions(t: CertificateTemplate, ski: Buffer, aki: Uint8Array): Buffer[] {
  const out = [extension(EXT.keyUsage, true, keyUsageBits(t.keyUsage))];
  if (t.extKeyUsage?.length) out.push(extension(EXT.extKeyUsage, false, der.sequence(...t.extKeyUsage.map(der.oid))));
  out.push(extension(EXT.basicConstraints, true, t.isCa ? der.sequence(der.boolean(true)) : der.sequence()));
  out.push(extension(EXT.subjectKeyId, false, der.octetString(ski)));
  out.push(extension(EXT.authorityKeyId, false, der.sequence(der.tlv(0x80, Buffer.from(aki)))));
  const dns = t.dnsNames ?? [];
  const ips = t.ipAddresses ?? [];
  if (dns.length + ips.length > 0) out.push(extension(EXT.subjectAltName, false, der.sequence(...generalNames(dns, ips))));
  if (t.permittedDnsDomains?.length) {
    const subtrees = t.permittedDnsDomains.map((d) => der.sequence(der.tlv(0x82, Buffer.from(d, 'ascii'))));
    out.push(extension(EXT.nameConstraints, true, der.sequence(der.tlv(0xa0, Buffer.concat(subtrees)))));
  }
  return out;
}

/** What a signer needs from its own certificate: the subject's DER and the subject key identifier (computed when absent). */
export function issuerOf(certDer: Uint8Array, privateKey: KeyObject, publicKey: KeyObject): Issuer {
  const cert = der.read(certDer, 0);
  const tbs = der.children(certDer, der.children(certDer, cert)[0]!);
  // version [0], serial, signature, issuer, validity, subject, spki, then [3] extensions
  const fields = tbs[0]!.tag === 0xa0 ? tbs.slice(1) : tbs;
  const subject = Buffer.from(certDer.subarray(fields[4]!.start, fields[4]!.end));
  let ski: Buffer | undefined;
  const extsWrapper = tbs.find((e) => e.tag === 0xa3);
  if (extsWrapper) {
    for (const ext of der.children(certDer, der.children(certDer, extsWrapper)[0]!)) {
      const [id, ...rest] = der.children(certDer, ext);
      if (Buffer.from(certDer.subarray(id!.start, id!.end)).equals(der.oid(EXT.subjectKeyId))) {
        const value = rest[rest.length - 1]!; // OCTET STRING holding an OCTET STRING
        const inner = der.read(certDer, value.body);
        ski = Buffer.from(certDer.subarray(inner.body, inner.end));
      }
    }
  }
  return { subject, subjectKeyId: ski ?? subjectKeyId(publicKey), privateKey };
}
