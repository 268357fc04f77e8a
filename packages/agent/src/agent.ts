// A running agent: the state machine behind a log, the agent's own services and checks kept in sync with the
// catalog, gossip membership, and the HTTP and DNS front ends. Three modes share this code: -dev (a local log,
// always the leader), server (Raft; the leader reconciles membership) and client (no state: reads and writes
// go to a server over RPC).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { SessionTimers, StateMachine, type Command, type CommandLog, type CommandResult } from '@conclave/state';
import { ApiError, createHttpApi, type AgentSelfFacts, type HttpApi, type Leadership, type MemberFacts, type RaftConfigurationFacts, type RaftStatsFacts } from '@conclave/http-api';
import type { DnsDataSource, DnsServer } from '@conclave/dns';
import { CheckScheduler, SERF_HEALTH_CHECK_ID, SERF_HEALTH_CHECK_NAME, SERF_HEALTH_ALIVE_OUTPUT } from '@conclave/health';
import type { AgentConfig } from './config/agent-config.js';
import { LocalLog } from './local-log.js';
import { LocalUserEvents } from './user-events.js';
import { LocalState } from './local-state.js';
import { LocalServices } from './local-services.js';
import { CatalogSync, localCatalogReader, type CatalogReader, type NodeIdentity } from './catalog-sync.js';
import { LocalAgentEndpoints } from './agent-endpoints-impl.js';
import type { Logger } from '@conclave/toolkit';
import { Membership } from './membership.js';
import { MemberReconciler } from './member-reconciler.js';
import type { RaftServer } from './cluster/raft-server.js';
import { RemoteLog } from './cluster/remote-log.js';
import { serverRpcHandler } from './cluster/server-rpc.js';
import { serverAddress } from './cluster/server-address.js';
import { RpcClient, RpcServer, RPC_PATH } from './cluster/rpc.js';
import type { ServerPort } from './cluster/server-port.js';
import { LoopbackHttp, RpcForwarder, followerForwards, forwardedJson } from './cluster/forwarding.js';
import { KnownPeers } from './cluster/known-peers.js';
import { TombstoneReaper } from './tombstone-reaper.js';
import { FullSyncScheduler } from './anti-entropy-schedule.js';
import type { ConsulClient } from '@conclave/client';
import type { WatchSet } from '@conclave/watch';
import type { NodeServicesView, CheckView } from '@conclave/catalog';
import { BUILD, VERSION } from './version.js';

/** Anti-entropy's full sync interval before the cluster-size stagger (anti-entropy-schedule.ts): Consul's 1 minute. */
const FULL_SYNC_INTERVAL_MS = 60_000;
/** How often the leader reconciles gossip membership into the catalog besides every membership event (Consul: 60s). */
const RECONCILE_INTERVAL_MS = 60_000;
/** How often the leader records the index for tombstone reaping. */
const TOMBSTONE_TICK_MS = 60_000;
/** After a server starts, nodes gossip has not heard of yet are not reaped for this long. */
const REAP_GRACE_MS = 120_000;
/** First retry of a failed catalog sync (no leader yet, server unreachable); doubles up to a minute. */
const SYNC_RETRY_MS = 1000;

export type AgentMode = 'dev' | 'server' | 'client';

export interface AgentOptions {
  /** Re-reads the configuration for `reload` (SIGHUP, `conclave reload`); the app passes its argv through. */
  reloadConfig?: () => AgentConfig;
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
  private readonly scheduler: CheckScheduler;
  private readonly services: LocalServices;
  private readonly sync: CatalogSync;
  /** Session TTLs: run by the leader (always, in -dev), proposing session.destroy on expiry. */
  private readonly sessionTimers: SessionTimers;
  /** User events: kept locally (gossip delivery in a cluster is not wired yet). */
  private readonly events: LocalUserEvents;
  private readonly rpc = new RpcClient();
  private readonly raftServer: RaftServer | undefined;
  private serverPort: ServerPort | undefined;
  private rpcServer: RpcServer | undefined;
  private loopback: LoopbackHttp | undefined;
  private forwarder: RpcForwarder | undefined;
  private http: HttpApi | undefined;
  private httpPort: number | undefined;
  private dns: DnsServer | undefined;
  private membership: Membership | undefined;
  private reconciler: MemberReconciler | undefined;
  private readonly fullSyncs: FullSyncScheduler;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private retryJoinTimer: NodeJS.Timeout | undefined;
  private syncRetryTimer: NodeJS.Timeout | undefined;
  private syncRetryMs = SYNC_RETRY_MS;
  private readonly tombstones: TombstoneReaper;
  private tombstoneTimer: NodeJS.Timeout | undefined;
  private watches: WatchSet | undefined;
  private watchClient: ConsulClient | undefined;
  private readonly startedAt = Date.now();
  private readonly knownPeers: KnownPeers;
  private stopped = false;

