// A server's token resolver (and -dev's). In the primary datacenter, and in a secondary with
// acl.enable_token_replication, every token it may be shown is in the replicated state (StateTokenResolver). In a
// secondary without token replication (Consul's default) only its local tokens are: a global token is asked of
// the primary datacenter, as Consul's servers do (ACL.TokenRead by secret against primary_datacenter, here GET
// /v1/acl/token/self forwarded there), compiled with this datacenter's replicated policies and roles (those not
// replicated yet are read from the primary too, with acl.tokens.replication) and kept for acl.token_ttl by the
// same cache as a client agent's (acl-client-resolver.ts), which applies acl.down_policy while the primary cannot
// be reached. A client agent's `acl.resolve` for a global token goes to the primary uncached: the client keeps
// the answer itself and applies its own down_policy, as Consul's servers forward a client's ACL.TokenRead.
import { ACL_NOT_FOUND, ANONYMOUS_TOKEN_SECRET_ID } from '@conclave/acl';
import {
  ApiError,
  StateTokenResolver,
  type AclBackend,
  type FetchedAcls,
  type RequestForwarder,
  type ResolvedToken,
  type TokenLinks,
  type TokenResolution,
} from '@conclave/http-api';
import type { AclPolicy, AclRole, StateMachine } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';
import { ClientTokenResolver } from './acl-client-resolver.js';
import type { AclSettings } from './config/acl-config.js';

export interface ServerResolverOptions {
  settings: AclSettings;
  datacenter: string;
  /** acl.tokens.default, for HTTP requests without a token. */
  defaultToken(): string;
  /** Set in a secondary datacenter that does not replicate tokens: its global tokens are the primary's to answer. */
  primary?: {
    datacenter: string;
    /** The WAN forwarder (absent until federation is up, or without a WAN pool: the primary is unreachable). */
    forwarder(): RequestForwarder | undefined;
    /** acl.tokens.replication: reads the policies and roles not replicated yet. */
    replicationToken(): string;
  };
  logger: Logger;
  now?(): number;
}

/** A token as GET /v1/acl/token/self answers it (empty lists may be left out). */
type RemoteToken = Partial<TokenLinks> & { AccessorID: string; Local?: boolean };

export class ServerTokenResolver implements AclBackend {
  readonly local: StateTokenResolver;
  private readonly remote: ClientTokenResolver | undefined;

  constructor(
    private readonly state: StateMachine,
    private readonly o: ServerResolverOptions,
  ) {
    this.local = new StateTokenResolver(state, { defaultPolicy: o.settings.defaultPolicy, datacenter: o.datacenter, defaultToken: o.defaultToken, now: o.now });
    if (o.primary) {
      const s = o.settings;
      this.remote = new ClientTokenResolver({
        fetch: (secret) => this.fromPrimary(secret),
        ttlMs: s.tokenTtlMs,
        policyTtlMs: s.policyTtlMs,
        roleTtlMs: s.roleTtlMs,
        downPolicy: s.downPolicy,
        defaultPolicy: s.defaultPolicy,
        defaultToken: o.defaultToken,
        now: o.now,
        onDown: (err) => o.logger.warn('Primary datacenter unreachable, applying acl.down_policy', { policy: s.downPolicy, error: (err as Error)?.message ?? String(err) }),
      });
    }
  }

  /** An HTTP request's token (`''`: acl.tokens.default, else anonymous). */
  resolve(secret: string, connection?: object): ResolvedToken | Promise<ResolvedToken> {
    if (!this.remote || this.heldHere(secret || this.o.defaultToken() || ANONYMOUS_TOKEN_SECRET_ID, connection)) return this.local.resolve(secret, connection);
    return this.remote.resolve(secret, connection);
  }

  /** An RPC's token: none is anonymous (an agent's default token is for its HTTP API only). */
  resolveRpc(secret: string): ResolvedToken | Promise<ResolvedToken> {
    return this.resolve(secret || ANONYMOUS_TOKEN_SECRET_ID);
  }

