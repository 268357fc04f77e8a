// A token resolver over a remote answer, kept for acl.token_ttl: a client agent's (it holds no ACL state, so a
// server answers what a token grants, the `acl.resolve` RPC), and a secondary datacenter's server's for the
// global tokens it does not replicate (the primary answers them, acl-server-resolver.ts). An answer is kept no
// longer than acl.policy_ttl when it draws on policies, nor acl.role_ttl when on roles: the server answers all
// three together, so the shortest that applies bounds the entry, and a change to a token, a policy or a role is
// seen within its own TTL; nor past the token's ExpirationTime. Requests within the TTL cost no round trip. When
// no answer comes, acl.down_policy decides, as Consul's ACLResolver: extend-cache and async-cache keep using what
// was cached (async-cache also answers from the stale entry while it refreshes), allow and deny replace the
// token's rules outright; a token with nothing cached gets the default policy under extend-cache and
// async-cache. A refusal the answering side states (an ApiError, e.g. another datacenter's local token) is
// passed on as it is, not taken for an outage.
import { secretDigest } from '@conclave/toolkit';
import { ACL_NOT_FOUND, Authorizer } from '@conclave/acl';
import { ApiError, compileResolution, type AclBackend, type ResolvedToken, type TokenResolution } from '@conclave/http-api';
import type { AclDownPolicy } from './config/acl-config.js';

export interface ClientResolverOptions {
  /** Asks a server; resolves null for an unknown token, rejects when no server could answer. */
  fetch(secret: string): Promise<TokenResolution | null>;
  ttlMs: number;
  /** acl.policy_ttl and acl.role_ttl; default ttlMs. */
  policyTtlMs?: number;
  roleTtlMs?: number;
  downPolicy: AclDownPolicy;
  defaultPolicy: 'allow' | 'deny';
  defaultToken(): string;
  /** Told each time no answer came and down_policy decided (for the log). */
  onDown?(err: unknown): void;
  now?(): number;
}

interface Entry {
  fetchedAt: number;
  /** How long it may be used: token_ttl, shortened by policy_ttl / role_ttl when it has policies / roles. */
  ttlMs: number;
  /** undefined: the server said no such token. */
  resolved: ResolvedToken | undefined;
  /** The token's ExpirationTime, in ms (Infinity without one). */
  expiresAt: number;
  refreshing?: Promise<ResolvedToken>;
}

const MAX_CACHED = 10_000;

export class ClientTokenResolver implements AclBackend {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly o: ClientResolverOptions) {}

  resolve(secret: string, connection?: object): ResolvedToken | Promise<ResolvedToken> {
    const effective = secret || this.o.defaultToken() || 'anonymous';
    const digest = secretDigest(effective, connection);
    const entry = this.cache.get(digest);
    const now = this.now();
    if (entry && now - entry.fetchedAt < entry.ttlMs) return answer(entry.resolved, entry.expiresAt, now);
    if (entry && this.o.downPolicy === 'async-cache' && entry.resolved) {
      // Answer from the stale entry at once; the refresh replaces it for the next request.
      this.refresh(digest, effective, entry).catch(() => {});
      return answer(entry.resolved, entry.expiresAt, now);
    }
    return this.refresh(digest, effective, entry);
  }

  /** Forgets every cached token (an agent token changed, or a test wants a fresh look). */
  clear(): void {
    this.cache.clear();
  }

  private refresh(digest: string, secret: string, entry: Entry | undefined): Promise<ResolvedToken> {
    if (entry?.refreshing) return entry.refreshing;
    const p = this.o.fetch(secret).then(
      (r) => {
        const resolved = r ? this.toResolved(r) : undefined;
        const expiresAt = r?.expirationTime ? Date.parse(r.expirationTime) : Infinity;
        if (this.cache.size >= MAX_CACHED) this.cache.clear();
        const fetchedAt = this.now();
        this.cache.set(digest, { fetchedAt, ttlMs: this.ttlOf(r), resolved, expiresAt });
        return answer(resolved, expiresAt, fetchedAt);
      },
      (err: unknown) => {
        if (entry) entry.refreshing = undefined;
        if (err instanceof ApiError) {
          this.cache.delete(digest);
          throw err;
        }
        return this.whenDown(entry, err);
      },
    );
    if (entry) entry.refreshing = p;
    return p;
  }

  private whenDown(entry: Entry | undefined, err: unknown): ResolvedToken {
    this.o.onDown?.(err);
    const accessorId = entry?.resolved?.accessorId ?? '';
    switch (this.o.downPolicy) {
      case 'allow':
        return { accessorId, authorizer: Authorizer.compile([], 'allow') };
      case 'deny':
        return { accessorId, authorizer: Authorizer.compile([], 'deny') };
      default:
        // The cached answer, extended; with none, the default policy (Consul's down authorizer).
        if (entry) return answer(entry.resolved, entry.expiresAt, this.now());
        return { accessorId, authorizer: Authorizer.compile([], this.o.defaultPolicy) };
    }
  }

  private ttlOf(r: TokenResolution | null): number {
    let ttl = this.o.ttlMs;
    if (r?.policyIds?.length) ttl = Math.min(ttl, this.o.policyTtlMs ?? ttl);
    if (r?.roleIds?.length) ttl = Math.min(ttl, this.o.roleTtlMs ?? ttl);
    return ttl;
  }

  private toResolved(r: TokenResolution): ResolvedToken {
    return { accessorId: r.accessorId, authorizer: compileResolution(r, this.o.defaultPolicy) };
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }
}

function answer(resolved: ResolvedToken | undefined, expiresAt: number, now: number): ResolvedToken {
  if (!resolved || expiresAt <= now) throw new ApiError(403, ACL_NOT_FOUND);
  return resolved;
}
