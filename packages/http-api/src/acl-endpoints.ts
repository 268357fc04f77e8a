// /v1/acl/*: bootstrap, tokens, policies and roles, with Consul's JSON shapes and texts. IDs and secrets are
// chosen here (the proposer), never in apply. Reads need acl:read, writes acl:write; /token/self and bootstrap
// need no permission. With ACLs off every endpoint answers 401 `ACL support disabled`, as Consul does.
import { ACL_NOT_FOUND, GLOBAL_MANAGEMENT_POLICY_ID, PERMISSION_DENIED, TemplatedPolicyError, validateTemplatedPolicy, type TemplatedPolicyLink } from '@conclave/acl';
import { isCommandFailure } from '@conclave/catalog';
import type { AclLink, AclPolicy, AclRole, AclToken, AclTokenInput, Command, StateReader } from '@conclave/state';
import { callerToken, permitted, requirePermission } from './acl-enforce.js';
import { answerInPrimary } from './acl-primary-forward.js';
import { decodePolicyBody, decodeRoleBody, decodeTokenBody, type RoleBody, type TokenBody } from './acl-body.js';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';
import { blockingQuery, parseBlockingOptions } from './blocking-query.js';
import { filterList, filterPredicate } from './filters.js';
import { ACL_POLICY_LIST_STUB_TYPE, ACL_ROLE_TYPE, ACL_TOKEN_LIST_STUB_TYPE } from './filter-types.js';
import { randomUuid } from '@conclave/toolkit';

const NOT_FOUND = 'Invalid URL path: not a recognized HTTP API endpoint';
const HIDDEN = '<hidden>';
/** Consul's text for a local token in a secondary datacenter that does not replicate tokens. */
const LOCAL_TOKENS_DISABLED = 'Local tokens are disabled';

/** A token list answered by the primary, without the tokens local to it. */
function globalTokensOnly(reply: Uint8Array): Uint8Array {
  const rows = JSON.parse(Buffer.from(reply).toString('utf8')) as Array<{ Local?: boolean }>;
  return Buffer.from(JSON.stringify(rows.filter((t) => !t.Local)));
}

export async function handleAcl(call: ApiCall): Promise<void> {
  if (!call.backend.acl) throw new ApiError(401, 'ACL support disabled');
  const parts = call.rest.split('/');
  const [kind, a, b] = parts;
  switch (kind) {
    case 'bootstrap':
      if (parts.length !== 1 || !call.allow('PUT')) return notFound(call, parts.length !== 1);
      return bootstrap(call);
    case 'tokens':
      if (parts.length !== 1 || !call.allow('GET')) return notFound(call, parts.length !== 1);
      return listTokens(call);
    case 'policies':
      if (parts.length !== 1 || !call.allow('GET')) return notFound(call, parts.length !== 1);
      return listPolicies(call);
    case 'roles':
      if (parts.length !== 1 || !call.allow('GET')) return notFound(call, parts.length !== 1);
      return listRoles(call);
    case 'token':
      if (parts.length === 1) return call.allow('PUT') ? tokenSet(call, undefined) : undefined;
      if (a === 'self' && parts.length === 2) return call.allow('GET') ? tokenSelf(call) : undefined;
      if (parts.length === 3 && b === 'clone') return call.allow('PUT') ? tokenClone(call, a!) : undefined;
      if (parts.length !== 2 || !a) return notFound(call, true);
      if (!call.allow('GET', 'PUT', 'DELETE')) return;
      return call.method === 'GET' ? tokenRead(call, a) : call.method === 'PUT' ? tokenSet(call, a) : tokenDelete(call, a);
    case 'policy':
      if (parts.length === 1) return call.allow('PUT') ? policySet(call, undefined) : undefined;
      if (a === 'name' && parts.length === 3) return call.allow('GET') ? policyRead(call, (s) => s.acl.policyByName(b!)) : undefined;
      if (parts.length !== 2 || !a) return notFound(call, true);
      if (!call.allow('GET', 'PUT', 'DELETE')) return;
      if (call.method === 'GET') return policyRead(call, (s) => s.acl.policy(a));
      return call.method === 'PUT' ? policySet(call, a) : remove(call, { type: 'acl.policy.delete', ID: a });
    case 'role':
      if (parts.length === 1) return call.allow('PUT') ? roleSet(call, undefined) : undefined;
      if (a === 'name' && parts.length === 3) return call.allow('GET') ? roleRead(call, (s) => s.acl.roleByName(b!)) : undefined;
      if (parts.length !== 2 || !a) return notFound(call, true);
      if (!call.allow('GET', 'PUT', 'DELETE')) return;
      if (call.method === 'GET') return roleRead(call, (s) => s.acl.role(a));
      return call.method === 'PUT' ? roleSet(call, a) : remove(call, { type: 'acl.role.delete', ID: a });
    default:
      call.text(404, NOT_FOUND);
  }
}

