// /v1/acl/auth-method*, /v1/acl/binding-rule*, /v1/acl/login, /v1/acl/logout and the OIDC flow's
// /v1/acl/oidc/auth-url and /v1/acl/oidc/callback with Consul's shapes and texts (agent/acl_endpoint.go,
// agent/consul/acl_endpoint.go). Reads need acl:read, writes acl:write; login and the OIDC flow need no token
// (the bearer token, or the provider's code, is the credential) and logout only the token it deletes. An oidc
// method's pending logins live in its validator, on the server that answers (followers and client agents hand
// these POSTs to the leader). Validators are built here,
// in the proposer: a method's Config is checked when it is written and a login's bearer token when it arrives;
// apply sees only plain records.
import {
  ACL_NOT_FOUND,
  AuthMethodError,
  BindNameError,
  OidcValidator,
  PERMISSION_DENIED,
  TemplatedPolicyError,
  newAuthValidator,
  type AuthIdentity,
  type AuthValidator,
} from '@conclave/acl';
import { isCommandFailure } from '@conclave/catalog';
import type { AclAuthMethod, AclAuthMethodInput, AclBindingRule, AclBindingRuleInput, AclTokenInput, Command } from '@conclave/state';
import { formatGoDuration, randomUuid } from '@conclave/toolkit';
import { requirePermission } from './acl-enforce.js';
import { decodeAuthMethodBody, decodeBindingRuleBody, decodeLoginBody, decodeOidcAuthUrlBody, decodeOidcCallbackBody } from './acl-auth-body.js';
import { BIND_TYPES, bind, bindNameError, noBindings, selectorError } from './acl-binder.js';
import { tokenJson } from './acl-endpoints.js';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';
import { blockingQuery, parseBlockingOptions } from './blocking-query.js';

const VALID_METHOD_NAME = /^[a-zA-Z0-9\-_]{1,128}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Consul's acl.token_min_expiration_ttl and token_max_expiration_ttl defaults. */
const MIN_TOKEN_TTL_NS = 60e9;
const MAX_TOKEN_TTL_NS = 24 * 3600e9;

async function propose(call: ApiCall, command: Command): Promise<number> {
  const { index, result } = await call.backend.log.propose(command);
  if (isCommandFailure(result)) throw new ApiError(400, result.error);
  return index;
}

/** Whether this datacenter replicates ACLs from another (global tokens are made in the primary only). */
function inSecondary(call: ApiCall): boolean {
  const primary = call.backend.primaryDatacenter;
  return !!primary && primary !== call.backend.datacenter;
}

function now(call: ApiCall): number {
  return call.backend.now ? call.backend.now() : Date.now();
}

/** The clock validators check token times on (and space their key fetches by). */
function loginClock(call: ApiCall): (() => number) | undefined {
  const backend = call.backend;
  return backend.now ? () => backend.now!() : undefined;
}

// ---- auth methods

/** Consul's ACLAuthMethod JSON: MaxTokenTTL as a Go duration string, empty optional fields left out. */
export function authMethodJson(m: AclAuthMethod, stub = false): Record<string, unknown> {
  const out: Record<string, unknown> = { Name: m.Name, Type: m.Type };
  if (m.DisplayName) out.DisplayName = m.DisplayName;
  if (m.Description) out.Description = m.Description;
  if (m.MaxTokenTTL) out.MaxTokenTTL = formatGoDuration(m.MaxTokenTTL);
  if (m.TokenLocality) out.TokenLocality = m.TokenLocality;
  if (!stub) out.Config = m.Config;
  out.CreateIndex = m.CreateIndex;
  out.ModifyIndex = m.ModifyIndex;
  return out;
}

export async function authMethodRead(call: ApiCall, name: string): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const opts = parseBlockingOptions(call);
  await blockingQuery(
    call,
    opts,
    (ws) => {
      const all = call.backend.state.aclAuth.listAuthMethods(ws);
      return { index: all.index, value: call.backend.state.aclAuth.authMethod(name) };
    },
    (r) => {
      if (!r.value) call.send(404, '', '', call.metaHeaders(r.index, opts.mode));
      else call.jsonWithMeta(200, call.encode(authMethodJson(r.value)), r.index, opts.mode);
    },
  );
}

