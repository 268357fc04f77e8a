// A running agent: the state machine behind a log, the agent's own services and checks kept in sync with the
// catalog, and the HTTP and DNS front ends. In -dev mode the log is local and the agent is its own leader.
import { randomUUID } from 'node:crypto';
import { StateMachine, type Command, type CommandResult } from '@conclave/kv';
import { ApiError, createHttpApi, type HttpApi } from '@conclave/http-api';
import { createDnsServer, type DnsServer } from '@conclave/dns';
import { CheckScheduler, SERF_HEALTH_CHECK_ID, SERF_HEALTH_CHECK_NAME, SERF_HEALTH_ALIVE_OUTPUT } from '@conclave/health';
import type { AgentConfig } from './config/agent-config.js';
import { LocalLog } from './local-log.js';
import { LocalState } from './local-state.js';
import { LocalServices } from './local-services.js';
import { CatalogSync, type NodeIdentity } from './catalog-sync.js';
import { CatalogDnsSource } from './dns-source.js';
import { LocalAgentEndpoints } from './agent-endpoints-impl.js';
import type { Logger } from './logger.js';
import { Membership } from './membership.js';
import { MemberReconciler } from './member-reconciler.js';
import { BUILD, VERSION } from './version.js';

/** How often anti-entropy runs a full sync in -dev (Consul scales it with cluster size; one node → 1 minute). */
const FULL_SYNC_INTERVAL_MS = 60_000;
/** How often the leader reconciles gossip membership into the catalog besides every membership event (Consul: 60s). */
const RECONCILE_INTERVAL_MS = 60_000;

export interface AgentOptions {
  /** Re-reads the configuration for `reload` (SIGHUP, `conclave reload`); the app passes its argv through. */
  reloadConfig?: () => AgentConfig;
  /** Called when the agent was asked to leave (PUT /v1/agent/leave): the app shuts down. */
  onLeave?: () => void;
}

export class Agent {
  readonly state = new StateMachine();
  readonly local = new LocalState();
  readonly log: LocalLog<Command, CommandResult>;
  readonly identity: NodeIdentity;
  private readonly scheduler: CheckScheduler;
  private readonly services: LocalServices;
  private readonly sync: CatalogSync;
  private http: HttpApi | undefined;
  private httpPort: number | undefined;
  private dns: DnsServer | undefined;
  private membership: Membership | undefined;
  private reconciler: MemberReconciler | undefined;
  private fullSyncTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private retryJoinTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private stopped = false;

  private constructor(
    private config: AgentConfig,
    private readonly logger: Logger,
    private readonly options: AgentOptions,
  ) {
    this.log = new LocalLog((cmd, index) => this.state.apply(cmd, index));
    const address = config.advertiseAddr || (config.bindAddr === '0.0.0.0' ? '127.0.0.1' : config.bindAddr);
    this.identity = {
      node: config.nodeName,
      id: config.nodeId || randomUUID(),
      address,
      datacenter: config.datacenter,
      meta: { 'consul-network-segment': '', ...config.nodeMeta },
      taggedAddresses: { lan: address, lan_ipv4: address, wan: address, wan_ipv4: address },
    };
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
    this.sync = new CatalogSync(this.state, this.local, this.identity, (cmd) => this.write(cmd));
    this.local.onChange(() => void this.sync.sync().catch((err) => this.logger.error('Catalog sync failed', { error: err })));
  }