  private constructor(
    private config: AgentConfig,
    private readonly logger: Logger,
    private readonly options: AgentOptions,
    serverCode: typeof import('./cluster/raft-server.js') | undefined,
  ) {
    this.mode = config.dev ? 'dev' : config.server ? 'server' : 'client';
    const address = config.advertiseAddr || (config.bindAddr === '0.0.0.0' ? firstPrivateIp() : config.bindAddr);
    this.identity = {
      node: config.nodeName,
      id: config.nodeId || persistedNodeId(config.dataDir),
      address,
      datacenter: config.datacenter,
      meta: { 'consul-network-segment': '', ...config.nodeMeta },
      taggedAddresses: { lan: address, lan_ipv4: address, wan: address, wan_ipv4: address },
    };
    this.knownPeers = new KnownPeers(config.dev ? '' : config.dataDir);
    if (serverCode) {
      this.raftServer = new serverCode.RaftServer({
        node: this.identity.node,
        datacenter: config.datacenter,
        dataDir: config.dataDir,
        bootstrap: config.bootstrap,
        bootstrapExpect: config.bootstrapExpect,
        raftMultiplier: config.raftMultiplier,
        state: this.state,
        members: () => this.membership?.members() ?? [],
        rpc: this.rpc,
        logger: this.logger.named('server'),
        onLeadership: (leader) => {
          if (leader) {
            this.logger.info('cluster leadership acquired');
            this.reconcile();
            this.sessionTimers.start();
          } else {
            this.sessionTimers.stop();
          }
        },
      });
    }
    this.log =
      this.mode === 'dev'
        ? new LocalLog((cmd, index) => this.state.apply(cmd, index))
        : this.raftServer
          ? this.raftServer.log
          : new RemoteLog(() => this.serverTargets(), this.rpc);
    const propose = (cmd: Command) => this.log.propose(cmd);
    this.tombstones = new TombstoneReaper(() => this.state.maxIndex(), propose);
    this.scheduler = new CheckScheduler({
      onUpdate: (id, status, output) => {
        if (this.local.setCheckStatus(id, status, output)) this.logger.debug('Check status changed', { check: id, status });
      },
      onCriticalTooLong: (ev) => {
        this.logger.info('Deregistering service: critical for longer than deregister_critical_service_after', {
          service: ev.serviceId,
          check: ev.checkId,
        });
        this.services.deregisterService(ev.serviceId);
      },
      logger: this.logger.named('health'),
    });
    this.services = new LocalServices(this.local, this.scheduler, config, this.logger);
    const reader: CatalogReader = this.mode === 'client' ? this.remoteCatalogReader() : localCatalogReader(this.state);
    this.sync = new CatalogSync(reader, this.local, this.identity, propose);
    this.local.onChange(() => this.requestSync());
    this.fullSyncs = new FullSyncScheduler({
      run: () => this.sync.fullSync(),
      clusterSize: () => this.membership?.members().length ?? 1,
      onError: (err) => this.logger.warn('Catalog sync failed', { error: err }),
      intervalMs: FULL_SYNC_INTERVAL_MS,
    });
    this.sessionTimers = new SessionTimers({
      state: this.state,
      propose,
      onExpire: (s) => this.logger.debug('Session TTL expired', { session: s.ID }),
      onError: (err) => this.logger.warn('Session invalidation failed', { error: err }),
    });
    this.events = new LocalUserEvents({
      node: this.identity.node,
      services: () => [...this.local.services.values()].map((s) => ({ ID: s.service.ID, Service: s.service.Service, Tags: s.service.Tags ?? [] })),
      // In a cluster, events travel as gossip user events and come back to deliver() on every member.
      broadcast:
        this.mode === 'dev'
          ? undefined
          : (name, payload) => {
              if (!this.membership) throw new ApiError(500, 'User events need gossip (ports.serf_lan is disabled)');
              this.membership.node.sendUserEvent(name, payload);
            },
    });
  }