export async function authMethodList(call: ApiCall): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const opts = parseBlockingOptions(call);
  await blockingQuery(
    call,
    opts,
    (ws) => call.backend.state.aclAuth.listAuthMethods(ws),
    (r) => {
      const rows = r.value
        .slice()
        .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
        .map((m) => authMethodJson(m, true));
      call.jsonWithMeta(200, call.encode(rows), r.index, opts.mode);
    },
  );
}

export async function authMethodSet(call: ApiCall, urlName: string | undefined): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  call.checkDatacenter();
  const body = decodeAuthMethodBody(await call.readJson());
  if (urlName !== undefined && body.Name && body.Name !== urlName) throw new ApiError(400, 'AuthMethod Name in URL and payload do not match');
  const name = body.Name || urlName || '';
  if (!name) throw new ApiError(400, 'Invalid Auth Method: no Name is set');
  if (!VALID_METHOD_NAME.test(name)) throw new ApiError(400, "Invalid Auth Method: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
  const existing = call.backend.state.aclAuth.authMethod(name);
  let type = body.Type ?? '';
  if (existing) {
    if (!type) type = existing.Type;
    else if (type !== existing.Type) throw new ApiError(400, 'the Type field of an Auth Method is immutable');
  }
  const ttl = body.MaxTokenTTL ?? 0;
  if (ttl !== 0) {
    if (ttl > MAX_TOKEN_TTL_NS) throw new ApiError(400, `MaxTokenTTL ${formatGoDuration(ttl)} cannot be more than ${formatGoDuration(MAX_TOKEN_TTL_NS)}`);
    if (ttl < MIN_TOKEN_TTL_NS) throw new ApiError(400, `MaxTokenTTL ${formatGoDuration(ttl)} cannot be less than ${formatGoDuration(MIN_TOKEN_TTL_NS)}`);
  }
  const locality = body.TokenLocality ?? '';
  if (!['', 'local', 'global'].includes(locality)) throw new ApiError(400, "Invalid Auth Method: TokenLocality should be one of 'local' or 'global'");
  if (locality === 'global' && inSecondary(call)) throw new ApiError(400, "Invalid Auth Method: TokenLocality 'global' can only be used in the primary datacenter");
  const config = body.Config ?? {};
  let validator: AuthValidator;
  try {
    validator = newAuthValidator(type, config, loginClock(call));
    await validator.checkConfig?.();
  } catch (err) {
    if (err instanceof AuthMethodError) throw new ApiError(400, `Invalid Auth Method: ${err.message}`);
    throw err;
  }
  const method: AclAuthMethodInput = {
    Name: name,
    Type: type,
    DisplayName: body.DisplayName ?? '',
    Description: body.Description ?? '',
    MaxTokenTTL: ttl,
    TokenLocality: locality,
    Config: config,
  };
  await propose(call, { type: 'acl.auth-method.set', Method: method });
  const stored = call.backend.state.aclAuth.authMethod(name)!;
  // The checked validator serves this method's logins here: a jwt one keeps the keys it just fetched.
  if (!validators.has(stored)) validators.set(stored, validator);
  call.json(200, authMethodJson(stored));
}

export async function authMethodDelete(call: ApiCall, name: string): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  call.checkDatacenter();
  if (call.backend.state.aclAuth.authMethod(name)) await propose(call, { type: 'acl.auth-method.delete', Name: name });
  call.json(200, true);
}

// ---- binding rules

export function bindingRuleJson(r: AclBindingRule): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: r.ID,
    Description: r.Description,
    AuthMethod: r.AuthMethod,
    Selector: r.Selector,
    BindType: r.BindType,
    BindName: r.BindName,
  };
  if (r.BindVars?.Name) out.BindVars = { Name: r.BindVars.Name };
  out.CreateIndex = r.CreateIndex;
  out.ModifyIndex = r.ModifyIndex;
  return out;
}

export async function bindingRuleRead(call: ApiCall, id: string): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const opts = parseBlockingOptions(call);
  await blockingQuery(
    call,
    opts,
    (ws) => ({ index: call.backend.state.aclAuth.listBindingRules(ws).index, value: call.backend.state.aclAuth.bindingRule(id) }),
    (r) => {
      if (!r.value) call.send(404, '', '', call.metaHeaders(r.index, opts.mode));
      else call.jsonWithMeta(200, call.encode(bindingRuleJson(r.value)), r.index, opts.mode);
    },
  );
}

