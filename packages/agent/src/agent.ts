// A running agent, wired from its parts. The mode is decided once, here: -dev gets a local log (always the
// leader), a server gets Raft (raft-server.ts + cluster/raft-log.ts) and a server listener, a client gets a
// remote log and a forwarder to the servers. Everything after start goes through the parts:
//   log (CommandLog)       every write: HTTP, catalog sync, reconcile, session TTLs, tombstone reaping
//   LeaderDuties           reconcile, session timers and tombstone reaping while this agent leads
//   SyncLoop + CatalogSync the agent's own services and checks kept in the catalog
//   FrontEnds              HTTP and DNS;  AgentFacts: what /v1/agent/self, members and operator show
//   ClusterJoin            -join, -retry-join, rejoin after restart, leave;  Membership: gossip
import { SessionTimers, StateMachine, TOPIC_ACL, type Command, type CommandLog, type CommandResult } from '@conclave/state';
import type { CheckScheduler } from '@conclave/health';
import { RefusedError, TokenBucket, keepTickObjectShape, preloadGoRegexp, type RootLogger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';
import { agentRole, type AgentMode, type ServerCode } from './agent-role.js';
import { LocalUserEvents, gossipBroadcast } from './user-events.js';
import { LocalState } from './local-state.js';
import { LocalServices } from './local-services.js';
import { CatalogSync, localCatalogReader, type NodeIdentity } from './catalog-sync.js';
import { agentApiBackend } from './api-backend.js';
import { ConfigWatches } from './config-watches.js';
import type { Membership } from './membership.js';
import { startGossip } from './gossip-wiring.js';
import { MemberReconciler } from './member-reconciler.js';
import { TombstoneReaper } from './tombstone-reaper.js';
import { LeaderDuties } from './leader-duties.js';
import { AclReplicator } from './acl-replicator.js';
import { SyncLoop } from './sync-loop.js';
import { FrontEnds } from './front-ends.js';
import { ClusterJoin } from './cluster-join.js';
import { AgentFacts } from './agent-facts.js';
import { nodeIdentity, nodeMeta, selfRegistration } from './node-identity.js';
import { RELOADABLE_SETTINGS, settingsNeedingRestart } from './config/reload-changes.js';
import type { RaftServer } from './cluster/raft-server.js';
import type { ServerListener } from './cluster/server-listener.js';
import { RpcClient } from './cluster/rpc.js';
import { AgentAcl, createInitialManagementToken } from './agent-acl.js';
import { authorizeApply } from './cluster/apply-permissions.js';
import { ApiError, type TokenResolution } from '@conclave/http-api';
import { permissionDeniedText } from '@conclave/acl';
import { keyringOperation } from './gossip-keyring.js';
import { ClusterTls } from './cluster/cluster-tls.js';
import type { RpcForwarder } from './cluster/forwarding.js';
import { remoteCatalogReader } from './cluster/servers.js';
import { KnownPeers } from './cluster/known-peers.js';
import { AgentMetrics } from './agent-metrics.js';
import { AutopilotView, initAutopilotConfig } from './autopilot-view.js';
import { VERSION } from './version.js';
import { RemoteExec } from './remote-exec.js';
import { MemberStatusCode } from './membership.js';
import { dnsFederation, dnsQueries, startCoordinateSync, startFederation, type Federation } from './federation-wiring.js';
import type { CoordinateSync } from './coordinate-sync.js';
import type { CoordinateBatcher } from './cluster/coordinate-batcher.js';

/** After a server starts, nodes gossip has not heard of yet are not reaped for this long. */
const REAP_GRACE_MS = 120_000;

export type { AgentMode } from './agent-role.js';

export interface AgentOptions {
  /** Re-reads (and checks) the configuration for `reload` (SIGHUP, `conclave reload`); the app passes its argv
   * through. A rejection refuses the reload with nothing changed. */
  reloadConfig?: () => AgentConfig | Promise<AgentConfig>;
  /** Called when the agent was asked to leave (PUT /v1/agent/leave): the app shuts down. */
  onLeave?: () => void;
}

export class Agent {
  readonly state = new StateMachine();
  readonly local = new LocalState();
  readonly identity: NodeIdentity;
  readonly mode: AgentMode;
  /** The one write path, picked at start: the local log (-dev), Raft (server) or a server over RPC (client). */
  readonly log: CommandLog<Command, CommandResult>;
  readonly metrics: AgentMetrics;
  private readonly rpc: RpcClient;
  private readonly clusterTls: ClusterTls;
  private readonly raftServer: RaftServer | undefined;
  private readonly serverListener: ServerListener | undefined;
  private readonly forwarder: RpcForwarder | undefined;
  private readonly scheduler: CheckScheduler;
  private readonly services: LocalServices;
  private readonly syncLoop: SyncLoop;
  private readonly sessionTimers: SessionTimers;
  private readonly leader: LeaderDuties | undefined;
  /** A secondary datacenter's server: ACL replication from the primary (acl-replicator.ts). */
  private aclReplicator: AclReplicator | undefined;
  private readonly events: LocalUserEvents;
  private readonly frontEnds: FrontEnds;
  private readonly joiner: ClusterJoin;
  private readonly facts: AgentFacts;
  private readonly knownPeers: KnownPeers;
  private membership: Membership | undefined;
  /** Other datacenters (federation-wiring.ts) and this agent's coordinate updates. */
  private federation: Federation | undefined;
  private dnsLoopback: { close(): void } | undefined;
  /** DNS with ACLs on: follows ACL changes to keep answers cacheable (acl-dns-source.ts). */
  private aclDnsSource: { close(): void } | undefined;
  private coordinateSync: CoordinateSync | undefined;
  /** A server's queue of agents' coordinate updates, applied in batches. */
  private readonly coordinateBatcher: CoordinateBatcher | undefined;
  private reconciler: MemberReconciler | undefined;
  private readonly watches: ConfigWatches;
  /** ACL tokens of this agent and the HTTP API's resolver (agent-acl.ts). */
  private readonly acl: AgentAcl;
  private aclFetch: ((secret: string) => Promise<unknown>) | undefined;
  private stopped = false;
  private autopilot: AutopilotView | undefined;
  private readonly remoteExec: RemoteExec;

  private constructor(
    private config: AgentConfig,
    private readonly logger: RootLogger,
    private readonly options: AgentOptions,
    serverCode: ServerCode | undefined,
  ) {
    this.identity = nodeIdentity(config);
    this.metrics = new AgentMetrics(config, logger);
    this.clusterTls = new ClusterTls(config);
    // limits.rpc_rate applies to a client agent's calls to the servers, as in Consul.
    const rpcRate = !config.server && !config.dev && config.rpcRate !== Infinity ? new TokenBucket(config.rpcRate, Math.max(1, config.rpcMaxBurst)) : undefined;
    this.rpc = new RpcClient(() => this.clusterTls.dialOptions(), rpcRate, () => this.metrics.clientRpc.incr());
    this.knownPeers = new KnownPeers(config.dev ? '' : config.dataDir);
    this.acl = new AgentAcl(config.acl, config.dev ? '' : config.dataDir, this.identity.node, logger.named('acl'));
    // A secondary datacenter that does not replicate tokens asks the primary for its global ones.
    const primary = config.primaryDatacenter;
    const remoteTokens = config.server && !config.dev && !!primary && primary !== config.datacenter && !config.acl.enableTokenReplication;
    const aclServer =
      config.acl.enabled && (config.server || config.dev)
        ? this.acl.serverResolver(
            this.state,
            config.datacenter,
            remoteTokens ? { datacenter: primary, forwarder: () => this.federation?.datacenterForwarder, replicationToken: () => this.acl.tokens.replication } : undefined,
          )
        : undefined;
    const members = () => this.membership?.members() ?? [];
    // Consul's agent reads and writes its own catalog entries with acl.tokens.agent, else acl.tokens.default.
    const agentToken = () => this.acl.tokens.agent || this.acl.tokens.default;
    const role = agentRole(
      {
        config,
        node: this.identity.node,
        state: this.state,
        members,
        rpc: this.rpc,
        tls: this.clusterTls,
        logger,
        httpLoopback: () => this.frontEnds.loopback(),
        onLeadership: (leader) => this.leader?.onLeadership(leader),
        metrics: this.metrics,
        aclResolve: aclServer ? (secret) => aclServer.resolution(secret) : undefined,
        authorizeApply: aclServer
          ? async (token, cmd) => authorizeApply(await aclServer.resolveRpc(token), cmd, (id) => this.state.sessions.info(id).value[0]?.Node)
          : undefined,
        agentToken,
        keyringLan: async (op, key, token) => {
          if (aclServer) {
            const t = await aclServer.resolveRpc(token);
            const access = op === 'list' ? 'read' : 'write';
            if (!t.authorizer.allowed('keyring', access, '')) throw new ApiError(403, permissionDeniedText(t.accessorId, 'keyring', access));
          }
          const node = this.membership?.node;
          if (!node) throw new RefusedError('gossip is not running on this agent');
          return keyringOperation(node, config.datacenter, op, key);
        },
      },
      serverCode,
    );
    ({ mode: this.mode, log: this.log, forwarder: this.forwarder, raftServer: this.raftServer, serverListener: this.serverListener } = role);
    this.aclFetch = role.aclFetch;
    this.coordinateBatcher = role.coordinates;
    const propose = (cmd: Command) => this.log.propose(cmd);
    ({ services: this.services, scheduler: this.scheduler } = LocalServices.withChecks(this.local, config, logger));
    const reader = this.mode === 'client' ? remoteCatalogReader(() => this.forwarder!, agentToken) : localCatalogReader(this.state);
    const sync = new CatalogSync(reader, this.local, this.identity, propose, logger);
    this.syncLoop = new SyncLoop({ sync, clusterSize: () => this.membership?.members().length ?? 1, logger: logger.named('anti_entropy') });
    this.local.onChange(() => this.syncLoop.request());
    this.sessionTimers = new SessionTimers({
      state: this.state,
      propose,
      onExpire: (s) => logger.debug('Session TTL expired', { session: s.ID }),
      onError: (err) => logger.warn('Session invalidation failed', { error: err }),
    });
    this.facts = new AgentFacts({
      config: () => this.config,
      identity: this.identity,
      dev: this.mode === 'dev',
      log: this.log,
      raftServer: this.raftServer,
      membership: () => this.membership,
      wan: () => this.federation?.wan,
      localCounts: () => ({ checks: this.local.checks.size, services: this.local.services.size }),
      startedAt: Date.now(),
    });
    if (this.mode !== 'client') {
      this.leader = new LeaderDuties({
        isLeader: () => this.facts.isLeader(),
        reconciler: () => this.reconciler,
        sessionTimers: this.sessionTimers,
        tombstones: new TombstoneReaper(() => this.state.maxIndex(), propose),
        logger: logger.named('server'),
        onLeader: () => {
          void initAutopilotConfig(this.state, this.log, this.config.autopilot, logger.named('autopilot'));
          // A secondary datacenter gets its global tokens from the primary (acl-replicator.ts), as Consul's does.
          const primary = this.config.primaryDatacenter;
          if (!primary || primary === this.config.datacenter) void createInitialManagementToken(this.acl, this.state, propose, logger.named('acl'));
        },
      });
    }
    this.events = new LocalUserEvents({
      node: this.identity.node,
      services: () => [...this.local.services.values()].map((s) => ({ ID: s.service.ID, Service: s.service.Service, Tags: s.service.Tags ?? [] })),
      // In a cluster, events travel as gossip user events and come back to deliver() on every member.
      broadcast: this.mode === 'dev' ? undefined : gossipBroadcast(() => this.membership?.node),
      onRemoteExec: (ev) => this.remoteExec.handle(ev.ID, ev.Payload),
    });
    this.remoteExec = new RemoteExec({
      node: this.identity.node,
      disabled: () => this.config.disableRemoteExec,
      httpAddress: () => {
        const l = this.frontEnds.loopback();
        return l && `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
      },
      logger: logger.named('agent'),
    });
    this.frontEnds = new FrontEnds(config, logger, this.metrics);
    if (this.mode !== 'client') this.metrics.startUsage(() => this.usageFacts());
    if (this.mode === 'dev') {
      // Consul's -dev agent runs Raft in memory: it stood for election once and leads.
      this.metrics.raftStateCandidate.incr();
      this.metrics.raftStateLeader.incr();
    }
    this.joiner = new ClusterJoin({
      membership: () => this.membership,
      knownPeers: this.knownPeers,
      startJoin: config.startJoin,
      retryJoin: config.retryJoin,
      retryMax: config.retryMax,
      retryIntervalMs: config.retryIntervalNs / 1e6,
      rejoinAfterLeave: config.rejoinAfterLeave,
      logger,
    });
    this.watches = new ConfigWatches(() => {
      const l = this.frontEnds.loopback();
      return l && `${l.host}:${l.port}`;
    }, logger);
  }

  /** Starts the agent; rejects (with everything already started stopped again) when a listener cannot bind. */
  static async start(config: AgentConfig, logger: RootLogger, options: AgentOptions = {}): Promise<Agent> {
    // Server-only code (Raft, the RPC and Raft listeners) is loaded here, so a client agent never loads it.
    const serverCode: ServerCode | undefined =
      !config.dev && config.server ? await Promise.all([import('./cluster/raft-server.js'), import('./cluster/server-listener.js')]) : undefined;
    // An agent idles between bursts; without this, its nextTick calls slow down for good after an idle GC
    // (toolkit's tick-object-shape.ts).
    keepTickObjectShape();
    const agent = new Agent(config, logger, options, serverCode);
    try {
      if (agent.mode === 'dev') await agent.log.propose(selfRegistration(agent.identity, config.ports.server));
      agent.services.loadDefinitions(config);
      await agent.listen();
      await agent.watches.apply(config.watches);
      // The regex engine (re2js) is loaded on servers once they are up, not on the first ?filter request;
      // a client agent keeps it lazy (its idle memory matters more).
      if (agent.mode !== 'client') setImmediate(preloadGoRegexp).unref();
    } catch (err) {
      await agent.shutdown();
      throw err;
    }
    return agent;
  }

  get httpAddress(): string {
    return this.frontEnds.httpAddress;
  }

  get dnsAddress(): string {
    return this.frontEnds.dnsAddress;
  }

  get serverAddress(): string {
    return this.facts.serverAddress;
  }

  /**
   * Re-reads the configuration (SIGHUP, PUT /v1/agent/reload) and applies what Consul reloads: TLS files,
   * watches, DNS settings, services and checks, node metadata, the HTTP connection limit and the log level. Other
   * changed settings keep their running values; they are logged and returned as needing a restart.
   */
  async reload(): Promise<{ restartRequired: string[] }> {
    if (!this.options.reloadConfig) return { restartRequired: [] };
    this.logger.info('Reloading configuration...');
    const next = await this.options.reloadConfig();
    const reloadable = new Set<keyof AgentConfig>([...RELOADABLE_SETTINGS, 'tls']);
    const restartRequired = settingsNeedingRestart(this.config, next, reloadable);
    // Certificates first: unreadable or mismatched files refuse the reload and the old ones stay in use.
    this.frontEnds.reloadTls(next);
    this.clusterTls.load(next);
    this.serverListener?.reloadTls();
    // Watches and DNS next: an invalid watch definition or DNS setting refuses the rest of the reload.
    await this.watches.apply(next.watches);
    this.frontEnds.reload(next);
    const seen = this.services.reloadDefinitions(next);
    const meta = this.identity.meta;
    for (const k of Object.keys(meta)) delete meta[k];
    Object.assign(meta, nodeMeta(next));
    this.syncLoop.request();
    // Consul reloads log_level only: log_json and log_file keep what the agent started with.
    if (next.logLevel !== this.logger.level) {
      this.logger.info('Updating log level', { from: this.logger.level, to: next.logLevel });
      this.logger.setLevel(next.logLevel);
    }
    const applied: Partial<AgentConfig> = {};
    for (const key of reloadable) Object.assign(applied, { [key]: next[key] });
    this.config = { ...this.config, ...applied };
    this.logger.info('Reloaded configuration', { services: seen.services, checks: seen.checks, watches: next.watches.length });
    if (restartRequired.length > 0) {
      this.logger.warn('Changed settings take effect only after a restart', { settings: restartRequired.join(', ') });
    }
    return { restartRequired };
  }

  /** Leaves the gossip cluster gracefully (the WAN pool too, as Consul's servers do); the next start does not
   * rejoin the old members unless -rejoin. */
  async leave(): Promise<void> {
    await Promise.all([this.joiner.leave(), this.federation?.joiner ? this.federation.joiner.leave() : this.federation?.wan?.leave()]);
  }

  /** Joins the cluster through any of the addresses (Consul's `-join`, `conclave join`). */
  join(addresses: string[]): Promise<{ joined: number; errors: string[] }> {
    return this.joiner.join(addresses);
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.leader?.stop();
    this.aclReplicator?.stop();
    this.sessionTimers.stop();
    this.syncLoop.stop();
    this.joiner.stop();
    this.federation?.joiner?.stop();
    this.federation?.stopFlood?.();
    this.coordinateSync?.stop();
    this.coordinateBatcher?.stop();
    this.watches.stop();
    await Promise.allSettled([this.remoteExec.stop(), this.frontEnds.close(), this.scheduler.stop()]);
    await Promise.allSettled([this.raftServer?.stop(), this.membership?.shutdown(), this.federation?.wan?.shutdown()]);
    this.rpc.close();
    this.dnsLoopback?.close();
    this.aclDnsSource?.close();
    await this.serverListener?.close();
    this.metrics.close();
  }

  /** What a server's usage gauges show (Consul's usage metrics reporter, session and autopilot gauges). */
  private usageFacts() {
    const catalog = this.state.catalog.counts();
    let healthy: boolean | undefined;
    if (this.mode === 'dev') healthy = true;
    else if (this.raftServer?.isLeader()) {
      // Autopilot's health, with the replicated thresholds (autopilot-view.ts).
      healthy = this.autopilotView()?.facts().healthy;
    }
    return { ...catalog, kvEntries: this.state.kv.stats().keys, sessions: this.sessionTimers.size, healthy };
  }

  /** Servers (and -dev): autopilot's view of the servers, made once so that StableSince persists. */
  private autopilotView(): AutopilotView | undefined {
    if (this.mode === 'client') return undefined;
    this.autopilot ??= new AutopilotView({
      node: this.identity.node,
      nodeId: this.identity.id,
      selfAddress: this.facts.serverAddress,
      version: VERSION,
      state: this.state,
      raft: this.raftServer,
      members: () => this.membership?.members() ?? [],
      devLastIndex: this.mode === 'dev' ? () => this.log.lastIndex() : undefined,
    });
    return this.autopilot;
  }

  private async startGossip(): Promise<void> {
    const cfg = this.config;
    this.membership = await startGossip({
      config: cfg,
      identity: this.identity,
      logger: this.logger,
      knownPeers: this.knownPeers,
      onMemberEvent: (ev, m) => {
        // Consul's ServerUp: a client syncs its services soon after a server of its datacenter (re)appears.
        if (this.mode === 'client' && ev === 'join' && m.tags.role === 'consul' && m.tags.dc === cfg.datacenter) this.syncLoop.serverUp();
        this.raftServer?.onMembership();
        this.leader?.reconcile();
      },
      onUserEvent: (name, payload, ltime) => this.events.deliver(name, payload, ltime),
      metrics: this.metrics,
    });
    const members = this.membership;
    if (members && this.mode !== 'client') {
      const grace = cfg.dev ? 0 : Date.now() + REAP_GRACE_MS;
      this.reconciler = new MemberReconciler(this.state, () => members.members(), cfg.datacenter, (cmd) => this.log.propose(cmd), grace);
    }
  }

  private async preparedQueriesForDns() {
    const queries = await dnsQueries(() => this.frontEnds.loopback(), this.config.datacenter, () => this.acl.tokens.default);
    this.dnsLoopback = queries;
    return queries.run;
  }

  private async listen(): Promise<void> {
    const cfg = this.config;
    await this.startGossip();
    const federation = await startFederation({
      config: cfg,
      mode: this.mode,
      node: this.identity.node,
      nodeId: this.identity.id,
      membership: this.membership,
      forwarder: this.forwarder,
      rpc: this.rpc,
      logger: this.logger,
    });
    this.federation = federation;
    if (this.mode === 'server' && cfg.acl.enabled && cfg.primaryDatacenter && cfg.primaryDatacenter !== cfg.datacenter && federation.datacenterForwarder) {
      this.aclReplicator = new AclReplicator({
        datacenter: cfg.datacenter,
        primary: cfg.primaryDatacenter,
        tokens: cfg.acl.enableTokenReplication,
        forwarder: federation.datacenterForwarder,
        token: () => this.acl.tokens.replication,
        state: this.state,
        log: this.log,
        isLeader: () => this.facts.isLeader(),
        logger: this.logger.named('acl').named('replication'),
      });
      this.aclReplicator.start();
    }
    await this.serverListener?.listen(cfg.ports.server, cfg.bindAddr, this.logger);
    const aclBackend = this.acl.backend(this.aclFetch as ((secret: string) => Promise<TokenResolution | null>) | undefined);
    await this.frontEnds.startHttp(
      agentApiBackend({
        config: cfg,
        node: this.identity.node,
        client: this.mode === 'client',
        state: this.state,
        log: this.log,
        facts: this.facts,
        local: this.local,
        services: this.services,
        events: this.events,
        sessionTimers: this.sessionTimers,
        forwarder: this.forwarder,
        reload: async () => void (await this.reload()),
        join: (addresses) => this.join(addresses),
        leave: async () => {
          await this.leave();
          // Answer the request first, then shut down (closing the listener would reset this connection).
          setTimeout(() => this.options.onLeave?.(), 100).unref();
        },
        forceLeave: (node, prune) => this.membership?.forceLeave(node, prune) ?? false,
        wan: federation.wan,
        datacenterForwarder: federation.datacenterForwarder,
        logger: this.logger,
        gossip: () => this.membership?.node,
        keyringFederation: federation.keyring,
        metrics: this.metrics,
        autopilot: this.autopilotView(),
        acl: aclBackend,
        aclReplication: this.aclReplicator && (() => this.aclReplicator!.status()),
      }),
    );
    await this.frontEnds.startDns(async () => {
      const source =
        this.mode === 'client'
          ? new (await import('./cluster/remote-dns-source.js')).RemoteDnsSource(this.forwarder!, cfg.datacenter, () => this.acl.tokens.default, this.identity.node)
          : new (await import('./dns-source.js')).CatalogDnsSource(this.state, cfg.datacenter, await dnsFederation(federation, cfg.datacenter), await this.preparedQueriesForDns());
      if (!aclBackend) return source;
      const changes = { acl: (l: () => void) => this.state.watches.follow([TOPIC_ACL], l), defaultToken: (l: () => void) => this.acl.onDefaultTokenChange(l) };
      const aclSource = new (await import('./acl-dns-source.js')).AclDnsSource(source, aclBackend, changes);
      this.aclDnsSource = aclSource;
      return aclSource;
    });
    this.leader?.start(this.mode === 'dev');
    // Raft starts once HTTP is up: the server answers forwarded requests through its own HTTP API.
    await this.raftServer?.start();
    await this.joiner.atStart();
    await federation.joiner?.atStart();
    this.syncLoop.start();
    // A server's own coordinate joins the batch the agents' updates are queued in, as in Consul.
    const batcher = this.coordinateBatcher;
    batcher?.start();
    const proposeCoordinate = batcher
      ? async (cmd: Command) => batcher.add((cmd as Extract<Command, { type: 'coordinate.batch-update' }>).Updates)
      : (cmd: Command) => this.log.propose(cmd);
    this.coordinateSync = startCoordinateSync(cfg, this.identity.node, this.membership, proposeCoordinate, this.logger.named('agent'));
  }
}
