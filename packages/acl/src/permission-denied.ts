// Consul's 403 texts (acl/errors.go PermissionDeniedError): the accessor is named, never the secret.
import type { Access } from './access-level.js';
import type { Resource } from './authorizer.js';

export const ACL_NOT_FOUND = 'ACL not found';
export const PERMISSION_DENIED = 'Permission denied';

/** `Permission denied: token with AccessorID '…' lacks permission 'key:write' on "app/x"`. */
export function permissionDeniedText(accessorId: string | undefined, resource: Resource, access: Access, name?: string): string {
  const who = accessorId ? `token with AccessorID '${accessorId}'` : 'provided token';
  const on = name ? ` on ${JSON.stringify(name)}` : '';
  return `${PERMISSION_DENIED}: ${who} lacks permission '${resource}:${access}'${on}`;
}