function notFound(call: ApiCall, yes: boolean): void {
  if (yes) call.text(404, NOT_FOUND);
}

async function propose(call: ApiCall, command: Command): Promise<number> {
  const { index, result } = await call.backend.log.propose(command);
  if (isCommandFailure(result)) {
    const status = /not permitted|no longer allowed/.test(result.error) ? 403 : 400;
    throw new ApiError(status, status === 403 ? `${PERMISSION_DENIED}: ${result.error}` : result.error);
  }
  return index;
}

async function bootstrap(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const now = new Date(call.backend.now ? call.backend.now() : Date.now());
  const token: AclTokenInput = {
    AccessorID: randomUuid(),
    SecretID: randomUuid(),
    Description: 'Bootstrap Token (Global Management)',
    Policies: [{ ID: GLOBAL_MANAGEMENT_POLICY_ID }],
    Roles: [],
    ServiceIdentities: [],
    NodeIdentities: [],
    Local: false,
    CreateTime: now.toISOString(),
  };
  await propose(call, { type: 'acl.bootstrap', Token: token });
  call.json(200, tokenJson(call.backend.state.acl.token(token.AccessorID)!, true));
}

// ---- tokens

/** Consul's ACLToken JSON: empty lists and an absent expiration are left out (omitempty). */
export function tokenJson(t: AclToken, showSecret: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { AccessorID: t.AccessorID, SecretID: showSecret ? t.SecretID : HIDDEN, Description: t.Description };
  if (t.Policies.length) out.Policies = t.Policies;
  if (t.Roles.length) out.Roles = t.Roles;
  if (t.ServiceIdentities.length) out.ServiceIdentities = t.ServiceIdentities;
  if (t.NodeIdentities.length) out.NodeIdentities = t.NodeIdentities;
  if (t.TemplatedPolicies?.length) out.TemplatedPolicies = t.TemplatedPolicies;
  out.Local = t.Local;
  if (t.AuthMethod) out.AuthMethod = t.AuthMethod;
  if (t.ExpirationTime) out.ExpirationTime = t.ExpirationTime;
  out.CreateTime = t.CreateTime;
  out.Hash = t.Hash;
  out.CreateIndex = t.CreateIndex;
  out.ModifyIndex = t.ModifyIndex;
  return out;
}

async function tokenSelf(call: ApiCall): Promise<void> {
  const t = await callerToken(call)!;
  const token = t.token && call.backend.state.acl.token(t.token.AccessorID);
  if (token) return call.json(200, tokenJson(token, true));
  // A global token a secondary does not hold (it resolved it by asking the primary): the primary shows it.
  if (await answerInPrimary(call)) return;
  throw new ApiError(403, ACL_NOT_FOUND);
}

async function tokenRead(call: ApiCall, accessorId: string): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const t = call.backend.state.acl.token(accessorId);
  if (!t || expired(call, t)) throw new ApiError(403, ACL_NOT_FOUND);
  call.jsonWithMeta(200, call.encode(tokenJson(t, await permitted(call, 'acl', 'write'))), call.backend.state.acl.maxIndex(), 'leader');
}

