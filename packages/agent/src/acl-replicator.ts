// ACL replication into a secondary datacenter (Consul's leader ACL replication routines): while this server leads
// a datacenter whose primary_datacenter is another, it reads the primary's policies and roles (and, with
// acl.enable_token_replication, its global tokens) over the WAN with acl.tokens.replication, and writes the
// differences into its own Raft log with the ordinary ACL commands, keeping the primary's IDs and secrets. So a
// secondary with token replication resolves every global token from its own replicated state (without it, its
// servers ask the primary, acl-server-resolver.ts); its local tokens are left alone.
// Records are compared by Hash (the same digest on both sides, acl-state.ts), as Consul's diff compares them.
import { GLOBAL_MANAGEMENT_POLICY_ID, ANONYMOUS_TOKEN_ACCESSOR_ID } from '@conclave/acl';
import { isCommandFailure } from '@conclave/catalog';
import type { AclReplicationStatus, RequestForwarder } from '@conclave/http-api';
import { REPLICATION_DISABLED } from '@conclave/http-api';
import type { AclTokenInput, Command, CommandLog, StateReader } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';

export interface AclReplicatorOptions {
  datacenter: string;
  primary: string;
  /** Replicate global tokens too (acl.enable_token_replication). */
  tokens: boolean;
  forwarder: RequestForwarder;
  /** acl.tokens.replication, read at each round (it can be set at run time). */
  token(): string;
  state: StateReader;
  log: CommandLog;
  isLeader(): boolean;
  logger: Logger;
  /** The least time between two rounds' starts; default 1 s (Consul's acl_replication_rate, 1/s). */
  intervalMs?: number;
  now?(): number;
}

interface RemotePolicy {
  ID: string;
  Name: string;
  Description: string;
  Rules?: string;
  Datacenters?: string[];
  Hash: string;
}
interface Link {
  ID: string;
}
interface RemoteRole {
  ID: string;
  Name: string;
  Description: string;
  Policies?: Link[];
  ServiceIdentities?: Array<{ ServiceName: string; Datacenters?: string[] }>;
  NodeIdentities?: Array<{ NodeName: string; Datacenter: string }>;
  TemplatedPolicies?: AclTokenInput['TemplatedPolicies'];
  Hash: string;
}
interface RemoteToken {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies?: Link[];
  Roles?: Link[];
  ServiceIdentities?: RemoteRole['ServiceIdentities'];
  NodeIdentities?: RemoteRole['NodeIdentities'];
  TemplatedPolicies?: AclTokenInput['TemplatedPolicies'];
  Local: boolean;
  AuthMethod?: string;
  ExpirationTime?: string;
  CreateTime: string;
  Hash: string;
}


/** How long one round waits for the primary's ACLs to change (a blocking query, as Consul's replication). */
const BLOCKING_WAIT = '30s';

export class AclReplicator {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The primary's ACL index at the last successful round (0: none yet, answer at once). */
  private remoteIndex = 0;
  private current: AclReplicationStatus;

  constructor(private readonly o: AclReplicatorOptions) {
    this.current = {
      ...REPLICATION_DISABLED,
      Enabled: true,
      SourceDatacenter: o.primary,
      ReplicationType: o.tokens ? 'tokens' : 'roles',
    };
  }

  status(): AclReplicationStatus {
    return { ...this.current, Running: this.o.isLeader() && !this.stopped };
  }

  start(): void {
    void this.loop();
  }

