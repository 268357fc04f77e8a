// One bounded HTTP(S) GET (an auth method's JWKS or OIDC discovery document), or one POST (an OIDC token endpoint's
// code exchange, an AWS STS or IAM request of the aws-iam auth method and of `conclave login`), bounded so that a
// slow, huge or hostile server costs a login an error and never the agent its memory or a stuck request: one
// deadline over the whole exchange (redirects included), a cap on the body, at most MAX_REDIRECTS redirects, as Go's
// http.Client follows them. `ca`, when given, is the only trust (a PEM bundle, as Go's RootCAs from
// AppendCertsFromPEM); without it Node's bundled roots. The server's certificate is checked against the URL's host,
// also when a `Host` header names another (as Go's client: a signed AWS request keeps its Host). Errors read as
// Go's client words them: `Get "<url>": …`.
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { lazyNode } from './lazy-node.js';
import { nodeHttp } from './node-http.js';

export interface BoundedGetOptions {
  /** PEM CA bundle trusted for https URLs; undefined: the default roots. */
  ca?: string;
  /** The whole exchange, redirects included. */
  timeoutMs: number;
  maxBytes: number;
  /** Request headers besides `Accept: application/json` (a list: the header repeated). */
  headers?: Record<string, string | string[]>;
}

export interface BoundedPostOptions extends BoundedGetOptions {
  /** The request body (its Content-Type among `headers`). */
  body: string;
}

export interface GetResponse {
  status: number;
  /** Go's resp.Status: `404 Not Found`. */
  statusLine: string;
  contentType: string;
  body: Buffer;
}

const MAX_REDIRECTS = 10;

/** The certificates of a PEM bundle; none readable is Go's AppendCertsFromPEM returning false. */
export function parseCaBundle(pem: string): X509Certificate[] {
  const certs: X509Certificate[] = [];
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
    try {
      certs.push(new (lazyNode.crypto().X509Certificate)(block));
    } catch {
      // Go skips a block it cannot parse and keeps the others.
    }
  }
  if (certs.length === 0) throw new Error('could not parse CA PEM value successfully');
  return certs;
}

/** One POST, its redirects not followed (a 3xx is the answer: a token endpoint has no business redirecting a
 * client secret elsewhere); errors read `Post "<url>": …`. */
export async function boundedPost(url: string, opts: BoundedPostOptions): Promise<GetResponse> {
  const res = await requestOnce('POST', url, opts, Date.now() + opts.timeoutMs);
  if ('location' in res) return res.response;
  return res;
}

export async function boundedGet(url: string, opts: BoundedGetOptions): Promise<GetResponse> {
  const deadline = Date.now() + opts.timeoutMs;
  let at = url;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce('GET', at, opts, deadline);
    if (!('location' in res)) return res;
    if (hop === MAX_REDIRECTS) throw new Error(`Get ${JSON.stringify(at)}: stopped after ${MAX_REDIRECTS} redirects`);
    try {
      at = new URL(res.location, at).href;
    } catch {
      throw new Error(`Get ${JSON.stringify(at)}: failed to parse Location header ${JSON.stringify(res.location)}`);
    }
  }
}

type Hop = GetResponse | { location: string; response: GetResponse };

function requestOnce(method: 'GET' | 'POST', url: string, opts: BoundedGetOptions & { body?: string }, deadline: number): Promise<Hop> {
  const quoted = JSON.stringify(url);
  const verb = method === 'GET' ? 'Get' : 'Post';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new Error(`parse ${quoted}: invalid URL`));
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:')
    return Promise.reject(new Error(`${verb} ${quoted}: unsupported protocol scheme ${JSON.stringify(target.protocol.replace(/:$/, ''))}`));
  const left = deadline - Date.now();
  if (left <= 0) return Promise.reject(new Error(`${verb} ${quoted}: timed out after ${opts.timeoutMs / 1000}s`));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, value?: Hop) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value!);
    };
    // agent: false, so no pooled socket outlives the exchange (and nothing keeps a closing server waiting).
    // Only the bundle's certificates reach TLS (other PEM blocks in it are no concern of OpenSSL's).
    const ca = opts.ca !== undefined ? parseCaBundle(opts.ca).map((c) => c.toString()) : undefined;
    const headers: Record<string, string | string[] | number> = { Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    // TLS names the URL's host (SNI, unless an IP address, and the certificate check) whatever the Host header says.
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const tlsIdentity = {
      ...(isIP(host) ? {} : { servername: host }),
      checkServerIdentity: (_name: string, cert: PeerCertificate) => lazyNode.tls().checkServerIdentity(host, cert),
    };
    const options = { method, agent: false as const, headers, ...(ca ? { ca } : {}), ...(target.protocol === 'https:' ? tlsIdentity : {}) };
    const onResponse = (res: IncomingMessage) => {
      // First, so that no way out below (a redirect, a size refused) leaves a stream error unheard.
      res.on('error', (err) => finish(new Error(`${verb} ${quoted}: ${err.message}`)));
      const status = res.statusCode ?? 0;
      const statusLine = `${status} ${res.statusMessage ?? nodeHttp.STATUS_CODES[status] ?? ''}`.trim();
      const contentType = String(res.headers['content-type'] ?? '');
      if ([301, 302, 303, 307, 308].includes(status) && typeof res.headers.location === 'string') {
        res.resume();
        finish(undefined, { location: res.headers.location, response: { status, statusLine, contentType, body: Buffer.alloc(0) } });
        req.destroy();
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        finish(new Error(`${verb} ${quoted}: the response is larger than ${opts.maxBytes} bytes`));
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBytes) {
          finish(new Error(`${verb} ${quoted}: the response is larger than ${opts.maxBytes} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () =>
        finish(undefined, { status, statusLine, contentType, body: Buffer.concat(chunks) }),
      );
      res.on('aborted', () => finish(new Error(`${verb} ${quoted}: the connection closed before the response ended`)));
    };
    const req = target.protocol === 'https:' ? lazyNode.https().request(target, options, onResponse) : nodeHttp.request(target, options, onResponse);
    const timer = setTimeout(() => {
      finish(new Error(`${verb} ${quoted}: timed out after ${opts.timeoutMs / 1000}s`));
      req.destroy();
    }, left);
    timer.unref?.();
    req.on('error', (err) => finish(new Error(`${verb} ${quoted}: ${err.message}`)));
    req.end(opts.body);
  });
}