export async function bindingRuleList(call: ApiCall): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const method = call.query.empty ? undefined : call.query.get('authmethod') || undefined;
  const opts = parseBlockingOptions(call);
  await blockingQuery(
    call,
    opts,
    (ws) => call.backend.state.aclAuth.listBindingRules(ws, method),
    (r) => call.jsonWithMeta(200, call.encode(r.value.map(bindingRuleJson)), r.index, opts.mode),
  );
}

export async function bindingRuleSet(call: ApiCall, urlId: string | undefined): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  call.checkDatacenter();
  const body = decodeBindingRuleBody(await call.readJson());
  if (urlId !== undefined && body.ID && body.ID !== urlId) throw new ApiError(400, 'BindingRule ID in URL and payload do not match');
  const state = call.backend.state.aclAuth;
  const id = body.ID ?? urlId;
  let authMethod = body.AuthMethod ?? '';
  if (id !== undefined) {
    if (!UUID.test(id)) throw new ApiError(400, 'Binding Rule ID invalid UUID');
    const existing = state.bindingRule(id);
    if (!existing) throw new ApiError(400, `cannot find binding rule ${id}`);
    if (!authMethod) authMethod = existing.AuthMethod;
    else if (authMethod !== existing.AuthMethod) throw new ApiError(400, 'the AuthMethod field of an Binding Rule is immutable');
  }
  if (!authMethod) throw new ApiError(400, 'Invalid Binding Rule: no AuthMethod is set');
  const method = state.authMethod(authMethod);
  if (!method) throw new ApiError(400, `cannot find auth method with name ${JSON.stringify(authMethod)}`);
  const blank = validatorFor(method, loginClock(call)).blankIdentity();
  const selector = body.Selector ?? '';
  const bad = selectorError(method.Type, selector);
  if (bad !== undefined) throw new ApiError(400, `invalid Binding Rule: Selector is invalid: ${bad}`);
  const bindType = body.BindType ?? '';
  const bindName = body.BindName ?? '';
  if (!bindType) throw new ApiError(400, 'Invalid Binding Rule: no BindType is set');
  if (!bindName) throw new ApiError(400, 'Invalid Binding Rule: no BindName is set');
  if (!(BIND_TYPES as readonly string[]).includes(bindType)) throw new ApiError(400, `Invalid Binding Rule: unknown BindType ${JSON.stringify(bindType)}`);
  const rule: AclBindingRuleInput = { ID: id ?? randomUuid(), Description: body.Description ?? '', AuthMethod: authMethod, Selector: selector, BindType: bindType, BindName: bindName };
  if (bindType === 'templated-policy' && body.BindVars?.Name) rule.BindVars = { Name: body.BindVars.Name };
  const nameProblem = bindNameError(rule, blank);
  if (nameProblem) throw new ApiError(400, `Invalid Binding Rule: invalid BindName: ${nameProblem}`);
  await propose(call, { type: 'acl.binding-rule.set', Rule: rule });
  call.json(200, bindingRuleJson(state.bindingRule(rule.ID)!));
}

export async function bindingRuleDelete(call: ApiCall, id: string): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  call.checkDatacenter();
  if (call.backend.state.aclAuth.bindingRule(id)) await propose(call, { type: 'acl.binding-rule.delete', ID: id });
  call.json(200, true);
}

// ---- login / logout

/** Built validators, rebuilt when their method changes (a kubernetes one keeps nothing but its config; a jwt one
 * with JWKSURL or OIDCDiscoveryURL keeps the fetched keys, refetched as remote-key-set.ts says). */
const validators = new WeakMap<AclAuthMethod, AuthValidator>();

function validatorFor(method: AclAuthMethod, clock?: () => number): AuthValidator {
  let v = validators.get(method);
  if (!v) {
    try {
      v = newAuthValidator(method.Type, method.Config, clock);
    } catch (err) {
      if (err instanceof AuthMethodError) throw new ApiError(500, `Invalid Auth Method: ${err.message}`);
      throw err;
    }
    validators.set(method, v);
  }
  return v;
}

function methodNamed(call: ApiCall, name: string): AclAuthMethod {
  const method = call.backend.state.aclAuth.authMethod(name);
  if (!method) throw new ApiError(403, `${ACL_NOT_FOUND}: auth method ${JSON.stringify(name)} not found`);
  return method;
}

