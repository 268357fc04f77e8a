// The aws-iam auth method's bearer token, as Consul's client builds it (internal/iamauth GenerateLoginData): a
// SigV4-signed sts:GetCallerIdentity POST in JSON, its URL, headers (Go's http.Header: names to lists) and body in
// base64. With an entity, a signed iam:GetRole / iam:GetUser request rides along in X-Consul-IAM-GetEntity-*
// headers of the STS request (signed with it). A server ID value goes in X-Consul-IAM-ServerID on both, signed.
import { signV4, type AwsCredentials } from './sigv4.js';

export const IAM_SERVER_ID_HEADER = 'X-Consul-IAM-ServerID';
export const GET_ENTITY_METHOD_HEADER = 'X-Consul-IAM-GetEntity-Method';
export const GET_ENTITY_URL_HEADER = 'X-Consul-IAM-GetEntity-URL';
export const GET_ENTITY_HEADERS_HEADER = 'X-Consul-IAM-GetEntity-Headers';
export const GET_ENTITY_BODY_HEADER = 'X-Consul-IAM-GetEntity-Body';

/** The IAM endpoint the entity request is signed for (IAM is global, signed for us-east-1). */
export const IAM_GLOBAL_URL = 'https://iam.amazonaws.com/';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
const USER_AGENT = 'conclave-login';

export interface AwsIamLoginInput {
  credentials: AwsCredentials;
  /** Where the STS request is addressed (and signed for): `https://sts.<region>.amazonaws.com/` or -aws-sts-endpoint. */
  stsUrl: string;
  region: string;
  serverIdHeaderValue?: string;
  /** The caller's role or user, to include an iam:GetRole / iam:GetUser request. */
  entity?: { kind: 'role' | 'user'; name: string };
  now?: number;
}

/** One signed request as Go's http.Header, for the token. */
export interface SignedAwsRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string[]>;
  body: string;
}

/** textproto.CanonicalMIMEHeaderKey, as Go's Header.Add stores names. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1).toLowerCase() : p))
    .join('-');
}

/** A POST of a form to an AWS query API, signed; extra headers are signed too. */
export function signedAwsPost(url: string, body: string, extra: Record<string, string>, credentials: AwsCredentials, region: string, service: string, now?: number): SignedAwsRequest {
  const headers: Record<string, string> = { 'Content-Type': FORM, 'User-Agent': USER_AGENT, ...extra };
  const signed = signV4({ method: 'POST', url, headers, body }, credentials, region, service, now);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(signed)) out[canonicalHeaderKey(k)] = Array.isArray(v) ? v : [v];
  return { method: 'POST', url, headers: out, body };
}

export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/** The bearer token's JSON. */
export function awsIamBearerToken(input: AwsIamLoginInput): string {
  const serverId: Record<string, string> = input.serverIdHeaderValue ? { [IAM_SERVER_ID_HEADER]: input.serverIdHeaderValue } : {};
  const extra: Record<string, string> = {};
  if (input.entity) {
    const { kind, name } = input.entity;
    const body = kind === 'role' ? `Action=GetRole&RoleName=${encodeURIComponent(name)}&Version=2010-05-08` : `Action=GetUser&UserName=${encodeURIComponent(name)}&Version=2010-05-08`;
    const entity = signedAwsPost(IAM_GLOBAL_URL, body, serverId, input.credentials, 'us-east-1', 'iam', input.now);
    extra[GET_ENTITY_METHOD_HEADER] = entity.method;
    extra[GET_ENTITY_URL_HEADER] = entity.url;
    extra[GET_ENTITY_HEADERS_HEADER] = JSON.stringify(entity.headers);
    extra[GET_ENTITY_BODY_HEADER] = entity.body;
  }
  const sts = signedAwsPost(input.stsUrl, GET_CALLER_IDENTITY_BODY, { ...extra, ...serverId }, input.credentials, input.region, 'sts', input.now);
  return awsIamTokenJson(sts);
}

/** A (signed or altered) request as the token's JSON fields. */
export function awsIamTokenJson(req: { method: string; url: string; headers: Record<string, string[]>; body: string }): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return JSON.stringify({
    iam_http_request_method: req.method,
    iam_request_url: b64(req.url),
    iam_request_headers: b64(JSON.stringify(req.headers)),
    iam_request_body: b64(req.body),
  });
}