  /** Starts the agent; rejects (with everything already started stopped again) when a listener cannot bind. */
  static async start(config: AgentConfig, logger: Logger, options: AgentOptions = {}): Promise<Agent> {
    // Server-only code (Raft, the RPC and Raft listeners) is loaded here, so a client agent never loads it.
    const serverCode = !config.dev && config.server ? await import('./cluster/raft-server.js') : undefined;
    const agent = new Agent(config, logger, options, serverCode);
    try {
      if (agent.mode === 'dev') await agent.bootstrapDev();
      agent.loadDefinitions(config);
      await agent.listen();
      await agent.startConfigWatches(config);
    } catch (err) {
      await agent.shutdown();
      throw err;
    }
    return agent;
  }

  get httpAddress(): string {
    return `${this.config.httpAddr || this.config.clientAddr}:${this.httpPort ?? this.config.ports.http}`;
  }

  get dnsAddress(): string {
    return `${this.config.dnsAddr || this.config.clientAddr}:${this.dns?.port ?? this.config.ports.dns}`;
  }

  get serverAddress(): string {
    return `${this.identity.address}:${this.config.ports.server}`;
  }

  /** Re-reads service and check definitions (SIGHUP, PUT /v1/agent/reload). */
  async reload(): Promise<void> {
    if (!this.options.reloadConfig) return;
    const next = this.options.reloadConfig();
    // Watches first: an invalid watch definition refuses the whole reload before anything changed.
    await this.startConfigWatches(next);
    const before = {
      services: [...this.local.services.values()].filter((s) => s.origin === 'config').map((s) => s.service.ID),
      checks: [...this.local.checks.values()].filter((c) => c.origin === 'config').map((c) => c.CheckID),
    };
    const seen = this.loadDefinitions(next);
    for (const id of before.services) if (!seen.services.has(id)) this.services.deregisterService(id);
    for (const id of before.checks) if (!seen.checks.has(id)) this.services.removeCheck(id);
    this.config = { ...this.config, services: next.services, checks: next.checks, watches: next.watches };
    this.logger.info('Reloaded configuration', { services: seen.services.size, checks: seen.checks.size, watches: next.watches.length });
  }

  /** The config file's `watches`, run against this agent's own HTTP API; (re)started on start and reload.
   * An invalid definition throws before anything stops (at start the agent exits naming the file). */
  private async startConfigWatches(config: AgentConfig): Promise<void> {
    if (config.watches.length === 0) {
      this.watches?.stop();
      this.watches = undefined;
      return;
    }
    // Loaded only when the configuration has watches: most agents never need the watch code.
    const [{ parseConfigWatches, startWatches }, { ConsulClient }] = await Promise.all([import('@conclave/watch'), import('@conclave/client')]);
    const defs = parseConfigWatches(config.watches);
    this.watches?.stop();
    this.watches = undefined;
    if (defs.length === 0 || this.httpPort === undefined || this.stopped) return;
    this.watchClient ??= new ConsulClient({ address: `${loopbackHost(this.config.httpAddr || this.config.clientAddr)}:${this.httpPort}`, env: {} });
    this.watches = startWatches(defs, { client: this.watchClient, logger: this.logger.named('watch') });
    this.logger.info('Started watches', { count: defs.length });
  }

