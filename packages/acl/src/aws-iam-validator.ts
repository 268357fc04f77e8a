// The `aws-iam` auth method (Consul's agent/consul/authmethod/awsauth over internal/iamauth). The bearer token is a
// signed sts:GetCallerIdentity request in JSON (what `consul login -aws-auto-bearer-token` builds); the server checks
// it (POST, a known STS host or else the configured STSEndpoint, a body that is the GetCallerIdentity action only,
// no unexpected X-Amz-* header, the signed X-Consul-IAM-ServerID header when ServerIDHeaderValue is set), replays
// it to STS and trusts STS's answer: the caller's ARN, canonical for an assumed role, must be one of
// BoundIAMPrincipalARNs. With EnableIAMEntityDetails the token also carries a signed iam:GetRole / iam:GetUser
// request in X-Consul-IAM-GetEntity-* headers, replayed to IAM for the entity's full ARN, path and tags (its unique
// id must be the caller's); trailing wildcards in BoundIAMPrincipalARNs then match that ARN.
//
// Where a request goes: with STSEndpoint (IAMEndpoint) set, always there, with the token's path and query, Host
// header and signature (a token cannot point the server elsewhere); without, only to a `sts.*.amazonaws.com` /
// `sts-fips.*.amazonaws.com` (`iam…`) host. Each request is bounded (10 s, 1 MiB, no redirects followed);
// AWS_CA_BUNDLE in the agent's environment, when set, names the PEM bundle trusted for them instead of Node's roots.
import { readFileSync } from 'node:fs';
import {
  GET_ENTITY_BODY_HEADER,
  GET_ENTITY_HEADERS_HEADER,
  GET_ENTITY_METHOD_HEADER,
  GET_ENTITY_URL_HEADER,
  IAM_SERVER_ID_HEADER,
  boundedPost,
  canonicalArn,
  canonicalHeaderKey,
  exponentialBackoff,
  isPlainObject,
  parseArn,
  parseCallerIdentityResponse,
  parseIamEntityResponse,
  sleep,
  type GetResponse,
  type IamEntity,
} from '@conclave/toolkit';
import { AuthMethodError, type AuthIdentity, type AuthValidator } from './auth-method.js';
import { bool, int, str, strings } from './config-fields.js';

export interface AwsIamConfig {
  BoundIAMPrincipalARNs: string[];
  EnableIAMEntityDetails: boolean;
  IAMEntityTags: string[];
  ServerIDHeaderValue: string;
  MaxRetries: number;
  IAMEndpoint: string;
  STSEndpoint: string;
  STSRegion: string;
  AllowedSTSHeaderValues: string[];
}