async function tokenSet(call: ApiCall, accessorId: string | undefined): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  const raw = await call.readJson();
  const body = decodeTokenBody(raw);
  // Without token replication a secondary has no tokens of its own, as Consul's LocalTokensEnabled() is false:
  // a local one cannot be made, a global one is the primary's to create or update.
  if (call.backend.localTokensEnabled === false) {
    if (body.Local) throw new ApiError(500, LOCAL_TOKENS_DISABLED);
    if (await answerInPrimary(call, raw ?? {})) return;
  }
  // In a secondary datacenter a global token is the primary's to create (acl-primary-forward.ts).
  if (accessorId === undefined && !body.Local && (await answerInPrimary(call, raw ?? {}))) return;
  const state = call.backend.state;
  let old: AclToken | undefined;
  if (accessorId !== undefined) {
    if (body.AccessorID && body.AccessorID !== accessorId) throw new ApiError(400, 'Token Accessor ID in URL and payload do not match');
    old = state.acl.token(accessorId);
    if (!old) throw new ApiError(403, ACL_NOT_FOUND);
    if (body.SecretID && body.SecretID !== old.SecretID) throw new ApiError(400, 'Changing a tokens SecretID is not permitted');
  } else if (body.AccessorID && state.acl.token(body.AccessorID)) {
    throw new ApiError(400, 'Invalid Token: AccessorID is already in use');
  }
  const now = call.backend.now ? call.backend.now() : Date.now();
  const token: AclTokenInput = {
    AccessorID: old?.AccessorID ?? body.AccessorID ?? randomUuid(),
    SecretID: old?.SecretID ?? body.SecretID ?? randomUuid(),
    Description: body.Description ?? '',
    Policies: resolvePolicyLinks(state, body.Policies ?? []),
    Roles: resolveRoleLinks(state, body.Roles ?? []),
    ServiceIdentities: body.ServiceIdentities ?? [],
    NodeIdentities: body.NodeIdentities ?? [],
    Local: old?.Local ?? body.Local ?? false,
    CreateTime: old?.CreateTime ?? new Date(now).toISOString(),
  };
  if (old?.AuthMethod) token.AuthMethod = old.AuthMethod;
  const templated = templatedLinks(body.TemplatedPolicies);
  if (templated.length) token.TemplatedPolicies = templated;
  const expiration = old?.ExpirationTime ?? expirationOf(body, now);
  if (expiration) token.ExpirationTime = expiration;
  await propose(call, { type: 'acl.token.set', Token: token });
  call.json(200, tokenJson(state.acl.token(token.AccessorID)!, true));
}

async function tokenClone(call: ApiCall, accessorId: string): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  const body = decodeTokenBody(await call.readJson());
  const state = call.backend.state;
  const src = state.acl.token(accessorId);
  if (!src || expired(call, src)) throw new ApiError(403, ACL_NOT_FOUND);
  if (src.AuthMethod) throw new ApiError(400, 'Cannot clone a token created from an auth method');
  const token: AclTokenInput = {
    ...src,
    AccessorID: randomUuid(),
    SecretID: randomUuid(),
    Description: body.Description ?? src.Description,
    CreateTime: new Date(call.backend.now ? call.backend.now() : Date.now()).toISOString(),
  };
  await propose(call, { type: 'acl.token.set', Token: stripIndexes(token) });
  call.json(200, tokenJson(state.acl.token(token.AccessorID)!, true));
}

async function tokenDelete(call: ApiCall, accessorId: string): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  const self = await callerToken(call)!;
  if (self.accessorId === accessorId) throw new ApiError(403, `${PERMISSION_DENIED}: Deletion of the request's authorization token is not permitted`);
  await propose(call, { type: 'acl.token.delete', AccessorID: accessorId });
  call.json(200, true);
}

async function listTokens(call: ApiCall): Promise<void> {
  // Without local tokens here the list is the primary's global tokens (Consul sets IncludeLocal=false there).
  if (call.backend.localTokensEnabled === false && (await answerInPrimary(call, undefined, globalTokensOnly))) return;
  await requirePermission(call, 'acl', 'read');
  const policy = call.query.empty ? undefined : call.query.get('policy');
  const role = call.query.empty ? undefined : call.query.get('role');
  const authMethod = call.query.empty ? undefined : call.query.get('authmethod');
  const showSecret = await permitted(call, 'acl', 'write');
  const pred = filterPredicate(call, ACL_TOKEN_LIST_STUB_TYPE);
  const opts = parseBlockingOptions(call);
  await blockingQuery(
    call,
    opts,
    (ws) => call.backend.state.acl.listTokens(ws),
    (r) => {
      const rows = r.value
        .filter((t) => !expired(call, t))
        .filter((t) => !policy || t.Policies.some((p) => p.ID === policy))
        .filter((t) => !role || t.Roles.some((x) => x.ID === role))
        .filter((t) => !authMethod || t.AuthMethod === authMethod)
        .sort((x, y) => x.CreateIndex - y.CreateIndex || (x.AccessorID < y.AccessorID ? -1 : 1))
        .map((t) => ({ ...tokenJson(t, showSecret), Legacy: false }));
      call.jsonWithMeta(200, call.encode(filterList(rows, pred)), r.index, opts.mode);
    },
  );
}

