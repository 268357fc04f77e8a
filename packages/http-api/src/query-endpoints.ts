// /v1/query: prepared queries (Consul's agent/prepared_query_endpoint.go). Create (POST), list (GET), read,
// update (PUT) and delete one by ID; execute and explain one by ID or name, templates rendered for the name.
// The definition is checked here (query-decode.ts) and stored through the log; IDs are chosen here.
import { isCommandFailure } from '@conclave/catalog';
import type { PreparedQuery } from '@conclave/state';
import { randomUuid } from '@conclave/toolkit';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { blockingQuery, parseBlockingOptions, type MaybeFiltered } from './blocking-query.js';
import { aclFilter, filteredHeaders, requirePermission } from './acl-enforce.js';
import { decodeQuery } from './query-decode.js';
import { executeQuery, type QueryAcl } from './query-execute.js';
import { CompiledTemplate, TemplateError } from './prepared-query-template.js';

/** Consul's ErrQueryNotFound. */
const QUERY_NOT_FOUND = 'Query not found';
/** Consul's acl.ErrPermissionDenied, as its HTTP layer writes it. */
const PERMISSION_DENIED = 'Permission denied';
/** Consul's redactedToken. */
const REDACTED_TOKEN = '<hidden>';

export async function handleQuery(call: ApiCall): Promise<void> {
  const rest = call.rest;
  if (rest === '') {
    if (!call.allow('GET', 'POST')) return;
    return call.method === 'POST' ? create(call) : list(call);
  }
  const slash = rest.indexOf('/');
  const id = slash < 0 ? rest : rest.slice(0, slash);
  const op = slash < 0 ? '' : rest.slice(slash + 1);
  switch (op) {
    case '':
      if (!call.allow('GET', 'PUT', 'DELETE')) return;
      if (call.method === 'GET') return read(call, id);
      if (call.method === 'PUT') return update(call, id);
      return remove(call, id);
    case 'execute':
      if (!call.allow('GET')) return;
      return execute(call, id);
    case 'explain':
      if (!call.allow('GET')) return;
      return explain(call, id);
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}

async function create(call: ApiCall): Promise<void> {
  call.checkDatacenter();
  const id = randomUuid();
  const query = decodeQuery(await call.readJson(), id);
  await requireQueryWrite(call, query);
  await apply(call, { type: 'query.set', Query: query });
  call.json(200, { ID: id });
}

async function update(call: ApiCall, id: string): Promise<void> {
  call.checkDatacenter();
  const query = decodeQuery(await call.readJson(), id);
  const existing = call.backend.state.queries.get(id).value;
  if (!existing) throw new ApiError(400, `Cannot modify non-existent prepared query: '${id}'`);
  // Consul checks the new definition's name and the stored one's: a query cannot be renamed out of reach.
  await requireQueryWrite(call, query);
  await requireQueryWrite(call, existing);
  await apply(call, { type: 'query.set', Query: query });
  call.ok();
}

async function remove(call: ApiCall, id: string): Promise<void> {
  call.checkDatacenter();
  const existing = call.backend.state.queries.get(id).value;
  if (!existing) throw new ApiError(400, `Cannot delete non-existent prepared query: '${id}'`);
  await requireQueryWrite(call, existing);
  await apply(call, { type: 'query.delete', ID: id });
  call.ok();
}

async function apply(call: ApiCall, cmd: { type: 'query.set'; Query: ReturnType<typeof decodeQuery> } | { type: 'query.delete'; ID: string }): Promise<void> {
  const result = (await call.backend.log.propose(cmd)).result;
  if (isCommandFailure(result)) throw new ApiError(result.error === QUERY_NOT_FOUND ? 404 : 400, result.error);
}

function list(call: ApiCall): Promise<void> {
  const opts = parseBlockingOptions(call);
  const acl = queryReadFilter(call);
  return blockingQuery(
    call,
    opts,
    (ws): MaybeFiltered<PreparedQuery[]> => {
      const r = call.backend.state.queries.list(ws);
      if (!acl) return r;
      const value = acl.visible(r.value);
      return { index: r.index, value, filtered: value.length !== r.value.length };
    },
    (r: MaybeFiltered<PreparedQuery[]>) =>
      call.send(200, 'application/json', call.encode(r.value.map(queryJson)), [...call.metaHeaders(r.index, opts.mode), ...filteredHeaders(r.filtered === true)]),
    { aclFiltered: acl !== undefined },
  );
}

function read(call: ApiCall, id: string): Promise<void> {
  const opts = parseBlockingOptions(call);
  const acl = queryReadFilter(call);
  return blockingQuery(
    call,
    opts,
    (ws) => call.backend.state.queries.get(id, ws),
    (r) => {
      if (!r.value) return call.text(404, QUERY_NOT_FOUND);
      const shown = acl ? acl.visible([r.value]) : [r.value];
      // Consul answers a query the token may not read with its bare ErrPermissionDenied.
      if (shown.length === 0) throw new ApiError(403, PERMISSION_DENIED);
      call.jsonWithMeta(200, call.encode(shown.map(queryJson)), r.index, opts.mode);
    },
  );
}

/**
 * Consul's prepared-query ACLs (PreparedQuery.GetACLPrefix): a query with a name, or a template, is governed by
 * `query` rules on its name (a template's name is its prefix); one with neither is reachable only by its ID and
 * only a management token (acl:write) may list or read it, while anyone holding the ID may execute it. Tokens
 * stored in queries are shown as `<hidden>` to all but management tokens.
 */
function aclPrefix(q: Pick<PreparedQuery, 'Name' | 'Template'>): string | undefined {
  return q.Name !== '' || q.Template.Type !== '' ? q.Name : undefined;
}

async function requireQueryWrite(call: ApiCall, q: Pick<PreparedQuery, 'Name' | 'Template'>): Promise<void> {
  const prefix = aclPrefix(q);
  if (prefix !== undefined) await requirePermission(call, 'query', 'write', prefix);
}

/** Consul's filterPreparedQueries for the caller (undefined with ACLs off). */
function queryReadFilter(call: ApiCall): { visible: (qs: PreparedQuery[]) => PreparedQuery[] } | undefined {
  const may = aclFilter(call);
  if (!may) return undefined;
  if (may('acl', 'write', '')) return { visible: (qs) => qs };
  return {
    visible: (qs) =>
      qs.flatMap((q) => {
        const prefix = aclPrefix(q);
        if (prefix === undefined || !may('query', 'read', prefix)) return [];
        return [q.Token ? { ...q, Token: REDACTED_TOKEN } : q];
      }),
  };
}

/** The query an ID or name resolves to, a template rendered for the name; 404 when none. */
function resolve(call: ApiCall, idOrName: string): { query: PreparedQuery; index: number } {
  const r = call.backend.state.queries.resolve(idOrName);
  if (!r.value) throw new ApiError(404, QUERY_NOT_FOUND);
  if (r.value.Template.Type === '') return { query: r.value, index: r.index };
  try {
    return { query: CompiledTemplate.compile(r.value).render(idOrName), index: r.index };
  } catch (err) {
    if (err instanceof TemplateError) throw new ApiError(400, err.message);
    throw err;
  }
}

function limitParam(call: ApiCall): number {
  const v = call.query.empty ? undefined : call.query.get('limit');
  if (v === undefined || v === '') return 0;
  if (!/^[0-9]+$/.test(v)) throw new ApiError(400, `Bad limit: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

async function execute(call: ApiCall, idOrName: string): Promise<void> {
  const mode = parseBlockingOptions(call).mode;
  const limit = limitParam(call);
  const { query } = resolve(call, idOrName);
  const r = await executeQuery(call, query, limit, await executeAcl(call, query));
  const body = { Service: r.Service, Nodes: r.Nodes, DNS: r.DNS, Datacenter: r.Datacenter, Failovers: r.Failovers };
  call.jsonWithMeta(200, call.encode(body), r.index, mode);
}

function explain(call: ApiCall, idOrName: string): void {
  const mode = parseBlockingOptions(call).mode;
  const { query, index } = resolve(call, idOrName);
  const acl = queryReadFilter(call);
  const shown = acl ? acl.visible([query]) : [query];
  if (shown.length === 0) throw new ApiError(403, PERMISSION_DENIED);
  call.jsonWithMeta(200, call.encode({ Query: queryJson(shown[0]!) }), index, mode);
}

/** Execute filters its instances with the query's own Token when it has one, else the caller's (Consul's rule);
 * undefined with ACLs off. */
async function executeAcl(call: ApiCall, query: PreparedQuery): Promise<QueryAcl | undefined> {
  const backend = call.backend.acl;
  if (!backend) return undefined;
  if (query.Token) {
    const t = await backend.resolve(query.Token);
    return { may: (resource, access, name) => t.authorizer.allowed(resource, access, name), token: query.Token };
  }
  const may = aclFilter(call)!;
  return { may, token: call.token() };
}

/** Consul's field order. */
function queryJson(q: PreparedQuery): Record<string, unknown> {
  return {
    ID: q.ID,
    Name: q.Name,
    Session: q.Session,
    Token: q.Token,
    Template: { Type: q.Template.Type, Regexp: q.Template.Regexp, RemoveEmptyTags: q.Template.RemoveEmptyTags },
    Service: {
      Service: q.Service.Service,
      Failover: { NearestN: q.Service.Failover.NearestN, Datacenters: q.Service.Failover.Datacenters },
      OnlyPassing: q.Service.OnlyPassing,
      IgnoreCheckIDs: q.Service.IgnoreCheckIDs,
      Near: q.Service.Near,
      Tags: q.Service.Tags,
      NodeMeta: q.Service.NodeMeta,
      ServiceMeta: q.Service.ServiceMeta,
      Connect: { Enabled: q.Service.Connect.Enabled },
    },
    DNS: { TTL: q.DNS.TTL },
    CreateIndex: q.CreateIndex,
    ModifyIndex: q.ModifyIndex,
  };
}
