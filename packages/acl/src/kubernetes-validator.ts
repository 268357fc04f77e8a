// The `kubernetes` auth method (Consul's kubeauth): the bearer token (a service account JWT) is sent to the
// Kubernetes API's TokenReview with the method's own ServiceAccountJWT, over TLS trusting only CACert; the
// reviewed user `system:serviceaccount:<namespace>:<name>` becomes the identity, and the service account's
// `consul.hashicorp.com/service-name` annotation, when set, overrides the name.
import type { IncomingMessage } from 'node:http';
import { isPlainObject, lazyNode, typeName } from '@conclave/toolkit';
import { AuthMethodError, type AuthIdentity, type AuthValidator } from './auth-method.js';

export interface KubernetesConfig {
  Host: string;
  CACert: string;
  ServiceAccountJWT: string;
}

const SERVICE_NAME_ANNOTATION = 'consul.hashicorp.com/service-name';
/** A Kubernetes API that does not answer within this is a failed login, not a hung request. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 1 << 20;

export function parseKubernetesConfig(config: Record<string, unknown>): KubernetesConfig {
  const get = (k: string): string => {
    const v = config[k];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new AuthMethodError(`error decoding config: '${k}' expected type 'string', got ${typeName(v)}`);
    return v;
  };
  const c: KubernetesConfig = { Host: get('Host'), CACert: get('CACert'), ServiceAccountJWT: get('ServiceAccountJWT') };
  if (!c.Host) throw new AuthMethodError('Config.Host is required');
  if (!c.CACert) throw new AuthMethodError('Config.CACert is required');
  try {
    new (lazyNode.crypto().X509Certificate)(c.CACert);
  } catch (err) {
    throw new AuthMethodError(`error parsing kubernetes ca cert: ${(err as Error).message}`);
  }
  if (!c.ServiceAccountJWT) throw new AuthMethodError('Config.ServiceAccountJWT is required');
  if (!looksLikeJwt(c.ServiceAccountJWT)) throw new AuthMethodError('Config.ServiceAccountJWT is not a valid JWT: go-jose/go-jose: compact JWS format must have three parts');
  return c;
}

export class KubernetesValidator implements AuthValidator {
  private readonly config: KubernetesConfig;
  private readonly base: URL;

  constructor(rawConfig: Record<string, unknown>) {
    this.config = parseKubernetesConfig(rawConfig);
    this.base = new URL(/^https?:\/\//.test(this.config.Host) ? this.config.Host : `https://${this.config.Host}`);
  }

  blankIdentity(): AuthIdentity {
    return identity('', '', '');
  }

  async validateLogin(bearerToken: string): Promise<AuthIdentity> {
    if (!looksLikeJwt(bearerToken)) throw new AuthMethodError('failed to parse and validate JWT: go-jose/go-jose: compact JWS format must have three parts');
    const review = await this.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { token: bearerToken },
      status: { user: {} },
    });
    const status = isPlainObject(review) && isPlainObject(review.status) ? review.status : {};
    if (typeof status.error === 'string' && status.error) throw new AuthMethodError(`lookup failed: ${status.error}`);
    if (status.authenticated !== true) throw new AuthMethodError('lookup failed: service account jwt not valid');
    const user = isPlainObject(status.user) ? status.user : {};
    const parts = (typeof user.username === 'string' ? user.username : '').split(':');
    if (parts.length !== 4) throw new AuthMethodError('lookup failed: unexpected username format');
    if (parts[0] !== 'system' || parts[1] !== 'serviceaccount') throw new AuthMethodError('lookup failed: username returned is not a service account');
    const [, , namespace, account] = parts as [string, string, string, string];
    let name = account;
    let sa: unknown;
    try {
      sa = await this.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(account)}`);
    } catch (err) {
      throw new AuthMethodError(`annotation lookup failed: ${(err as Error).message}`);
    }
    const annotations = isPlainObject(sa) && isPlainObject(sa.metadata) && isPlainObject(sa.metadata.annotations) ? sa.metadata.annotations : {};
    const override = annotations[SERVICE_NAME_ANNOTATION];
    if (typeof override === 'string') name = override;
    return identity(namespace, name, typeof user.uid === 'string' ? user.uid : '');
  }

  /** One JSON request to the Kubernetes API with the method's service account token. */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const https = await import('node:https');
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.config.CACert,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            Accept: 'application/json',
            Authorization: `Bearer ${this.config.ServiceAccountJWT}`,
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
          },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new Error('response from the Kubernetes API is too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(json);
            else
              reject(
                new AuthMethodError(isPlainObject(json) && typeof json.message === 'string' ? json.message : `the server responded with the status code ${status} but did not return more information`),
              );
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out after ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', (err) => reject(err instanceof AuthMethodError ? err : new AuthMethodError(`${method} ${JSON.stringify(url.href)}: ${err.message}`)));
      req.end(payload);
    });
  }
}

function identity(namespace: string, name: string, uid: string): AuthIdentity {
  return {
    selectable: { serviceaccount: { namespace, name, uid } },
    projectedVars: { 'serviceaccount.namespace': namespace, 'serviceaccount.name': name, 'serviceaccount.uid': uid },
  };
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
