// Routes the /v1/acl paths added after tokens, policies and roles (auth methods, binding rules, login, logout, OIDC,
// templated policies, replication status); http-api.ts sends a /v1/acl/ path here when isAclAuthPath says so.
import {
  authMethodDelete,
  authMethodList,
  authMethodRead,
  authMethodSet,
  bindingRuleDelete,
  bindingRuleList,
  bindingRuleRead,
  bindingRuleSet,
  login,
  logout,
  oidcAuthUrl,
  oidcCallback,
} from './acl-auth-endpoints.js';
import { replicationStatus } from './acl-replication-status.js';
import { templatedPolicyList, templatedPolicyPreview, templatedPolicyRead } from './acl-templated-endpoints.js';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';

const FIRST = new Set(['auth-method', 'auth-methods', 'binding-rule', 'binding-rules', 'login', 'logout', 'oidc', 'templated-policy', 'templated-policies', 'replication']);

/** `rest` is the path after /v1/acl/. */
export function isAclAuthPath(rest: string): boolean {
  const slash = rest.indexOf('/');
  return FIRST.has(slash < 0 ? rest : rest.slice(0, slash));
}

const NOT_FOUND = 'Invalid URL path: not a recognized HTTP API endpoint';

export async function handleAclAuth(call: ApiCall): Promise<void> {
  if (!call.backend.acl) throw new ApiError(401, 'ACL support disabled');
  const rest = call.rest;
  const slash = rest.indexOf('/');
  const kind = slash < 0 ? rest : rest.slice(0, slash);
  const arg = slash < 0 ? undefined : rest.slice(slash + 1);
  switch (kind) {
    case 'auth-methods':
      if (arg !== undefined) break;
      return call.allow('GET') ? authMethodList(call) : undefined;
    case 'auth-method':
      if (!arg) return call.allow('PUT') ? authMethodSet(call, undefined) : undefined;
      if (!call.allow('GET', 'PUT', 'DELETE')) return;
      return call.method === 'GET' ? authMethodRead(call, arg) : call.method === 'PUT' ? authMethodSet(call, arg) : authMethodDelete(call, arg);
    case 'binding-rules':
      if (arg !== undefined) break;
      return call.allow('GET') ? bindingRuleList(call) : undefined;
    case 'binding-rule':
      if (!arg) return call.allow('PUT') ? bindingRuleSet(call, undefined) : undefined;
      if (!call.allow('GET', 'PUT', 'DELETE')) return;
      return call.method === 'GET' ? bindingRuleRead(call, arg) : call.method === 'PUT' ? bindingRuleSet(call, arg) : bindingRuleDelete(call, arg);
    case 'login':
      if (arg !== undefined) break;
      return call.allow('POST') ? login(call) : undefined;
    case 'logout':
      if (arg !== undefined) break;
      return call.allow('POST') ? logout(call) : undefined;
    case 'oidc':
      if (arg === 'auth-url') return call.allow('POST') ? oidcAuthUrl(call) : undefined;
      if (arg === 'callback') return call.allow('POST') ? oidcCallback(call) : undefined;
      break;
    case 'templated-policies':
      if (arg !== undefined) break;
      return call.allow('GET') ? templatedPolicyList(call) : undefined;
    case 'templated-policy':
      if (arg?.startsWith('name/') && arg.length > 5) return call.allow('GET') ? templatedPolicyRead(call, arg.slice(5)) : undefined;
      if (arg?.startsWith('preview/') && arg.length > 8) return call.allow('POST') ? templatedPolicyPreview(call, arg.slice(8)) : undefined;
      break;
    case 'replication':
      if (arg !== undefined) break;
      return call.allow('GET') ? replicationStatus(call) : undefined;
  }
  call.text(404, NOT_FOUND);
}
