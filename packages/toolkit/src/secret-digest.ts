// The SHA-256 digest of a token secret, by which the ACL tables and resolvers key tokens (never by the secret),
// remembered per connection: a keep-alive client sends the same token with every request, and hashing it again
// cost more than the rest of the ACL check (issue 15's PUT benchmark). The memo is only ever compared, in
// constant time, with a secret that the same connection sent before, so it tells a caller nothing it did not
// already know; it lives as long as the connection object (WeakMap).
import { constantTimeEqual } from './constant-time-equal.js';
import { sha256Base64 } from './sha256.js';

const lastOnConnection = new WeakMap<object, { secret: string; digest: string }>();

/** sha256Base64(secret); `connection` (the request's socket, or its HTTP/2 session) lets a repeat skip the hashing. */
export function secretDigest(secret: string, connection?: object): string {
  if (connection === undefined) return sha256Base64(secret);
  const last = lastOnConnection.get(connection);
  if (last !== undefined && constantTimeEqual(last.secret, secret)) return last.digest;
  const digest = sha256Base64(secret);
  lastOnConnection.set(connection, { secret, digest });
  return digest;
}