  /** Leaves the gossip cluster gracefully (others record `left`); the data dir remembers it, so the next start
   * does not rejoin the old members unless -rejoin says so. */
  async leave(): Promise<void> {
    this.knownPeers.recordLeave();
    await this.membership?.leave();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sessionTimers.stop();
    this.fullSyncs.stop();
    clearInterval(this.reconcileTimer);
    clearTimeout(this.retryJoinTimer);
    clearTimeout(this.syncRetryTimer);
    clearInterval(this.tombstoneTimer);
    this.watches?.stop();
    this.watchClient?.close();
    await Promise.allSettled([this.http?.close(), this.dns?.close(), this.scheduler.stop()]);
    await Promise.allSettled([this.raftServer?.stop(), this.membership?.shutdown()]);
    this.rpcServer?.close();
    this.rpc.close();
    this.loopback?.close();
    await this.serverPort?.close();
  }

  /** Joins the cluster through any of the addresses (Consul's `-join`, `conclave join`). */
  async join(addresses: string[]): Promise<{ joined: number; errors: string[] }> {
    if (!this.membership) return { joined: 0, errors: ['gossip is disabled (ports.serf_lan = -1)'] };
    const res = await this.membership.join(addresses);
    if (res.joined > 0) this.logger.info('Joined cluster', { joined: res.joined, addresses: addresses.join(',') });
    return res;
  }

  private requestSync(): void {
    void this.sync.sync().then(
      () => {
        this.syncRetryMs = SYNC_RETRY_MS;
      },
      (err: unknown) => {
        if (this.stopped) return;
        this.logger.warn('Catalog sync failed, will retry', { error: err, retryIn: `${this.syncRetryMs}ms` });
        clearTimeout(this.syncRetryTimer);
        this.syncRetryTimer = setTimeout(() => this.requestSync(), this.syncRetryMs);
        this.syncRetryTimer.unref();
        this.syncRetryMs = Math.min(this.syncRetryMs * 2, 60_000);
      },
    );
  }

  /** -dev: the server's own catalog entries, as a freshly elected Consul leader writes them. */
  private async bootstrapDev(): Promise<void> {
    const id = this.identity;
    await this.log.propose({
      type: 'catalog.register',
      Node: id.node,
      ID: id.id,
      Address: id.address,
      Datacenter: id.datacenter,
      TaggedAddresses: id.taggedAddresses,
      NodeMeta: id.meta,
      Service: {
        ID: 'consul',
        Service: 'consul',
        Tags: [],
        Port: this.config.ports.server,
        Meta: { raft_version: '3', serf_protocol_current: '2', serf_protocol_max: '5', serf_protocol_min: '1', version: VERSION },
      },
      Check: {
        Node: id.node,
        CheckID: SERF_HEALTH_CHECK_ID,
        Name: SERF_HEALTH_CHECK_NAME,
        Status: 'passing',
        Output: SERF_HEALTH_ALIVE_OUTPUT,
      },
    });
  }

  /** Registers config-file services and checks; returns the IDs it saw. Throws on an invalid definition. */
  private loadDefinitions(config: AgentConfig): { services: Set<string>; checks: Set<string> } {
    const seen = { services: new Set<string>(), checks: new Set<string>() };
    for (const def of config.services) {
      const id = this.services.registerService(def.raw, 'config', { path: `${def.origin}: service` });
      seen.services.add(id);
      for (const c of this.local.checksOfService(id)) seen.checks.add(c.CheckID);
    }
    for (const def of config.checks) seen.checks.add(this.services.registerCheck(def.raw, 'config', `${def.origin}: check`));
    return seen;
  }

  private isLeader(): boolean {
    if (this.mode === 'dev') return true;
    return this.raftServer?.isLeader() ?? false;
  }

  /** Alive servers of this datacenter, as server RPC addresses (the leader first when known). */
  private serverTargets(): string[] {
    const members = this.membership?.members() ?? [];
    const servers = members
      .filter((m) => m.Status === 1 && m.Tags.role === 'consul' && m.Tags.dc === this.config.datacenter)
      .map((m) => serverAddress(m))
      .filter((a): a is string => a !== undefined);
    // Spread clients over servers; the order changes per call so one dead server costs one retry at most.
    for (let i = servers.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [servers[i], servers[j]] = [servers[j]!, servers[i]!];
    }
    return servers;
  }