/** A refusal of the method's (Consul's text, answered 500 as Consul answers its validators' errors). */
async function refusedAs500<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AuthMethodError) throw new ApiError(500, err.message);
    throw err;
  }
}

export async function login(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const body = decodeLoginBody(await call.readJson());
  const method = methodNamed(call, body.AuthMethod);
  const identity = await refusedAs500(() => validatorFor(method, loginClock(call)).validateLogin(body.BearerToken));
  await issueLoginToken(call, method, identity, body.Meta);
}

/** An oidc method's validator; another type cannot start the flow (go-sso's text). */
function oidcValidatorFor(call: ApiCall, method: AclAuthMethod, step: 'GetAuthCodeURL' | 'ClaimsFromAuthCode'): OidcValidator {
  const v = validatorFor(method, loginClock(call));
  if (!(v instanceof OidcValidator)) throw new ApiError(500, `${step} is incompatible with type ${JSON.stringify(method.Type)}`);
  return v;
}

/** POST /v1/acl/oidc/auth-url: the provider URL to send the user's browser to, with a fresh state and nonce. */
export async function oidcAuthUrl(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const body = decodeOidcAuthUrlBody(await call.readJson());
  const method = methodNamed(call, body.AuthMethod);
  const validator = oidcValidatorFor(call, method, 'GetAuthCodeURL');
  const url = await refusedAs500(() => validator.authUrl(body.RedirectURI, body.ClientNonce, body.Meta));
  call.json(200, { AuthURL: url });
}

/** POST /v1/acl/oidc/callback: the provider's code and state for a token, bound as /v1/acl/login binds. */
export async function oidcCallback(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const body = decodeOidcCallbackBody(await call.readJson());
  const method = methodNamed(call, body.AuthMethod);
  const validator = oidcValidatorFor(call, method, 'ClaimsFromAuthCode');
  const done = await refusedAs500(() => validator.claimsFromAuthCode(body.State, body.Code, body.ClientNonce));
  await issueLoginToken(call, method, done.identity, done.meta);
}

/** Binds a verified identity and makes its token (Consul's ACL.Login after the validator). */
async function issueLoginToken(call: ApiCall, method: AclAuthMethod, identity: AuthIdentity, metaIn: Record<string, string>): Promise<void> {
  const state = call.backend.state;
  let bindings;
  try {
    bindings = bind(state, method, identity, call.backend.datacenter);
  } catch (err) {
    if (err instanceof BindNameError || err instanceof TemplatedPolicyError) throw new ApiError(500, err.message);
    throw err;
  }
  if (noBindings(bindings)) throw new ApiError(403, PERMISSION_DENIED);
  if (method.TokenLocality === 'global' && inSecondary(call)) throw new ApiError(500, 'creating global tokens via auth methods is only permitted in the primary datacenter');
  const meta = Object.keys(metaIn).sort();
  const description = meta.length ? `token created via login: ${JSON.stringify(Object.fromEntries(meta.map((k) => [k, metaIn[k]])))}` : 'token created via login';
  const at = now(call);
  const token: AclTokenInput = {
    AccessorID: randomUuid(),
    SecretID: randomUuid(),
    Description: description,
    Policies: bindings.Policies,
    Roles: bindings.Roles,
    ServiceIdentities: bindings.ServiceIdentities,
    NodeIdentities: bindings.NodeIdentities,
    Local: method.TokenLocality !== 'global',
    CreateTime: new Date(at).toISOString(),
    AuthMethod: method.Name,
  };
  if (bindings.TemplatedPolicies.length) token.TemplatedPolicies = bindings.TemplatedPolicies;
  if (method.MaxTokenTTL > 0) token.ExpirationTime = new Date(at + method.MaxTokenTTL / 1e6).toISOString();
  await propose(call, { type: 'acl.token.set', Token: token });
  call.json(200, tokenJson(state.acl.token(token.AccessorID)!, true));
}

export async function logout(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const secret = call.token();
  if (!secret) throw new ApiError(403, ACL_NOT_FOUND);
  const token = call.backend.state.acl.tokenBySecret(secret);
  if (!token) throw new ApiError(403, ACL_NOT_FOUND);
  // Only tokens a login made can be logged out of.
  if (!token.AuthMethod) throw new ApiError(403, PERMISSION_DENIED);
  await propose(call, { type: 'acl.token.delete', AccessorID: token.AccessorID });
  call.json(200, true);
}
