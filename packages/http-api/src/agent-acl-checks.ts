// ACL checks of the agent's service and check endpoints, which need the service a request is about: named in
// the body (register) or found by ID among this agent's services and checks. Consul's rules: service:write on
// the service (service:read to read one), node:write on this agent's node for checks not tied to a service.
// An ID this agent does not know is left to the endpoint, which answers its own 404 or error.
import { getField, isPlainObject } from '@conclave/toolkit';
import type { ApiCall } from './api-call.js';
import { requirePermission } from './acl-enforce.js';

/** Throws Consul's 403 unless the caller may do what `path` (after /v1/agent/) asks; `body` for registrations. */
export async function authorizeAgentEndpoint(call: ApiCall, path: string, body?: unknown): Promise<void> {
  if (!call.backend.acl) return;
  const agent = call.backend.agent;
  const ctx = call.context();
  const serviceOf = async (id: string) => {
    const svc = (await agent.service(id, ctx)) as { Service?: unknown } | undefined;
    return typeof svc?.Service === 'string' ? svc.Service : undefined;
  };
  const after = (prefix: string) => (path.startsWith(prefix) ? path.slice(prefix.length) : undefined);
  let arg: string | undefined;
  if (path === 'service/register') {
    const name = isPlainObject(body) ? getField(body, 'Name') : undefined;
    return requirePermission(call, 'service', 'write', typeof name === 'string' ? name : '');
  }
  if (path === 'check/register') {
    const sid = isPlainObject(body) ? getField(body, 'ServiceID') : undefined;
    const service = typeof sid === 'string' && sid ? await serviceOf(sid) : undefined;
    return service !== undefined ? requirePermission(call, 'service', 'write', service) : requirePermission(call, 'node', 'write', call.backend.nodeName);
  }
  if ((arg = after('service/deregister/') ?? after('service/maintenance/')) !== undefined) {
    const service = await serviceOf(arg);
    if (service !== undefined) await requirePermission(call, 'service', 'write', service);
    return;
  }
  if ((arg = after('service/')) !== undefined) {
    const service = await serviceOf(arg);
    if (service !== undefined) await requirePermission(call, 'service', 'read', service);
    return;
  }
  const checkOp = /^check\/(?:pass|warn|fail|update|deregister)\/(.*)$/.exec(path);
  if (checkOp) {
    const checks = (await agent.checks(ctx)) as Record<string, { ServiceName?: unknown }>;
    const check = checks[checkOp[1]!];
    if (!check) return;
    if (typeof check.ServiceName === 'string' && check.ServiceName) return requirePermission(call, 'service', 'write', check.ServiceName);
    return requirePermission(call, 'node', 'write', call.backend.nodeName);
  }
}
