// The agent's side of ACLs: its own tokens (acl.tokens.*, changed at run time by /v1/agent/token/<kind> and kept
// in <data_dir>/acl-tokens.json when enable_token_persistence is on, as Consul keeps them), and the resolver
// the HTTP API uses: the replicated state on a server or -dev agent (and the primary datacenter for a
// secondary's global tokens, acl-server-resolver.ts), a TTL cache over the `acl.resolve` RPC on a client. The agent recovery token (acl.tokens.agent_recovery) works without any server: agent:write on this
// agent's node and node:read on every node, as in Consul. Secrets are never logged.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Authorizer } from '@conclave/acl';
import type { AclBackend, AgentTokenStore, ResolvedToken, TokenResolution } from '@conclave/http-api';
import { GLOBAL_MANAGEMENT_POLICY_ID } from '@conclave/acl';
import type { Command, CommandLog, StateMachine } from '@conclave/state';
import { constantTimeEqual, type Logger, randomUuid, writeFileDurable } from '@conclave/toolkit';
import { ClientTokenResolver } from './acl-client-resolver.js';
import { ServerTokenResolver, type ServerResolverOptions } from './acl-server-resolver.js';
import type { AclSettings, AclTokens } from './config/acl-config.js';

export const ACL_TOKENS_FILE = 'acl-tokens.json';

/** /v1/agent/token/<kind> names (Consul's current ones and the legacy ones) and the token each sets. */
const KINDS: Record<string, keyof AclTokens> = {
  default: 'default',
  acl_token: 'default',
  agent: 'agent',
  acl_agent_token: 'agent',
  agent_recovery: 'agentRecovery',
  agent_master: 'agentRecovery',
  acl_agent_master_token: 'agentRecovery',
  replication: 'replication',
  acl_replication_token: 'replication',
};

/** Consul's persisted file's keys. */
const PERSISTED: Record<keyof AclTokens, string | undefined> = {
  default: 'default',
  agent: 'agent',
  agentRecovery: 'agent_recovery',
  replication: 'replication',
  initialManagement: undefined,
};

export const AGENT_RECOVERY_ACCESSOR_ID = 'agent-recovery-token';

export class AgentAcl implements AgentTokenStore {
  readonly tokens: AclTokens;
  private client: ClientTokenResolver | undefined;
  private readonly defaultTokenListeners = new Set<() => void>();
  private server: ServerTokenResolver | undefined;

  constructor(
    readonly settings: AclSettings,
    private readonly dataDir: string,
    private readonly node: string,
    private readonly logger: Logger,
  ) {
    this.tokens = { ...settings.tokens };
    if (settings.enableTokenPersistence && dataDir) this.loadPersisted();
  }

  /** A server's (or -dev agent's) resolver, made once: the HTTP API and the server's RPCs share it. */
  serverResolver(state: StateMachine, datacenter: string, primary: ServerResolverOptions['primary']): ServerTokenResolver {
    this.server ??= new ServerTokenResolver(state, { settings: this.settings, datacenter, defaultToken: () => this.tokens.default, primary, logger: this.logger });
    return this.server;
  }

  /** The HTTP API's resolver, or undefined with ACLs off: the server resolver when there is one, else a TTL
   * cache over `fetch` (a client agent's). */
  backend(fetch: ((secret: string) => Promise<TokenResolution | null>) | undefined): AclBackend | undefined {
    if (!this.settings.enabled) return undefined;
    const inner: AclBackend =
      this.server ??
      (this.client = new ClientTokenResolver({
        fetch: fetch!,
        ttlMs: this.settings.tokenTtlMs,
        policyTtlMs: this.settings.policyTtlMs,
        roleTtlMs: this.settings.roleTtlMs,
        downPolicy: this.settings.downPolicy,
        defaultPolicy: this.settings.defaultPolicy,
        defaultToken: () => this.tokens.default,
      }));
    const recovery = this.recoveryToken();
    return {
      agentTokens: this,
      defaultToken: () => this.tokens.default,
      resolve: (secret: string, connection?: object) => (this.isRecovery(secret) ? recovery : inner.resolve(secret, connection)),
    };
  }

  async set(kind: string, secret: string): Promise<boolean> {
    const field = KINDS[kind];
    if (!field) return false;
    this.tokens[field] = secret;
    this.client?.clear();
    if (field === 'default') for (const l of this.defaultTokenListeners) l();
    this.logger.info('Updated agent ACL token', { token: kind });
    if (this.settings.enableTokenPersistence && this.dataDir) await this.persist();
    return true;
  }

  /** Calls `listener` whenever acl.tokens.default is set at run time; returns the unsubscribe. */
  onDefaultTokenChange(listener: () => void): () => void {
    this.defaultTokenListeners.add(listener);
    return () => this.defaultTokenListeners.delete(listener);
  }

  private isRecovery(secret: string): boolean {
    const r = this.tokens.agentRecovery;
    if (!r || !secret) return false;
    return constantTimeEqual(r, secret);
  }

  private recoveryToken(): ResolvedToken {
    return {
      accessorId: AGENT_RECOVERY_ACCESSOR_ID,
      authorizer: Authorizer.compile(
        [
          {
            segments: [
              { resource: 'agent', name: this.node, prefix: false, policy: 'write' },
              { resource: 'node', name: '', prefix: true, policy: 'read' },
            ],
            singles: {},
          },
        ],
        'deny',
      ),
    };
  }

  private loadPersisted(): void {
    let text: string;
    try {
      text = readFileSync(join(this.dataDir, ACL_TOKENS_FILE), 'utf8');
    } catch {
      return;
    }
    try {
      const saved = JSON.parse(text) as Record<string, unknown>;
      for (const [field, key] of Object.entries(PERSISTED) as Array<[keyof AclTokens, string | undefined]>) {
        const v = key ? saved[key] : undefined;
        if (typeof v === 'string' && v) this.tokens[field] = v;
      }
    } catch (err) {
      this.logger.warn('Ignoring unreadable persisted ACL tokens', { file: ACL_TOKENS_FILE, error: (err as Error).message });
    }
  }

  private async persist(): Promise<void> {
    const out: Record<string, string> = {};
    for (const [field, key] of Object.entries(PERSISTED) as Array<[keyof AclTokens, string | undefined]>) {
      if (key && this.tokens[field]) out[key] = this.tokens[field];
    }
    await writeFileDurable(join(this.dataDir, ACL_TOKENS_FILE), JSON.stringify(out), { mode: 0o600 });
  }
}

/** On gaining leadership: acl.tokens.initial_management becomes a global-management token unless a token with
 * that secret exists (Consul's initializeACLs). Like a bootstrap, it ends the chance to bootstrap. */
export async function createInitialManagementToken(
  acl: AgentAcl,
  state: StateMachine,
  propose: CommandLog<Command>['propose'],
  logger: Logger,
): Promise<void> {
  const secret = acl.tokens.initialManagement;
  if (!acl.settings.enabled || !secret || state.acl.tokenBySecret(secret)) return;
  try {
    await propose({
      type: 'acl.bootstrap',
      InitialManagement: true,
      Token: {
        AccessorID: randomUuid(),
        SecretID: secret,
        Description: 'Initial Management Token',
        Policies: [{ ID: GLOBAL_MANAGEMENT_POLICY_ID }],
        Roles: [],
        ServiceIdentities: [],
        NodeIdentities: [],
        Local: false,
        CreateTime: new Date().toISOString(),
      },
    });
    logger.info('Created ACL initial management token from configuration');
  } catch (err) {
    logger.warn('Failed to create the ACL initial management token', { error: (err as Error).message });
  }
}
