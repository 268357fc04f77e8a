// The agent's TLS material read from disk into Node's options: the certificate and key, the CAs (ca_file and
// every *.pem / *.crt of ca_path), the minimum version and ciphers, and whether peers must present a
// certificate. Read at start and again on reload, so rotated files take effect without dropping connections.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { lazyNode } from '@conclave/toolkit';
import { ConfigError } from './config/config-error.js';
import type { TlsSettings } from './config/agent-config.js';

export interface ServerTlsOptions extends SecureContextOptions {
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

function read(path: string, what: string, where: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${where}: cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Every CA certificate of ca_file and ca_path, as PEM buffers. */
export function readCas(s: TlsSettings, where: string): Buffer[] {
  const out: Buffer[] = [];
  if (s.caFile) out.push(read(s.caFile, 'ca_file', where));
  if (s.caPath) {
    let names: string[];
    try {
      names = readdirSync(s.caPath).sort();
    } catch (err) {
      throw new ConfigError(`${where}: cannot read ca_path ${s.caPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const n of names) if (/\.(pem|crt)$/.test(n)) out.push(read(join(s.caPath, n), 'CA certificate', where));
  }
  return out;
}

/** Options for a TLS server (the HTTPS API) from a listener's effective settings; throws ConfigError naming the file. */
export function serverTlsOptions(s: TlsSettings, where: string): ServerTlsOptions {
  if (!s.certFile || !s.keyFile) throw new ConfigError(`${where}: cert_file and key_file are required`);
  const cert = read(s.certFile, 'cert_file', where);
  const key = read(s.keyFile, 'key_file', where);
  let leaf: X509Certificate;
  try {
    leaf = new (lazyNode.crypto().X509Certificate)(cert);
  } catch (err) {
    throw new ConfigError(`${where}: cert_file ${s.certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    if (!leaf.checkPrivateKey(lazyNode.crypto().createPrivateKey(key))) throw new Error('it is the key of another certificate');
  } catch (err) {
    throw new ConfigError(`${where}: key_file ${s.keyFile} does not match cert_file ${s.certFile}: ${(err as Error).message}`);
  }
  const ca = readCas(s, where);
  const opts: ServerTlsOptions = {
    cert,
    key,
    ca: ca.length > 0 ? ca : undefined,
    minVersion: (s.tlsMinVersion ?? 'TLSv1.2') as SecureContextOptions['minVersion'],
    requestCert: s.verifyIncoming === true,
    rejectUnauthorized: s.verifyIncoming === true,
  };
  if (s.tlsCipherSuites?.length) opts.ciphers = s.tlsCipherSuites.join(':');
  return opts;
}

/** When the certificate stops being valid (for `conclave info` and the expiry warning). */
export function certificateExpiry(certFile: string): Date {
  return new Date(new (lazyNode.crypto().X509Certificate)(readFileSync(certFile)).validTo);
}
