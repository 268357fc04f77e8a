// Consul's TLS settings: `tls { defaults {}, https {}, internal_rpc {}, grpc {} }` where each listener's block
// overrides the defaults key by key, plus the pre-1.12 top-level keys (ca_file, verify_incoming_https, ...) that
// Consul still reads into the same places. Only the shape and the key table live here; reading the files and
// building Node's TLS options is tls-options.ts.
import { ConfigError } from './config-error.js';

export interface TlsSettings {
  caFile?: string;
  caPath?: string;
  certFile?: string;
  keyFile?: string;
  verifyIncoming?: boolean;
  verifyOutgoing?: boolean;
  /** Node's name: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'. */
  tlsMinVersion?: string;
  /** OpenSSL cipher names, from Consul's Go names. */
  tlsCipherSuites?: string[];
}

export interface TlsConfig {
  defaults: TlsSettings;
  https: TlsSettings;
  internalRpc: TlsSettings & { verifyServerHostname?: boolean };
}

/** Consul's tls_min_version values (current and pre-1.12 spellings) to Node's. */
const MIN_VERSIONS: Record<string, string> = {
  TLSv1_0: 'TLSv1',
  TLSv1_1: 'TLSv1.1',
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
  tls10: 'TLSv1',
  tls11: 'TLSv1.1',
  tls12: 'TLSv1.2',
  tls13: 'TLSv1.3',
};

/** The Go cipher suite names Consul accepts, as OpenSSL calls them (TLS 1.2 and below; 1.3 suites are fixed). */
const CIPHERS: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
};

export function tlsMinVersionOf(v: string, where: string): string {
  const node = MIN_VERSIONS[v];
  if (!node) throw new ConfigError(`${where}: tls_min_version: unknown version "${v}" (use TLSv1_2 or TLSv1_3)`);
  return node;
}

export function cipherSuitesOf(v: string, where: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((name) => {
      const openssl = CIPHERS[name];
      if (!openssl) throw new ConfigError(`${where}: tls_cipher_suites: unsupported cipher suite "${name}"`);
      return openssl;
    });
}

/** The settings a listener uses: its own block over the defaults. */
export function effectiveTls<K extends 'https' | 'internalRpc'>(cfg: TlsConfig, listener: K): TlsConfig[K] {
  const own = cfg[listener];
  const out: TlsConfig[K] = { ...cfg.defaults };
  for (const [k, v] of Object.entries(own)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** What cannot work whatever the files hold: a listener without its certificate, verification without a CA. */
export function validateTls(cfg: TlsConfig, httpsPort: number): void {
  const check = (name: string, s: TlsSettings) => {
    if ((s.certFile === undefined) !== (s.keyFile === undefined))
      throw new ConfigError(`tls.${name}: cert_file and key_file must be set together`);
    if (s.verifyIncoming && s.caFile === undefined && s.caPath === undefined)
      throw new ConfigError(`tls.${name}: verify_incoming needs ca_file or ca_path to verify client certificates against`);
  };
  const https = effectiveTls(cfg, 'https');
  check('https', https);
  check('internal_rpc', effectiveTls(cfg, 'internalRpc'));
  if (httpsPort >= 0 && https.certFile === undefined)
    throw new ConfigError('ports.https is set but there is no certificate: set tls.defaults (or tls.https) cert_file and key_file');
}
