// The helpers endpoints use to enforce ACLs. With ACLs off (ApiBackend.acl absent) each is a no-op that costs one
// property read, so endpoints call them unconditionally. The token is resolved once per request, by the gate
// (acl-permissions.ts) before the handler runs, synchronously when the resolver can (a server's own state), so
// the plain KV GET stays free of promises.
import { permissionDeniedText, type Access, type Resource } from '@conclave/acl';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';
import type { ResolvedToken } from './acl-resolver.js';
import { requestConnection } from './request-connection.js';

/** The response header Consul sets when a list left out what the token may not read. */
export const FILTERED_HEADER = 'X-Consul-Results-Filtered-By-ACLs';

/** The request's token resolved (throws or rejects 403 `ACL not found` for an unknown secret); undefined with ACLs
 * off. Synchronous when the resolver is. */
export function resolveCaller(call: ApiCall): ResolvedToken | Promise<ResolvedToken> | undefined {
  const acl = call.backend.acl;
  if (!acl) return undefined;
  const have = call.aclToken;
  if (have) return have;
  // Keyed by the connection (the HTTP/2 session, not a stream's socket proxy) so that a repeated token is not hashed again.
  const r = acl.resolve(call.token(), requestConnection(call.req));
  call.aclToken = r;
  if (r instanceof Promise) r.then((v) => (call.aclToken = v), () => {});
  return r;
}

/** The request's token as a promise (undefined with ACLs off). */
export function callerToken(call: ApiCall): Promise<ResolvedToken> | undefined {
  const r = resolveCaller(call);
  return r === undefined ? undefined : Promise.resolve(r);
}

/** Throws Consul's 403 unless `t` may `access` `resource` `name`. */
export function check(t: ResolvedToken, resource: Resource, access: Access, name?: string): void {
  if (!t.authorizer.allowed(resource, access, name ?? '')) {
    throw new ApiError(403, permissionDeniedText(t.accessorId, resource, access, name));
  }
}

/** Throws Consul's 403 unless the caller may `access` `resource` `name`. */
export async function requirePermission(call: ApiCall, resource: Resource, access: Access, name?: string): Promise<void> {
  const p = resolveCaller(call);
  if (p) check(await p, resource, access, name);
}

/** Throws Consul's 403 unless the caller may write every key under `prefix` (recursive deletes). */
export async function requireKeyWritePrefix(call: ApiCall, prefix: string): Promise<void> {
  const p = resolveCaller(call);
  if (!p) return;
  const t = await p;
  if (!t.authorizer.keyWritePrefix(prefix)) throw new ApiError(403, permissionDeniedText(t.accessorId, 'key', 'write', prefix));
}

/** Whether the caller may (ACLs off: always true). */
export async function permitted(call: ApiCall, resource: Resource, access: Access, name?: string): Promise<boolean> {
  const p = resolveCaller(call);
  if (!p) return true;
  return (await p).authorizer.allowed(resource, access, name ?? '');
}

/** For filtering lists inside a handler (the gate has resolved the token by then): a checker, or undefined when
 * ACLs are off and nothing is filtered. */
export function aclFilter(call: ApiCall): ((resource: Resource, access: Access, name: string) => boolean) | undefined {
  if (!call.backend.acl) return undefined;
  const t = call.aclToken;
  // Not resolved (a handler reached without the gate): filter everything out rather than leak.
  if (!t || t instanceof Promise) return () => false;
  return (resource, access, name) => t.authorizer.allowed(resource, access, name);
}

/** The headers to add to a list's answer: Consul's filtered header when something was left out. */
export function filteredHeaders(filtered: boolean): string[] {
  return filtered ? [FILTERED_HEADER, 'true'] : [];
}

const filteredCalls = new WeakSet<ApiCall>();

/** Keeps the items the caller may see (`may` asks the token), remembering when something was left out so that
 * the answer carries X-Consul-Results-Filtered-By-ACLs (wasFiltered). With ACLs off: the items as they are. */
export function filterByAcl<T>(call: ApiCall, items: T[], keep: (may: (resource: Resource, access: Access, name: string) => boolean, item: T) => boolean): T[] {
  const may = aclFilter(call);
  if (!may) return items;
  const kept = items.filter((item) => keep(may, item));
  if (kept.length !== items.length) filteredCalls.add(call);
  return kept;
}

/** Notes that the answer left something out (for filters that do not go through filterByAcl). */
export function markFiltered(call: ApiCall): void {
  filteredCalls.add(call);
}

/** Whether this request's answer left something out; also clears the mark (a blocking query re-runs). */
export function wasFiltered(call: ApiCall): boolean {
  const was = filteredCalls.has(call);
  filteredCalls.delete(call);
  return was;
}