  private remoteCatalogReader(): CatalogReader {
    const get = <T>(url: string) => forwardedJson<T>(this.forwarder!, url);
    return {
      nodeServices: (node) => get<NodeServicesView | null>(`/v1/catalog/node/${encodeURIComponent(node)}`),
      nodeChecks: async (node) => (await get<CheckView[] | null>(`/v1/health/node/${encodeURIComponent(node)}`)) ?? [],
    };
  }

  private async startGossip(): Promise<void> {
    const cfg = this.config;
    if (cfg.ports.serfLan < 0) return;
    this.membership = await Membership.start({
      name: this.identity.node,
      bindAddr: cfg.bindAddr,
      port: cfg.ports.serfLan,
      advertiseAddr: cfg.advertiseAddr,
      tags: this.memberTags(),
      encrypt: cfg.encrypt,
      // -dev uses Consul's dev timings (about 100 ms), a real LAN Consul's defaults.
      profile: cfg.dev ? 'local' : 'lan',
      logger: this.logger.named('serf.lan'),
    });
    this.logger.info('Started gossip', { address: this.membership.address });
    const members = this.membership;
    if (this.mode !== 'client') {
      this.reconciler = new MemberReconciler(
        this.state,
        () => members.members(),
        cfg.datacenter,
        (cmd) => this.log.propose(cmd),
        cfg.dev ? 0 : Date.now() + REAP_GRACE_MS,
      );
    }
    for (const ev of ['join', 'leave', 'fail', 'update', 'reap'] as const) {
      members.node.on(ev, (m) => {
        const self = members.address;
        this.knownPeers.save(members.members().filter((x) => x.Status === 1).map((x) => `${x.Addr}:${x.Port}`).filter((a) => a !== self));
        const verb = { join: 'joined', leave: 'left', fail: 'failed', update: 'updated', reap: 'reaped' }[ev];
        this.logger.info(`Member ${verb}`, { member: m.name, address: m.addr });
        // Consul's ServerUp: a client syncs its services soon after a server of its datacenter (re)appears.
        if (this.mode === 'client' && ev === 'join' && m.tags.role === 'consul' && m.tags.dc === this.config.datacenter) this.fullSyncs.serverUp();
        this.raftServer?.onMembership();
        this.reconcile();
      });
    }
    members.node.on('user-event', (ev) => this.events.deliver(ev.name, ev.payload, ev.ltime));
    this.reconcileTimer = setInterval(() => this.reconcile(), RECONCILE_INTERVAL_MS);
    this.reconcileTimer.unref();
  }

  private async joinAtStart(): Promise<void> {
    const cfg = this.config;
    // Like Serf's snapshot: an agent that was in a cluster before a restart rejoins the members it knew, unless
    // it left gracefully (then only -rejoin / rejoin_after_leave bring it back; -join and -retry-join always apply).
    const snapshot = this.knownPeers.load();
    const known = snapshot.peers.filter((a) => a !== this.membership?.address);
    if (snapshot.left && known.length > 0 && !cfg.rejoinAfterLeave) {
      this.logger.info('Left the cluster gracefully before: not rejoining previously known members (-rejoin does)', { known: known.length });
    } else if (known.length > 0 && this.membership) {
      if (snapshot.left) this.logger.info('Ignoring the previous leave: rejoining previously known members', { known: known.length });
      const res = await this.join(known);
      if (res.joined === 0) this.logger.warn('Could not rejoin any previously known member', { tried: known.length });
    }
    if (cfg.startJoin.length > 0) {
      const res = await this.join(cfg.startJoin);
      if (res.joined === 0) throw new Error(`Error joining address(es) ${cfg.startJoin.join(', ')}: ${res.errors.join('; ')}`);
    }
    if (cfg.retryJoin.length > 0) this.retryJoin(1);
  }

  /** Leader only: gossip membership into the catalog (serfHealth, the servers' `consul` service). */
  private reconcile(): void {
    if (!this.reconciler || !this.isLeader()) return;
    this.reconciler.reconcile().catch((err) => this.logger.warn('Member reconcile failed', { error: err }));
  }