  /** A client agent's `acl.resolve`: what the token grants as plain data, null when no live token has it;
   * rejects when the primary cannot be reached. */
  async resolution(secret: string): Promise<TokenResolution | null> {
    if (!this.remote || this.heldHere(secret)) return this.local.resolution(secret) ?? null;
    return this.fromPrimary(secret);
  }

  /** Tokens answered from this state: all of them, except in a secondary without token replication, where only
   * its local ones are (the anonymous token is global: the primary's). */
  private heldHere(secret: string, connection?: object): boolean {
    return this.state.acl.tokenBySecret(secret, connection)?.Local === true;
  }

  /** The primary's answer for a secret: null when it knows no such token; rejects when it cannot be reached. */
  private async fromPrimary(secret: string): Promise<TokenResolution | null> {
    const primary = this.o.primary!;
    const reply = await this.get('/v1/acl/token/self', secret);
    if (reply.status === 403 && reply.text === ACL_NOT_FOUND) return null;
    if (reply.status !== 200) throw new Error(`token lookup in ${primary.datacenter}: ${reply.status} (${reply.text})`);
    const t = JSON.parse(reply.text) as RemoteToken;
    // Another datacenter's local token is no token here (Consul's fetchAndCacheIdentityFromToken).
    if (t.Local) throw new ApiError(403, `Permission denied: This is a local token in datacenter "${primary.datacenter}"`);
    const token: TokenLinks = {
      AccessorID: t.AccessorID,
      Policies: t.Policies ?? [],
      Roles: t.Roles ?? [],
      ServiceIdentities: t.ServiceIdentities ?? [],
      NodeIdentities: t.NodeIdentities ?? [],
      TemplatedPolicies: t.TemplatedPolicies,
      ExpirationTime: t.ExpirationTime,
    };
    return this.local.resolutionOf(token, await this.missingAcls(token, secret)) ?? null;
  }

  /** The roles and policies the token links to that replication has not brought here yet, from the primary. */
  private async missingAcls(token: TokenLinks, secret: string): Promise<FetchedAcls> {
    const acl = this.state.acl;
    const roles = new Map<string, AclRole>();
    for (const { ID } of token.Roles) {
      if (acl.role(ID)) continue;
      const role = await this.record<AclRole>('role', ID, secret);
      if (role) roles.set(ID, { ...role, Policies: role.Policies ?? [], ServiceIdentities: role.ServiceIdentities ?? [], NodeIdentities: role.NodeIdentities ?? [] });
    }
    const linked = [...token.Policies, ...token.Roles.flatMap(({ ID }) => (acl.role(ID) ?? roles.get(ID))?.Policies ?? [])];
    const policies = new Map<string, AclPolicy>();
    for (const { ID } of linked) {
      if (acl.policy(ID) || policies.has(ID)) continue;
      const policy = await this.record<AclPolicy>('policy', ID, secret);
      if (policy) policies.set(ID, { ...policy, Rules: policy.Rules ?? '', Datacenters: policy.Datacenters ?? [] });
    }
    return { policies, roles };
  }

  /** A policy or role of the primary's, read with acl.tokens.replication (else the token itself); undefined when
   * there is none or it may not be read. */
  private async record<T>(kind: 'policy' | 'role', id: string, secret: string): Promise<T | undefined> {
    const reply = await this.get(`/v1/acl/${kind}/${encodeURIComponent(id)}`, this.o.primary!.replicationToken() || secret);
    if (reply.status === 200) return JSON.parse(reply.text) as T;
    if (reply.status === 403 || reply.status === 404) return undefined;
    throw new Error(`${kind} lookup in ${this.o.primary!.datacenter}: ${reply.status} (${reply.text})`);
  }

  private async get(path: string, token: string): Promise<{ status: number; text: string }> {
    const primary = this.o.primary!;
    const fwd = primary.forwarder();
    if (!fwd) throw new Error(`no path to the primary datacenter ${primary.datacenter}`);
    // Any server of the primary may answer (Consul's AllowStale).
    const url = `${path}?dc=${encodeURIComponent(primary.datacenter)}&stale`;
    const reply = await fwd.forward({ method: 'GET', url, headers: { 'x-consul-token': token }, body: new Uint8Array() });
    return { status: reply.status, text: Buffer.from(reply.body).toString('utf8') };
  }
}