  /** Starts the agent; rejects (with everything already started stopped again) when a listener cannot bind. */
  static async start(config: AgentConfig, logger: Logger, options: AgentOptions = {}): Promise<Agent> {
    const agent = new Agent(config, logger, options);
    try {
      await agent.bootstrap();
      agent.loadDefinitions(config);
      await agent.listen();
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

  /** Proposes a command through the log; resolves with the state machine's result. */
  async write(command: Command): Promise<CommandResult> {
    return (await this.log.propose(command)).result;
  }

  /** Re-reads service and check definitions (SIGHUP, PUT /v1/agent/reload). */
  async reload(): Promise<void> {
    if (!this.options.reloadConfig) return;
    const next = this.options.reloadConfig();
    const before = {
      services: [...this.local.services.values()].filter((s) => s.origin === 'config').map((s) => s.service.ID),
      checks: [...this.local.checks.values()].filter((c) => c.origin === 'config').map((c) => c.CheckID),
    };
    const seen = this.loadDefinitions(next);
    for (const id of before.services) if (!seen.services.has(id)) this.services.deregisterService(id);
    for (const id of before.checks) if (!seen.checks.has(id)) this.services.removeCheck(id);
    this.config = { ...this.config, services: next.services, checks: next.checks, watches: next.watches };
    this.logger.info('Reloaded configuration', { services: seen.services.size, checks: seen.checks.size });
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.fullSyncTimer);
    clearInterval(this.reconcileTimer);
    clearTimeout(this.retryJoinTimer);
    await Promise.allSettled([this.http?.close(), this.dns?.close(), this.scheduler.stop(), this.membership?.shutdown()]);
  }

  /** The server's own catalog entries, as a freshly elected Consul leader writes them. */
  private async bootstrap(): Promise<void> {
    const id = this.identity;
    await this.write({
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

  /** Joins the cluster through any of the addresses (Consul's `-join`, `conclave join`). */
  async join(addresses: string[]): Promise<{ joined: number; errors: string[] }> {
    if (!this.membership) return { joined: 0, errors: ['gossip is disabled (ports.serf_lan = -1)'] };
    const res = await this.membership.join(addresses);
    if (res.joined > 0) this.logger.info('Joined cluster', { joined: res.joined, addresses: addresses.join(',') });
    return res;
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
    this.reconciler = new MemberReconciler(this.state, () => members.members(), cfg.datacenter, (cmd) => this.write(cmd));
    const reconcile = () => void this.reconciler?.reconcile().catch((err) => this.logger.error('Member reconcile failed', { error: err }));
    for (const ev of ['join', 'leave', 'fail', 'update', 'reap'] as const) {
      members.node.on(ev, (m) => {
        this.logger.info(`Member ${ev === 'fail' ? 'failed' : ev === 'join' ? 'joined' : ev === 'leave' ? 'left' : ev === 'reap' ? 'reaped' : 'updated'}`, { member: m.name, address: m.addr });
        reconcile();
      });
    }
    this.reconcileTimer = setInterval(reconcile, RECONCILE_INTERVAL_MS);
    this.reconcileTimer.unref();
    if (cfg.startJoin.length > 0) {
      const res = await this.join(cfg.startJoin);
      if (res.joined === 0) throw new Error(`Error joining address(es) ${cfg.startJoin.join(', ')}: ${res.errors.join('; ')}`);
    }
    if (cfg.retryJoin.length > 0) this.retryJoin(1);
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

  private async listen(): Promise<void> {
    const cfg = this.config;
    await this.startGossip();
    if (cfg.ports.http >= 0) {
      const httpLog = this.logger.named('http');
      const endpoints = new LocalAgentEndpoints(this.local, this.services, this.state, {
        node: this.identity.node,
        datacenter: cfg.datacenter,
        self: () => this.selfInfo(),
        members: () => this.membership?.members() ?? [this.member()],
        reload: () => this.reload(),
        join: async (address, wan) => {
          if (wan) throw new ApiError(500, 'WAN federation is not supported yet');
          const res = await this.join([address]);
          if (res.joined === 0) throw new ApiError(500, res.errors.join('; ') || `Failed to join ${address}`);
        },
        leave: async () => {
          await this.membership?.leave();
          this.options.onLeave?.();
        },
        forceLeave: async (node, prune) => {
          if (!this.membership?.forceLeave(node, prune)) throw new ApiError(500, `agent: No node found with name '${node}'`);
        },
      });
      this.http = createHttpApi(
        {
          state: this.state,
          write: (cmd) => this.write(cmd),
          leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: this.serverAddress }),
          peers: () => [this.serverAddress],
          barrier: () => this.log.barrier(),
          agent: endpoints,
          datacenter: cfg.datacenter,
          nodeName: this.identity.node,
          limits: { kvMaxValueSize: cfg.kvMaxValueSize },
        },
        { onError: (err, method, url) => httpLog.error('Request failed', { method, url, error: err }) },
      );
      this.httpPort = (await this.http.listen(cfg.ports.http, cfg.httpAddr || cfg.clientAddr)).port;
      this.logger.info('Started HTTP server', { address: this.httpAddress, network: 'tcp' });
    }
    if (cfg.ports.dns >= 0) {
      this.dns = await createDnsServer({
        source: new CatalogDnsSource(this.state, cfg.datacenter),
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
    this.fullSyncTimer = setInterval(() => {
      this.sync.fullSync().catch((err) => this.logger.error('Catalog sync failed', { error: err }));
    }, FULL_SYNC_INTERVAL_MS);
    this.fullSyncTimer.unref();
  }

  /** This agent's entry in /v1/agent/members. */
  member(): Record<string, unknown> {
    if (this.membership) return { ...this.membership.local() };
    return {
      Name: this.identity.node,
      Addr: this.identity.address,
      Port: this.config.ports.serfLan,
      Tags: this.memberTags(),
      Status: 1,
      ProtocolMin: 1,
      ProtocolMax: 5,
      ProtocolCur: 2,
      DelegateMin: 2,
      DelegateMax: 5,
      DelegateCur: 4,
    };
  }

  /** GET /v1/agent/self: exactly Consul's six keys. */
  private selfInfo(): Record<string, unknown> {
    const cfg = this.config;
    return {
      Config: {
        Datacenter: cfg.datacenter,
        PrimaryDatacenter: cfg.datacenter,
        NodeName: this.identity.node,
        NodeID: this.identity.id,
        Revision: 'conclave',
        Server: cfg.server,
        Version: VERSION,
        SessionTTLMin: cfg.sessionTtlMinNs,
      },
      DebugConfig: {
        Datacenter: cfg.datacenter,
        NodeName: this.identity.node,
        DevMode: cfg.dev,
        ServerMode: cfg.server,
        ClientAddrs: [cfg.clientAddr],
        BindAddr: cfg.bindAddr,
        DNSDomain: cfg.domain,
        DNSRecursors: cfg.recursors,
        HTTPPort: cfg.ports.http,
        DNSPort: cfg.ports.dns,
        EnableScriptChecks: cfg.enableScriptChecks,
        EnableLocalScriptChecks: cfg.enableLocalScriptChecks,
      },
      Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
      Member: this.member(),
      Stats: {
        agent: { check_monitors: '0', check_ttls: '0', checks: String(this.local.checks.size), services: String(this.local.services.size) },
        build: { prerelease: '', revision: 'conclave', version: VERSION },
        consul: {
          bootstrap: String(cfg.bootstrap),
          known_datacenters: '1',
          leader: 'true',
          leader_addr: this.serverAddress,
          server: String(cfg.server),
        },
        raft: { applied_index: String(this.log.lastIndex()), commit_index: String(this.log.lastIndex()), state: 'Leader', num_peers: '0' },
        runtime: {
          arch: process.arch,
          os: process.platform,
          version: process.version,
          goroutines: '0',
          uptime_seconds: String(Math.floor((Date.now() - this.startedAt) / 1000)),
        },
      },
      Meta: this.identity.meta,
    };
  }
}
