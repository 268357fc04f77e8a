// In a secondary datacenter (primary_datacenter names another), writes of global ACL records are answered by the
// primary, as Consul forwards them: bootstrap, policies and roles always, tokens when the stored token is global. Replication
// (agent/src/acl-replicator.ts) then brings them back; a global token created here is created there
// (answerInPrimary). Local tokens, auth methods and binding rules stay local. A secondary that does not replicate
// tokens holds none but local ones, and Consul then has none at all: every token operation is the primary's.
import type { ApiCall } from './api-call.js';
import type { ApiBackend } from './backend.js';

/** The URL to send this /v1/acl request to the primary with (`?dc=<primary>`), or undefined to answer it here. */
export function aclPrimaryUrl(backend: ApiBackend, method: string, rest: string, url: string): string | undefined {
  const primary = backend.primaryDatacenter;
  if (!primary || primary === backend.datacenter) return undefined;
  if (!(backend.localTokensEnabled === false && primaryTokens(method, rest))) {
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || !forPrimary(backend, rest)) return undefined;
  }
  const qi = url.indexOf('?');
  const params = new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1));
  params.set('dc', primary);
  return `${qi < 0 ? url : url.slice(0, qi)}?${params.toString()}`;
}

function forPrimary(backend: ApiBackend, rest: string): boolean {
  // The bootstrap token is a global token: bootstrapping is the primary's.
  if (rest === 'bootstrap' || rest === 'policy' || rest.startsWith('policy/') || rest === 'role' || rest.startsWith('role/')) return true;
  const m = /^token\/([^/]+)(\/clone)?$/.exec(rest);
  if (!m || m[1] === 'self') return false;
  // Only a server knows the token; a client agent hands the request to one, which decides.
  const token = backend.state.acl.token(m[1]!);
  return token !== undefined && !token.Local;
}

/**
 * Without local tokens (no token replication here) a token is only the primary's: reading, cloning and deleting one
 * go there, as Consul forwards ACL.TokenRead, TokenClone and TokenDelete. Writes carry a body that says whether the
 * token is local, so acl-endpoints.ts decides those; the token list drops the primary's local tokens there too.
 */
function primaryTokens(method: string, rest: string): boolean {
  const m = /^token\/([^/]+)(\/clone)?$/.exec(rest);
  if (!m || m[1] === 'self') return false;
  return m[2] ? method === 'PUT' : method === 'GET' || method === 'DELETE';
}

/** Answers this /v1/acl call with the primary's reply, as it came (the caller's token, else acl.tokens.default,
 * goes with it); false in the primary, or where no other datacenter can be reached. A token created in a
 * secondary without `Local` is a global token: the primary makes it (Consul forwards the create), and replication
 * brings it here. A secondary that does not replicate tokens shows a global token's /token/self from there (Consul
 * forwards ACL.TokenRead when it has no local tokens). */
export async function answerInPrimary(call: ApiCall, body?: unknown, transform?: (reply: Uint8Array) => Uint8Array): Promise<boolean> {
  const backend = call.backend;
  const fwd = backend.datacenterForwarder;
  if (!fwd || !backend.primaryDatacenter || backend.primaryDatacenter === backend.datacenter) return false;
  // The caller's query goes along (a list's filters, a blocking query's index), its datacenter replaced.
  const raw = call.req.url ?? '';
  const params = new URLSearchParams(raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '');
  params.set('dc', backend.primaryDatacenter);
  const url = `/v1/acl/${call.rest}?${params.toString()}`;
  const token = call.token() || backend.acl?.defaultToken?.() || '';
  const reply = await fwd.forward({
    method: call.method,
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { 'x-consul-token': token } : {}) },
    body: body !== undefined ? Buffer.from(JSON.stringify(body)) : new Uint8Array(),
  });
  const headers = Object.entries(reply.headers).flatMap(([k, v]) => (k.toLowerCase() === 'content-type' ? [] : [k, v]));
  const type = Object.entries(reply.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  call.send(reply.status, type, transform && reply.status === 200 ? transform(reply.body) : reply.body, headers);
  return true;
}

/** Consul's refusal of auth methods, binding rules, login and logout where local tokens are disabled. */
export const AUTH_METHODS_NEED_TOKEN_REPLICATION = 'Token replication is required for auth methods to function';

/** Whether this /v1/acl path (after /v1/acl/) makes or works with auth methods, which make local tokens. */
export function needsLocalTokens(rest: string): boolean {
  const first = rest.split('/', 1)[0]!;
  return first.startsWith('auth-method') || first.startsWith('binding-rule') || first === 'login' || first === 'logout' || first === 'oidc';
}