  /** Consul's -retry-join: keep trying every retry_interval until one address works or retry_max is reached. */
  private retryJoin(attempt: number): void {
    const cfg = this.config;
    void this.join(cfg.retryJoin).then((res) => {
      if (res.joined > 0 || this.stopped) return;
      if (cfg.retryMax > 0 && attempt >= cfg.retryMax) {
        this.logger.error('Max join retry exhausted, giving up', { attempts: attempt, errors: res.errors.join('; ') });
        return;
      }
      this.logger.warn('Join failed, retrying', { attempt, interval: `${cfg.retryIntervalNs / 1e9}s`, errors: res.errors.join('; ') });
      this.retryJoinTimer = setTimeout(() => this.retryJoin(attempt + 1), cfg.retryIntervalNs / 1e6);
      this.retryJoinTimer.unref();
    });
  }

  private memberTags(): Record<string, string> {
    const cfg = this.config;
    return {
      acls: '0',
      build: BUILD,
      dc: cfg.datacenter,
      ft_fs: '1',
      ft_si: '1',
      id: this.identity.id,
      port: String(cfg.ports.server),
      raft_vsn: '3',
      role: cfg.server ? 'consul' : 'node',
      segment: '',
      vsn: '2',
      vsn_max: '3',
      vsn_min: '2',
      wan_join_port: String(cfg.ports.serfWan),
      ...(cfg.bootstrap ? { bootstrap: '1' } : cfg.bootstrapExpect > 0 ? { expect: String(cfg.bootstrapExpect) } : {}),
    };
  }

  /** Server mode: Raft and agent RPC on the server port. */
  private async startServer(): Promise<void> {
    const cfg = this.config;
    // Server-only code (Raft, the RPC and Raft listeners) is loaded here, so a client agent never loads it.
    const [{ RAFT_PATH }, { ServerPort }] = await Promise.all([import('./cluster/raft-server.js'), import('./cluster/server-port.js')]);
    const raftServer = this.raftServer!;
    this.loopback = new LoopbackHttp(() =>
      this.httpPort === undefined ? undefined : { host: loopbackHost(this.config.httpAddr || this.config.clientAddr), port: this.httpPort },
    );
    this.rpcServer = new RpcServer(serverRpcHandler({ log: raftServer.log, http: this.loopback }));
    this.serverPort = new ServerPort();
    this.serverPort.route(RAFT_PATH, (req, socket, head) => raftServer.transport.handleUpgrade(req, socket, head));
    this.serverPort.route(RPC_PATH, (req, socket, head) => this.rpcServer!.handleUpgrade(req, socket, head));
    await this.serverPort.listen(cfg.ports.server, cfg.bindAddr);
    this.logger.info('Started server RPC', { address: `${cfg.bindAddr}:${cfg.ports.server}` });
  }

  private leadership(): Leadership {
    if (this.raftServer) {
      const leaderAddress = this.raftServer.leaderAddress();
      return { knownLeader: leaderAddress !== '', lastContactMs: this.raftServer.lastContactMs(), leaderAddress };
    }
    return { knownLeader: true, lastContactMs: 0, leaderAddress: this.serverAddress };
  }