function expirationOf(body: TokenBody, now: number): string | undefined {
  if (body.ExpirationTime && body.ExpirationTTL) throw new ApiError(400, 'Expiration TTL and Expiration Time cannot both be set');
  if (body.ExpirationTTL !== undefined) {
    if (body.ExpirationTTL < 0) throw new ApiError(400, `Token Expiration TTL '${body.ExpirationTTL / 1e9}s' should be > 0`);
    return new Date(now + body.ExpirationTTL / 1e6).toISOString();
  }
  if (body.ExpirationTime) {
    const t = Date.parse(body.ExpirationTime);
    if (Number.isNaN(t)) throw new ApiError(400, `Request decode failed: ExpirationTime: invalid time ${JSON.stringify(body.ExpirationTime)}`);
    if (t <= now) throw new ApiError(400, 'ExpirationTime cannot be in the past');
    return new Date(t).toISOString();
  }
  return undefined;
}

function expired(call: ApiCall, t: AclToken): boolean {
  return t.ExpirationTime !== undefined && Date.parse(t.ExpirationTime) <= (call.backend.now ? call.backend.now() : Date.now());
}

function stripIndexes<T extends object>(rec: T): T {
  const copy = { ...rec } as Record<string, unknown>;
  delete copy.Hash;
  delete copy.CreateIndex;
  delete copy.ModifyIndex;
  return copy as T;
}

/** Links by ID or by name, checked to exist now (apply checks again, in log order). Unknown ones are a 400. */
function resolvePolicyLinks(state: StateReader, links: Array<{ ID?: string; Name?: string }>): AclLink[] {
  return dedupe(
    links.map((l) => {
      const p = l.ID ? state.acl.policy(l.ID) : l.Name ? state.acl.policyByName(l.Name) : undefined;
      if (!p) throw new ApiError(400, l.ID ? `No such ACL policy with ID ${JSON.stringify(l.ID)}` : `No such ACL policy with name ${JSON.stringify(l.Name ?? '')}`);
      return { ID: p.ID };
    }),
  );
}

function resolveRoleLinks(state: StateReader, links: Array<{ ID?: string; Name?: string }>): AclLink[] {
  return dedupe(
    links.map((l) => {
      const r = l.ID ? state.acl.role(l.ID) : l.Name ? state.acl.roleByName(l.Name) : undefined;
      if (!r) throw new ApiError(400, l.ID ? `No such ACL role with ID ${JSON.stringify(l.ID)}` : `No such ACL role with name ${JSON.stringify(l.Name ?? '')}`);
      return { ID: r.ID };
    }),
  );
}

/** Templated policy links checked against the built-in templates (a 400 with the reason otherwise). */
function templatedLinks(links: TemplatedPolicyLink[] | undefined): TemplatedPolicyLink[] {
  try {
    return (links ?? []).map(validateTemplatedPolicy);
  } catch (err) {
    if (err instanceof TemplatedPolicyError) throw new ApiError(400, err.message);
    throw err;
  }
}

function dedupe(links: AclLink[]): AclLink[] {
  const seen = new Set<string>();
  return links.filter((l) => !seen.has(l.ID) && (seen.add(l.ID), true));
}

// ---- policies

function policyJson(p: AclPolicy): Record<string, unknown> {
  const out: Record<string, unknown> = { ID: p.ID, Name: p.Name, Description: p.Description, Rules: p.Rules };
  if (p.Datacenters.length) out.Datacenters = p.Datacenters;
  return { ...out, Hash: p.Hash, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex };
}

async function policyRead(call: ApiCall, find: (s: StateReader) => AclPolicy | undefined): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const p = find(call.backend.state);
  if (!p) throw new ApiError(403, ACL_NOT_FOUND);
  call.jsonWithMeta(200, call.encode(policyJson(p)), call.backend.state.acl.maxIndex(), 'leader');
}

