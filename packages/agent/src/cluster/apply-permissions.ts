// What the `apply` RPC's token must grant for the command it carries, so that a write through the server port is
// held to the same rules as the HTTP endpoint doing the same (acl-permissions.ts): catalog writes node:write on
// the node (and service:write on a registered service), sessions session:write on their node, KV key:write on
// the key (a tree delete: on every key under it), coordinates node:write on each node; anything else takes a
// management token. Refusals are Consul's 403 texts.
import { permissionDeniedText, type Access, type Resource } from '@conclave/acl';
import { ApiError, type ResolvedToken } from '@conclave/http-api';
import type { Command } from '@conclave/state';

/** Throws Consul's 403 unless `t` may apply `command`. `sessionNode` finds a session's node (destroy names only
 * the session; an unknown one: its ID, which no rule names). */
export function authorizeApply(t: ResolvedToken, command: Command, sessionNode: (id: string) => string | undefined): void {
  const need = (resource: Resource, access: Access, name?: string) => {
    if (!t.authorizer.allowed(resource, access, name ?? '')) throw new ApiError(403, permissionDeniedText(t.accessorId, resource, access, name));
  };
  switch (command.type) {
    case 'catalog.register':
      need('node', 'write', command.Node);
      if (command.Service) need('service', 'write', command.Service.Service);
      return;
    case 'catalog.deregister':
    case 'catalog.check-status':
      return need('node', 'write', command.Node);
    case 'session.create':
      return need('session', 'write', command.Session.Node);
    case 'session.destroy':
      return need('session', 'write', sessionNode(command.ID) ?? command.ID);
    case 'kv.set':
    case 'kv.cas':
    case 'kv.delete':
    case 'kv.delete-cas':
    case 'kv.lock':
    case 'kv.unlock':
      return need('key', 'write', command.Key);
    case 'kv.delete-tree':
      if (!t.authorizer.keyWritePrefix(command.Key)) throw new ApiError(403, permissionDeniedText(t.accessorId, 'key', 'write', command.Key));
      return;
    case 'coordinate.batch-update':
      for (const u of command.Updates) need('node', 'write', u.Node);
      return;
    default:
      return need('acl', 'write');
  }
}