  private async listen(): Promise<void> {
    const cfg = this.config;
    await this.startGossip();
    if (this.mode === 'server') await this.startServer();
    if (this.mode === 'client') {
      this.forwarder = new RpcForwarder(() => true, () => this.serverTargets(), this.rpc, 'No known Consul servers', this.logger.named('rpc'));
    } else if (this.mode === 'server') {
      const raftServer = this.raftServer!;
      this.forwarder = new RpcForwarder(
        (path, query, method) => !raftServer.isLeader() && followerForwards(path, query, method),
        () => {
          const addr = raftServer.leaderAddress();
          return addr ? [addr] : [];
        },
        this.rpc,
        'No cluster leader',
        this.logger.named('rpc'),
      );
    }
    if (cfg.ports.http >= 0) {
      const httpLog = this.logger.named('http');
      const endpoints = new LocalAgentEndpoints(this.local, this.services, this.state, {
        node: this.identity.node,
        datacenter: cfg.datacenter,
        self: () => this.selfFacts(),
        members: () => (this.membership ? this.membership.members().map((m) => ({ gossip: m })) : [this.member()]),
        reload: () => this.reload(),
        join: async (address, wan) => {
          if (wan) throw new ApiError(500, 'WAN federation is not supported yet');
          const res = await this.join([address]);
          if (res.joined === 0) throw new ApiError(500, res.errors.join('; ') || `Failed to join ${address}`);
        },
        leave: async () => {
          await this.leave();
          // Answer the request first, then shut down (closing the listener would reset this connection).
          setTimeout(() => this.options.onLeave?.(), 100).unref();
        },
        forceLeave: async (node, prune) => {
          if (!this.membership?.forceLeave(node, prune)) throw new ApiError(500, `agent: No node found with name '${node}'`);
        },
      });
      this.http = createHttpApi(
        {
          state: this.state,
          log: this.log,
          leadership: () => this.leadership(),
          peers: () => (this.raftServer ? this.raftServer.peers() : [this.serverAddress]),
          agent: endpoints,
          datacenter: cfg.datacenter,
          nodeName: this.identity.node,
          limits: { kvMaxValueSize: cfg.kvMaxValueSize },
          forwarder: this.forwarder,
          sessionTimers: this.mode === 'client' ? undefined : this.sessionTimers,
          sessionTtlMinNs: cfg.sessionTtlMinNs,
          events: this.events,
          operator: this.mode === 'client' ? undefined : { raftConfiguration: async () => this.raftConfiguration(), removeRaftPeer: (p) => this.removeRaftPeer(p) },
        },
        {
          onError: (err, method, url) => httpLog.error('Request failed', { method, url, error: err }),
          maxConnsPerClient: cfg.httpMaxConnsPerClient,
        },
      );
      this.httpPort = (await this.http.listen(cfg.ports.http, cfg.httpAddr || cfg.clientAddr)).port;
      this.logger.info('Started HTTP server', { address: this.httpAddress, network: 'tcp' });
    }
    if (cfg.ports.dns >= 0) {
      // Loaded only when DNS is enabled (-dns-port -1 turns it off).
      const { createDnsServer } = await import('@conclave/dns');
      const source: DnsDataSource =
        this.mode === 'client'
          ? new (await import('./cluster/remote-dns-source.js')).RemoteDnsSource(this.forwarder!, cfg.datacenter)
          : new (await import('./dns-source.js')).CatalogDnsSource(this.state, cfg.datacenter);
      this.dns = await createDnsServer({
        source,
        host: cfg.dnsAddr || cfg.clientAddr,
        port: cfg.ports.dns,
        domain: cfg.domain,
        recursors: cfg.recursors,
        recursorTimeoutMs: cfg.dns.recursorTimeoutMs,
        recursorStrategy: cfg.dns.recursorStrategy,
        nodeTtl: cfg.dns.nodeTtlSeconds,
        serviceTtl: cfg.dns.serviceTtlSeconds,
        onlyPassing: cfg.dns.onlyPassing,
        udpAnswerLimit: cfg.dns.udpAnswerLimit,
        aRecordLimit: cfg.dns.aRecordLimit,
        enableTruncate: cfg.dns.enableTruncate,
        logger: this.logger.named('dns'),
      });
      this.logger.info('Started DNS server', { address: this.dnsAddress, network: 'udp+tcp' });
    }
    if (this.mode === 'dev') this.sessionTimers.start();
    // Raft starts once HTTP is up: the server answers forwarded requests through its own HTTP API.
    await this.raftServer?.start();
    await this.joinAtStart();
    this.requestSync();
    this.fullSyncs.start();
    if (this.mode !== 'client') {
      this.tombstoneTimer = setInterval(() => {
        if (!this.isLeader()) return this.tombstones.reset();
        this.tombstones.tick().catch((err) => this.logger.warn('Tombstone reaping failed', { error: err }));
      }, TOMBSTONE_TICK_MS);
      this.tombstoneTimer.unref();
    }
  }