const DEFAULT_ALLOWED_STS_HEADERS = ['X-Amz-Algorithm', 'X-Amz-Content-Sha256', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Security-Token', 'X-Amz-Signature', 'X-Amz-SignedHeaders'];
/** Headers of the token's requests that are the transport's to set, not the token's. */
const TRANSPORT_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']);
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 1 << 20;
/** go-retryablehttp's bounds as Consul sets them: 500 ms doubling to 30 s. */
const retryDelay = exponentialBackoff({ baseMs: 500, maxMs: 30_000, jitter: false });

/** Reads and checks an aws-iam Config as Consul's iamauth Config.Validate (its texts). */
export function parseAwsIamConfig(config: Record<string, unknown>): AwsIamConfig {
  const c: AwsIamConfig = {
    BoundIAMPrincipalARNs: strings(config.BoundIAMPrincipalARNs, 'BoundIAMPrincipalARNs'),
    EnableIAMEntityDetails: bool(config.EnableIAMEntityDetails, 'EnableIAMEntityDetails'),
    IAMEntityTags: strings(config.IAMEntityTags, 'IAMEntityTags'),
    ServerIDHeaderValue: str(config.ServerIDHeaderValue, 'ServerIDHeaderValue'),
    MaxRetries: int(config.MaxRetries, 'MaxRetries'),
    IAMEndpoint: str(config.IAMEndpoint, 'IAMEndpoint'),
    STSEndpoint: str(config.STSEndpoint, 'STSEndpoint'),
    STSRegion: str(config.STSRegion, 'STSRegion'),
    AllowedSTSHeaderValues: strings(config.AllowedSTSHeaderValues, 'AllowedSTSHeaderValues'),
  };
  if (c.BoundIAMPrincipalARNs.length === 0) throw new AuthMethodError('BoundIAMPrincipalARNs is required and must have at least 1 entry');
  for (const arn of c.BoundIAMPrincipalARNs) {
    const stars = arn.split('*').length - 1;
    if (stars > 0) {
      if (!c.EnableIAMEntityDetails) throw new AuthMethodError('Must set EnableIAMEntityDetails=true to use wildcards in BoundIAMPrincipalARNs');
      if (stars !== 1 || !arn.endsWith('*')) throw new AuthMethodError('Only one wildcard is allowed at the end of the bound IAM principal ARN');
    }
    // aws-sdk-go's arn.Parse: `arn:` and at least six sections; the service must be iam or sts.
    const sections = arn.split(':');
    if (!arn.startsWith('arn:') || sections.length < 6 || (sections[2] !== 'iam' && sections[2] !== 'sts'))
      throw new AuthMethodError(`Invalid principal ARN: ${JSON.stringify(arn)}`);
  }
  if (c.IAMEntityTags.length > 0 && !c.EnableIAMEntityDetails) throw new AuthMethodError('Must set EnableIAMEntityDetails=true to use IAMUserTags');
  // Ours: an endpoint is where the server sends requests, so it must be a URL it can send them to.
  for (const field of ['STSEndpoint', 'IAMEndpoint'] as const) {
    if (c[field] && !/^https?:\/\/[^/?#]+/.test(c[field])) throw new AuthMethodError(`${field} must be an http or https URL, got ${JSON.stringify(c[field])}`);
  }
  return c;
}

/** Go's http.Header as the token carries it: names to lists of values. */
type Headers = Record<string, string[]>;

/** One of the token's signed requests, checked. */
interface SignedRequest {
  method: string;
  url: URL;
  rawUrl: string;
  headers: Headers;
  body: string;
}

export class AwsIamValidator implements AuthValidator {
  readonly config: AwsIamConfig;

  constructor(rawConfig: Record<string, unknown>) {
    this.config = parseAwsIamConfig(rawConfig);
  }

  blankIdentity(): AuthIdentity {
    const vars: Record<string, string> = { entity_name: '', entity_id: '', account_id: '' };
    const tags: Record<string, string> = {};
    if (this.config.EnableIAMEntityDetails) {
      vars.entity_path = '';
      for (const t of this.config.IAMEntityTags) {
        vars[`entity_tags.${t}`] = '';
        tags[t] = '';
      }
    }
    return { selectable: { entity_name: '', entity_id: '', account_id: '', entity_path: '', entity_tags: tags }, projectedVars: vars };
  }

  async validateLogin(bearerToken: string): Promise<AuthIdentity> {
    const { sts, entity } = this.parseToken(bearerToken);
    if (this.config.ServerIDHeaderValue) checkServerId(sts.headers, this.config.ServerIDHeaderValue);
    const stsBody = xmlBody(await this.submit(sts, this.config.STSEndpoint));
    let results;
    try {
      results = parseCallerIdentityResponse(stsBody);
    } catch {
      throw new AuthMethodError('error parsing STS response');
    }
    if (results.length !== 1) throw new AuthMethodError(`received ${results.length} identities in STS response but expected 1`);
    const caller = results[0]!;
    let parsed;
    try {
      parsed = parseArn(caller.Arn);
    } catch (err) {
      throw new AuthMethodError((err as Error).message);
    }
    // UserId is `<unique id>:<session>` for an assumed role, `<unique id>` for a user.
    const entityId = caller.UserId.split(':')[0]!;
    let clientArn = canonicalArn(parsed);
    let path = '';
    let tags: Record<string, string> = {};
    if (entity) {
      if (this.config.ServerIDHeaderValue) checkServerId(entity.request.headers, this.config.ServerIDHeaderValue);
      const body = xmlBody(await this.submit(entity.request, this.config.IAMEndpoint));
      let details: IamEntity;
      try {
        details = parseIamEntityResponse(body, entity.action);
      } catch (err) {
        throw new AuthMethodError(`error parsing IAM response: ${(err as Error).message}`);
      }
      // Only STS's answer vouches for the caller: the entity must be the same one.
      if (details.id !== entityId) throw new AuthMethodError('unique id mismatch in login token');
      clientArn = details.arn;
      path = details.path;
      tags = details.tags;
    }
    this.checkBound(clientArn);
    const vars: Record<string, string> = { entity_name: parsed.friendlyName, entity_id: entityId, account_id: caller.Account };
    const selectedTags: Record<string, string> = {};
    if (this.config.EnableIAMEntityDetails) {
      vars.entity_path = path;
      for (const t of this.config.IAMEntityTags) {
        vars[`entity_tags.${t}`] = tags[t] ?? '';
        selectedTags[t] = tags[t] ?? '';
      }
    }
    return {
      selectable: { entity_name: parsed.friendlyName, entity_id: entityId, account_id: caller.Account, entity_path: path, entity_tags: selectedTags },
      projectedVars: vars,
    };
  }

  /** validateIdentity: an exact bound ARN, or (with entity details) a bound prefix ending in `*`. */
  private checkBound(clientArn: string): void {
    const bound = this.config.BoundIAMPrincipalARNs;
    if (bound.includes(clientArn)) return;
    if (this.config.EnableIAMEntityDetails && bound.some((b) => b.endsWith('*') && (b.length < 2 ? clientArn === b : clientArn.startsWith(b.slice(0, -1))))) return;
    throw new AuthMethodError(`IAM principal ${clientArn} is not trusted`);
  }

  /** NewBearerToken: the token's requests, checked as iamauth checks them (its texts). */
  parseToken(bearerToken: string): { sts: SignedRequest; entity?: { request: SignedRequest; action: 'GetRole' | 'GetUser' } } {
    let raw: unknown;
    try {
      raw = JSON.parse(bearerToken);
    } catch (err) {
      throw new AuthMethodError(`invalid token: ${(err as Error).message}`);
    }
    if (!isPlainObject(raw)) throw new AuthMethodError('invalid token: json: cannot unmarshal the token into an object');
    const field = (k: string): string => {
      const v = raw[k];
      if (v === undefined || v === null) return '';
      if (typeof v !== 'string') throw new AuthMethodError(`invalid token: json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go struct field .${k} of type string`);
      return v;
    };
    const method = field('iam_http_request_method');
    const rawUrl = base64(field('iam_request_url'));
    const headers = headerMap(base64(field('iam_request_headers')), true);
    const body = base64(field('iam_request_body'));
    const url = parseUrl(rawUrl, 'invalid token: ');
    const sts: SignedRequest = { method, url, rawUrl, headers, body };
    // validate()
    if (method !== 'POST') throw new AuthMethodError('iam_http_request_method must be POST');
    if (!this.config.STSEndpoint) checkAwsHost(url, 'sts', 'STS');
    try {
      parseRequestBody(body, { Action: ['GetCallerIdentity'], Version: [] });
    } catch (err) {
      throw new AuthMethodError(`iam_request_body error: ${(err as Error).message}`);
    }
    for (const name of Object.keys(headers)) {
      const h = canonicalHeaderKey(name);
      if (h.startsWith('X-Amz-') && !DEFAULT_ALLOWED_STS_HEADERS.includes(h) && !this.config.AllowedSTSHeaderValues.includes(h))
        throw new AuthMethodError(`invalid request header: ${h}`);
    }
    if (!this.config.EnableIAMEntityDetails) return { sts };
    const entityMethod = singleHeader(headers, GET_ENTITY_METHOD_HEADER);
    const entityRawUrl = singleHeader(headers, GET_ENTITY_URL_HEADER);
    const entityHeaders = headerMap(singleHeader(headers, GET_ENTITY_HEADERS_HEADER), false);
    const entityBody = singleHeader(headers, GET_ENTITY_BODY_HEADER);
    const entityUrl = parseUrl(entityRawUrl, '');
    if (!this.config.IAMEndpoint) checkAwsHost(entityUrl, 'iam', 'IAM');
    let values: Map<string, string[]>;
    try {
      values = parseRequestBody(entityBody, { Action: ['GetRole', 'GetUser'], RoleName: [], UserName: [], Version: [] });
    } catch (err) {
      throw new AuthMethodError(`iam_request_headers[${GET_ENTITY_BODY_HEADER}] error: ${(err as Error).message}`);
    }
    const action = values.get('Action')![0]!;
    const hasRole = values.has('RoleName');
    const hasUser = values.has('UserName');
    if (!((action === 'GetUser' && hasUser && !hasRole) || (action === 'GetRole' && hasRole && !hasUser)))
      throw new AuthMethodError(`iam_request_headers[${JSON.stringify(GET_ENTITY_BODY_HEADER)}] error: invalid request body ${JSON.stringify(entityBody)}`);
    return { sts, entity: { request: { method: entityMethod, url: entityUrl, rawUrl: entityRawUrl, headers: entityHeaders, body: entityBody }, action: action as 'GetRole' | 'GetUser' } };
  }

  /** buildHttpRequest and submitRequest: to the endpoint (or the token's own checked URL) with the token's path,
   * Host, headers and body; retried as go-retryablehttp's default policy, MaxRetries times. */
  private async submit(req: SignedRequest, endpoint: string): Promise<GetResponse> {
    const requestUri = req.url.pathname + req.url.search;
    const target = endpoint ? `${endpoint}${requestUri}` : req.url.origin + requestUri;
    // Whatever the path, the request stays on the endpoint's (or the checked host's) origin.
    const origin = new URL(endpoint || req.url.origin).origin;
    let targetUrl: URL;
    try {
      targetUrl = new URL(target);
    } catch {
      throw new AuthMethodError(`error making request: parse ${JSON.stringify(target)}: invalid URL`);
    }
    if (targetUrl.origin !== origin) throw new AuthMethodError(`error making request: ${JSON.stringify(target)} is not on ${origin}`);
    const headers: Record<string, string | string[]> = { Host: req.url.host };
    for (const [k, v] of Object.entries(req.headers)) if (!TRANSPORT_HEADERS.has(k.toLowerCase()) && v.length > 0) headers[k] = v.length === 1 ? v[0]! : v;
    const caFile = process.env.AWS_CA_BUNDLE;
    let ca: string | undefined;
    if (caFile) {
      try {
        ca = readFileSync(caFile, 'utf8');
      } catch (err) {
        throw new AuthMethodError(`error making request: reading AWS_CA_BUNDLE: ${(err as Error).message}`);
      }
    }
    const retries = Math.max(0, this.config.MaxRetries);
    for (let attempt = 1; ; attempt++) {
      let res: GetResponse | undefined;
      let failure: Error | undefined;
      try {
        res = await boundedPost(targetUrl.href, { ca, timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: MAX_RESPONSE_BYTES, headers, body: req.body });
      } catch (err) {
        failure = err as Error;
      }
      const retryable = failure ? !/certificate|self.signed|unsupported protocol|larger than/i.test(failure.message) : res!.status === 429 || (res!.status >= 500 && res!.status !== 501);
      if (!retryable && res) return res;
      if (!retryable || attempt > retries) {
        const giveUp = `${req.method} ${targetUrl.href} giving up after ${attempt} attempt(s)`;
        throw new AuthMethodError(`error making request: ${failure ? `${giveUp}: ${failure.message}` : giveUp}`);
      }
      await sleep(retryDelay(attempt));
    }
  }
}

/** The response's body once it is XML and a 200 (submitRequest's checks, Consul's texts). */
function xmlBody(res: GetResponse): string {
  if (res.contentType !== 'text/xml') throw new AuthMethodError('response body is invalid');
  const body = res.body.toString('utf8');
  if (res.status !== 200) throw new AuthMethodError(`received error code ${res.status}: ${body}`);
  return body;
}

/** Go's base64.StdEncoding.DecodeString (padding required, no other characters). */
function base64(s: string): string {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    const at = s.search(/[^A-Za-z0-9+/=]/);
    throw new AuthMethodError(`invalid token: illegal base64 data at input byte ${at < 0 ? s.length : at}`);
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

/** A JSON http.Header: an object of lists of strings (null: none). */
function headerMap(json: string, inToken: boolean): Headers {
  const prefix = inToken ? 'invalid token: ' : '';
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    throw new AuthMethodError(`${prefix}${(err as Error).message}`);
  }
  if (v === null) return {};
  if (!isPlainObject(v) || Object.values(v).some((x) => x !== null && (!Array.isArray(x) || x.some((s) => typeof s !== 'string'))))
    throw new AuthMethodError(`${prefix}json: cannot unmarshal the headers into Go value of type http.Header`);
  const out: Headers = {};
  for (const [k, x] of Object.entries(v)) out[k] = (x as string[] | null) ?? [];
  return out;
}

/** parseUrl: a scheme and a host are required. */
function parseUrl(s: string, prefix: string): URL {
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  if (!u || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]/i.test(s) || !u.host) throw new AuthMethodError(`${prefix}url is invalid: ${JSON.stringify(s)}`);
  return u;
}

/** validateSTSHostname / validateIAMHostname when no endpoint is configured. */
function checkAwsHost(url: URL, service: 'sts' | 'iam', label: string): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.endsWith('.amazonaws.com') && (host.startsWith(`${service}.`) || host.startsWith(`${service}-fips.`))) return;
  throw new AuthMethodError(`invalid ${label} hostname: ${JSON.stringify(host)}`);
}