async function policySet(call: ApiCall, id: string | undefined): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  const body = decodePolicyBody(await call.readJson());
  const state = call.backend.state;
  let old: AclPolicy | undefined;
  if (id !== undefined) {
    if (body.ID && body.ID !== id) throw new ApiError(400, 'Policy ID in URL and payload do not match');
    old = state.acl.policy(id);
    if (!old) throw new ApiError(400, `Cannot find policy ${JSON.stringify(id)}`);
  } else if (body.ID) {
    throw new ApiError(400, 'Invalid Policy: ID must be empty when creating a policy');
  }
  if (!body.Name && !old) throw new ApiError(400, 'Invalid Policy: no name is set');
  const policy = {
    ID: old?.ID ?? randomUuid(),
    Name: body.Name ?? old!.Name,
    Description: body.Description ?? '',
    Rules: body.Rules ?? '',
    Datacenters: body.Datacenters ?? [],
  };
  if (old?.ID === GLOBAL_MANAGEMENT_POLICY_ID && body.Rules === undefined) policy.Rules = old.Rules;
  await propose(call, { type: 'acl.policy.set', Policy: policy });
  call.json(200, policyJson(state.acl.policy(policy.ID)!));
}

async function listPolicies(call: ApiCall): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const pred = filterPredicate(call, ACL_POLICY_LIST_STUB_TYPE);
  const opts = parseBlockingOptions(call);
  await blockingQuery(
    call,
    opts,
    (ws) => call.backend.state.acl.listPolicies(ws),
    (r) => {
      const rows = r.value
        .slice()
        .sort((x, y) => (x.Name < y.Name ? -1 : x.Name > y.Name ? 1 : 0))
        .map((p) => {
          const { Rules: _rules, ...stub } = policyJson(p);
          return stub;
        });
      call.jsonWithMeta(200, call.encode(filterList(rows, pred)), r.index, opts.mode);
    },
  );
}

// ---- roles

function roleJson(r: AclRole): Record<string, unknown> {
  const out: Record<string, unknown> = { ID: r.ID, Name: r.Name, Description: r.Description };
  if (r.Policies.length) out.Policies = r.Policies;
  if (r.ServiceIdentities.length) out.ServiceIdentities = r.ServiceIdentities;
  if (r.NodeIdentities.length) out.NodeIdentities = r.NodeIdentities;
  if (r.TemplatedPolicies?.length) out.TemplatedPolicies = r.TemplatedPolicies;
  return { ...out, Hash: r.Hash, CreateIndex: r.CreateIndex, ModifyIndex: r.ModifyIndex };
}

async function roleRead(call: ApiCall, find: (s: StateReader) => AclRole | undefined): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const r = find(call.backend.state);
  if (!r) throw new ApiError(403, ACL_NOT_FOUND);
  call.jsonWithMeta(200, call.encode(roleJson(r)), call.backend.state.acl.maxIndex(), 'leader');
}

async function roleSet(call: ApiCall, id: string | undefined): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  const body: RoleBody = decodeRoleBody(await call.readJson());
  const state = call.backend.state;
  let old: AclRole | undefined;
  if (id !== undefined) {
    if (body.ID && body.ID !== id) throw new ApiError(400, 'Role ID in URL and payload do not match');
    old = state.acl.role(id);
    if (!old) throw new ApiError(400, `Cannot find role ${JSON.stringify(id)}`);
  }
  if (!body.Name && !old) throw new ApiError(400, 'Invalid Role: no name is set');
  const role = {
    ID: old?.ID ?? randomUuid(),
    Name: body.Name ?? old!.Name,
    Description: body.Description ?? '',
    Policies: resolvePolicyLinks(state, body.Policies ?? []),
    ServiceIdentities: body.ServiceIdentities ?? [],
    NodeIdentities: body.NodeIdentities ?? [],
    ...(body.TemplatedPolicies?.length ? { TemplatedPolicies: templatedLinks(body.TemplatedPolicies) } : {}),
  };
  await propose(call, { type: 'acl.role.set', Role: role });
  call.json(200, roleJson(state.acl.role(role.ID)!));
}

async function listRoles(call: ApiCall): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  const policy = call.query.empty ? undefined : call.query.get('policy');
  const pred = filterPredicate(call, ACL_ROLE_TYPE);
  const opts = parseBlockingOptions(call);
  await blockingQuery(
    call,
    opts,
    (ws) => call.backend.state.acl.listRoles(ws),
    (r) => {
      const rows = r.value
        .filter((x) => !policy || x.Policies.some((p) => p.ID === policy))
        .sort((x, y) => (x.Name < y.Name ? -1 : x.Name > y.Name ? 1 : 0))
        .map(roleJson);
      call.jsonWithMeta(200, call.encode(filterList(rows, pred)), r.index, opts.mode);
    },
  );
}

async function remove(call: ApiCall, command: Command): Promise<void> {
  await requirePermission(call, 'acl', 'write');
  call.checkDatacenter();
  await propose(call, command);
  call.json(200, true);
}