  /** This agent's /v1/agent/members entry (shaped by http-api's agent-json.ts). */
  private member(): MemberFacts {
    if (this.membership) return { gossip: this.membership.local() };
    return { name: this.identity.node, address: this.identity.address, serfPort: this.config.ports.serfLan, tags: this.memberTags() };
  }

  /** The facts behind GET /v1/agent/self (shaped by http-api's agent-json.ts). */
  private selfFacts(): AgentSelfFacts {
    const cfg = this.config;
    return {
      datacenter: cfg.datacenter,
      nodeName: this.identity.node,
      nodeId: this.identity.id,
      version: VERSION,
      server: cfg.server,
      dev: cfg.dev,
      bootstrap: cfg.bootstrap,
      sessionTtlMinNs: cfg.sessionTtlMinNs,
      clientAddr: cfg.clientAddr,
      bindAddr: cfg.bindAddr,
      domain: cfg.domain,
      recursors: cfg.recursors,
      httpPort: cfg.ports.http,
      dnsPort: cfg.ports.dns,
      enableScriptChecks: cfg.enableScriptChecks,
      enableLocalScriptChecks: cfg.enableLocalScriptChecks,
      member: this.member(),
      checks: this.local.checks.size,
      services: this.local.services.size,
      leader: this.isLeader(),
      leaderAddress: this.leadership().leaderAddress,
      raft: this.raftStats(),
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      meta: this.identity.meta,
    };
  }

  /** GET /v1/operator/raft/configuration's servers (shaped by http-api's agent-json.ts). */
  private raftConfiguration(): RaftConfigurationFacts {
    if (!this.raftServer) {
      return { servers: [{ id: this.identity.id, node: this.identity.node, address: this.serverAddress, leader: true, voter: true }], index: 1 };
    }
    const conf = this.raftServer.configuration();
    const members = this.membership?.members() ?? [];
    const leader = this.raftServer.leaderAddress();
    const servers = [...conf.voters.map((id) => [id, true] as const), ...conf.learners.map((id) => [id, false] as const)]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, voter]) => {
        const m = members.find((x) => x.Name === name);
        const address = m ? (serverAddress(m) ?? '') : '';
        return { id: m?.Tags.id ?? name, node: name, address, leader: address !== '' && address === leader, voter };
      });
    return { servers, index: this.raftServer.appliedIndex() };
  }

  /** DELETE /v1/operator/raft/peer: by server ID (or node name) or by address. */
  private async removeRaftPeer(peer: { id: string; address: string }): Promise<void> {
    if (!this.raftServer) throw new ApiError(500, 'Cannot remove the only server of a -dev agent');
    const conf = this.raftServer.configuration();
    const members = this.membership?.members() ?? [];
    const name = [...conf.voters, ...conf.learners].find((n) => {
      const m = members.find((x) => x.Name === n);
      return peer.id ? n === peer.id || m?.Tags.id === peer.id : m !== undefined && serverAddress(m) === peer.address;
    });
    if (!name) throw new ApiError(500, `id "${peer.id || peer.address}" was not found in the Raft configuration`);
    await this.raftServer.removePeer(name);
  }

  private raftStats(): RaftStatsFacts {
    if (this.mode === 'dev') return { kind: 'local', index: this.log.lastIndex() };
    if (!this.raftServer) return { kind: 'none' };
    const r = this.raftServer;
    return { kind: 'raft', appliedIndex: r.appliedIndex(), state: r.isLeader() ? 'Leader' : r.running ? 'Follower' : 'Candidate', configuration: r.configuration() };
  }
}

/** Consul advertises the first private IPv4 when bound to 0.0.0.0. */
function firstPrivateIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a.address)) return a.address;
    }
  }
  return '127.0.0.1';
}

/** Where this process reaches its own HTTP listener. */
function loopbackHost(addr: string): string {
  return addr === '0.0.0.0' || addr === '' ? '127.0.0.1' : addr === '::' ? '::1' : addr;
}

/** The node ID survives restarts in the data dir (Consul's node-id file); -dev gets a fresh one. */
function persistedNodeId(dataDir: string): string {
  if (!dataDir) return randomUUID();
  const file = join(dataDir, 'node-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  }
  const id = randomUUID();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, id + '\n');
  return id;
}