/** parseRequestBody: url.ParseQuery, `Action` required, no other field than allowed, listed values only. */
export function parseRequestBody(body: string, allowed: Record<string, string[]>): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const part of body.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) throw new Error('invalid semicolon separator in query');
    const eq = part.indexOf('=');
    const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const v = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    values.set(k, [...(values.get(k) ?? []), v]);
  }
  const action = values.get('Action');
  if (!action || action.length === 0 || action[0] === '') throw new Error('missing field "Action"');
  for (const [k, v] of values) {
    if (k !== 'Action' && !Object.hasOwn(allowed, k)) throw new Error(`unexpected field ${JSON.stringify(k)}`);
    const exp = allowed[k] ?? [];
    if (exp.length === 0) continue;
    if (v.length !== 1 || !exp.includes(v[0]!)) throw new Error(`unexpected value ${k}=[${v.join(' ')}]`);
  }
  return values;
}

/** url.QueryUnescape: `+` is a space; a bad escape is an error. */
function queryUnescape(s: string): string {
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(s);
  if (bad) throw new Error(`invalid URL escape ${JSON.stringify(s.slice(bad.index, bad.index + 3))}`);
  return Buffer.from(s.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** The values of a header, its name matched as Go's Header.Values (canonically). */
function headerValues(headers: Headers, name: string): string[] {
  const want = canonicalHeaderKey(name);
  return Object.entries(headers).flatMap(([k, v]) => (canonicalHeaderKey(k) === want ? v : []));
}

function singleHeader(headers: Headers, name: string): string {
  const values = headerValues(headers, name);
  if (values.length === 0) throw new AuthMethodError(`missing header ${JSON.stringify(name)}`);
  if (values.length !== 1) throw new AuthMethodError(`invalid value for header ${JSON.stringify(name)} (expected 1 item)`);
  return values[0]!;
}

/** validateHeaderValue: the server ID header present, equal to the configured value and among the signed ones. */
function checkServerId(headers: Headers, required: string): void {
  const provided = headerValues(headers, IAM_SERVER_ID_HEADER).join(',');
  if (provided === '') throw new AuthMethodError(`missing header ${JSON.stringify(IAM_SERVER_ID_HEADER)}`);
  if (provided !== required) throw new AuthMethodError(`expected ${JSON.stringify(required)} but got ${JSON.stringify(provided)}`);
  const authz = headerValues(headers, 'Authorization');
  if (authz.length === 0) throw new AuthMethodError('missing Authorization header');
  const m = /.*SignedHeaders=([^,]+)/.exec(authz.join(','));
  if (!m) throw new AuthMethodError("server id header wasn't signed");
  if (!m[1]!.split(';').includes(IAM_SERVER_ID_HEADER.toLowerCase())) throw new AuthMethodError("header wasn't signed");
}