  /** Rounds one after another while this server leads: each waits (a blocking query on the primary's ACL
   * index) until the primary's ACLs change or WAIT passes, and at most one starts per interval. */
  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      if (this.o.isLeader()) await this.round();
      else this.remoteIndex = 0; // a new leader starts with a full pass
      const rest = (this.o.intervalMs ?? 1000) - (Date.now() - started);
      if (rest > 0 && !this.stopped) await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, rest);
        this.timer.unref();
      });
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One replication pass; never throws (the status and the log say what failed). */
  async round(): Promise<void> {
    try {
      // Every ACL table shares one index on the primary, so waiting on the policy list wakes for any change.
      const policies = await this.get<RemotePolicy[]>('/v1/acl/policies', this.remoteIndex);
      const roles = await this.get<RemoteRole[]>('/v1/acl/roles');
      const tokens = this.o.tokens ? (await this.get<RemoteToken[]>('/v1/acl/tokens')).body.filter((t) => !t.Local) : undefined;
      const state = this.o.state.acl;
      // Upserts in link order (policies, roles, tokens), deletes in the reverse, so no record links to one missing.
      for (const p of policies.body) {
        if (state.policy(p.ID)?.Hash === p.Hash) continue;
        const full = (await this.get<RemotePolicy>(`/v1/acl/policy/${encodeURIComponent(p.ID)}`)).body;
        await this.propose({ type: 'acl.policy.set', Policy: { ID: full.ID, Name: full.Name, Description: full.Description, Rules: full.Rules ?? '', Datacenters: full.Datacenters ?? [] } });
      }
      for (const r of roles.body) {
        if (state.role(r.ID)?.Hash === r.Hash) continue;
        await this.propose({
          type: 'acl.role.set',
          Role: {
            ID: r.ID,
            Name: r.Name,
            Description: r.Description,
            Policies: (r.Policies ?? []).map((l) => ({ ID: l.ID })),
            ServiceIdentities: r.ServiceIdentities ?? [],
            NodeIdentities: r.NodeIdentities ?? [],
            ...(r.TemplatedPolicies?.length ? { TemplatedPolicies: r.TemplatedPolicies } : {}),
          },
        });
      }
      if (tokens) {
        for (const t of tokens) {
          const local = state.token(t.AccessorID);
          if (local && local.Hash === t.Hash && local.ExpirationTime === t.ExpirationTime) continue;
          if (t.SecretID === '<hidden>') throw new Error('the replication token may not read token secrets (it needs acl = "write")');
          const input: AclTokenInput = {
            AccessorID: t.AccessorID,
            SecretID: t.SecretID,
            Description: t.Description,
            Policies: (t.Policies ?? []).map((l) => ({ ID: l.ID })),
            Roles: (t.Roles ?? []).map((l) => ({ ID: l.ID })),
            ServiceIdentities: t.ServiceIdentities ?? [],
            NodeIdentities: t.NodeIdentities ?? [],
            Local: false,
            CreateTime: t.CreateTime,
          };
          if (t.ExpirationTime) input.ExpirationTime = t.ExpirationTime;
          if (t.AuthMethod) input.AuthMethod = t.AuthMethod;
          if (t.TemplatedPolicies?.length) input.TemplatedPolicies = t.TemplatedPolicies;
          await this.propose({ type: 'acl.token.set', Token: input });
        }
        const remote = new Set(tokens.map((t) => t.AccessorID));
        for (const t of state.listTokens().value)
          if (!t.Local && t.AccessorID !== ANONYMOUS_TOKEN_ACCESSOR_ID && !remote.has(t.AccessorID)) await this.propose({ type: 'acl.token.delete', AccessorID: t.AccessorID });
      }
      const remoteRoles = new Set(roles.body.map((r) => r.ID));
      for (const r of state.listRoles().value) if (!remoteRoles.has(r.ID)) await this.propose({ type: 'acl.role.delete', ID: r.ID });
      const remotePolicies = new Set(policies.body.map((p) => p.ID));
      for (const p of state.listPolicies().value)
        if (p.ID !== GLOBAL_MANAGEMENT_POLICY_ID && !remotePolicies.has(p.ID)) await this.propose({ type: 'acl.policy.delete', ID: p.ID });
      this.current = {
        ...this.current,
        ReplicatedIndex: policies.index,
        ReplicatedRoleIndex: roles.index,
        ReplicatedTokenIndex: tokens ? policies.index : 0,
        LastSuccess: this.time(),
      };
      this.remoteIndex = policies.index;
    } catch (err) {
      if (this.stopped) return; // the agent is shutting down: its RPC client closed under the pending query
      const message = (err as Error)?.message ?? String(err);
      this.o.logger.warn('ACL replication failed', { error: message });
      this.current = { ...this.current, LastError: this.time(), LastErrorMessage: message };
    }
  }

  private time(): string {
    return new Date(this.o.now ? this.o.now() : Date.now()).toISOString();
  }

  private async get<T>(path: string, blockOn = 0): Promise<{ index: number; body: T }> {
    const wait = blockOn > 0 ? `&index=${blockOn}&wait=${BLOCKING_WAIT}` : '';
    const url = `${path}?dc=${encodeURIComponent(this.o.primary)}${wait}`;
    const token = this.o.token();
    const reply = await this.o.forwarder.forward({ method: 'GET', url, headers: token ? { 'x-consul-token': token } : {}, body: new Uint8Array() });
    const text = Buffer.from(reply.body).toString('utf8');
    if (reply.status !== 200) throw new Error(`GET ${url} from ${this.o.primary}: ${reply.status} (${text})`);
    // Forwarded replies keep the answering server's header spelling (X-Consul-Index).
    const raw = Object.entries(reply.headers).find(([k]) => k.toLowerCase() === 'x-consul-index')?.[1];
    const index = Number(raw ?? 0);
    return { index: Number.isFinite(index) ? index : 0, body: JSON.parse(text) as T };
  }

  private async propose(command: Command): Promise<void> {
    const { result } = await this.o.log.propose(command);
    if (isCommandFailure(result)) throw new Error(`${command.type}: ${result.error}`);
  }
}
