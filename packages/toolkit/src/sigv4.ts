// AWS Signature Version 4 (docs.aws.amazon.com "Create a signed AWS API request"): the canonical request, the
// string to sign and the HMAC-SHA256 key chain, with node:crypto. `conclave login -type=aws-iam` signs its
// sts:GetCallerIdentity (and iam:GetRole / iam:GetUser) requests with it; the tests' fake STS verifies them with it.
import { lazyNode } from './lazy-node.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  url: string;
  /** Header names as sent; a list is the header repeated. */
  headers: Record<string, string | string[]>;
  body: string;
}

export interface SigV4Scope {
  region: string;
  service: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
}

/** Headers never signed (as the AWS SDKs leave them out: they change in transit or say nothing of the request). */
const UNSIGNED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id', 'content-length', 'connection', 'expect']);

const sha256Hex = (data: string): string => lazyNode.crypto().createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => lazyNode.crypto().createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it (every byte but unreserved ones). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical URI: each path segment decoded once and encoded again (services other than S3). */
function canonicalPath(pathname: string): string {
  const path = pathname === '' ? '/' : pathname;
  return path
    .split('/')
    .map((seg) => {
      let decoded = seg;
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        // leave a malformed escape as it is
      }
      return uriEncode(decoded);
    })
    .join('/');
}

function canonicalQuery(search: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    const dec = (x: string) => {
      try {
        return decodeURIComponent(x.replace(/\+/g, ' '));
      } catch {
        return x;
      }
    };
    pairs.push([uriEncode(dec(k)), uriEncode(dec(v))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The headers signed, by lower-case name, their values trimmed, inner runs of spaces made one, repeats joined by `,`. */
function signedHeaderValues(req: SigV4Request, only?: string[]): Map<string, string> {
  const map = new Map<string, string[]>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (only ? !only.includes(lower) : UNSIGNED.has(lower)) continue;
    const values = (Array.isArray(value) ? value : [value]).map((v) => v.trim().replace(/ +/g, ' '));
    map.set(lower, [...(map.get(lower) ?? []), ...values]);
  }
  if (!map.has('host') && (!only || only.includes('host'))) map.set('host', [new URL(req.url).host]);
  return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.join(',')]));
}

export interface SigV4Parts {
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  credentialScope: string;
  signature: string;
}

/** The steps of a signature: `signedHeaders` (lower-case names) limits the headers to those, as a verifier does. */
export function sigV4Parts(req: SigV4Request, scope: SigV4Scope, secretAccessKey: string, signedHeaders?: string[]): SigV4Parts {
  const url = new URL(req.url);
  const headers = signedHeaderValues(req, signedHeaders);
  const names = [...headers.keys()].join(';');
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.search),
    ...[...headers.entries()].map(([k, v]) => `${k}:${v}`),
    '',
    names,
    sha256Hex(req.body),
  ].join('\n');
  const date = scope.amzDate.slice(0, 8);
  const credentialScope = `${date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', scope.amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), scope.region), scope.service), 'aws4_request');
  const signature = lazyNode.crypto().createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signedHeaders: names, credentialScope, signature };
}

/** `YYYYMMDDTHHMMSSZ` of a time. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The request's headers with `X-Amz-Date`, `X-Amz-Security-Token` (with a session token) and `Authorization` added. */
export function signV4(req: SigV4Request, credentials: AwsCredentials, region: string, service: string, now: number = Date.now()): Record<string, string | string[]> {
  const date = amzDate(now);
  const headers: Record<string, string | string[]> = { ...req.headers, 'X-Amz-Date': date };
  if (credentials.sessionToken) headers['X-Amz-Security-Token'] = credentials.sessionToken;
  const parts = sigV4Parts({ ...req, headers }, { region, service, amzDate: date }, credentials.secretAccessKey);
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${parts.credentialScope}, SignedHeaders=${parts.signedHeaders}, Signature=${parts.signature}`;
  return headers;
}

export interface SigV4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Reads an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header; undefined if not one. */
export function parseSigV4Authorization(value: string): SigV4Authorization | undefined {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(value);
  if (!m) return undefined;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(';'), signature: m[6]! };
}
