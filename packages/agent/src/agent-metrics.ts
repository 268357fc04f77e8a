// The agent's metrics, as Consul sets them up (lib/telemetry.go InitTelemetry, agent/setup.go): the in-memory sink
// always (10 s intervals, a minute kept: GET /v1/agent/metrics), the Prometheus sink when
// prometheus_retention_time > 0 (with Consul's predeclared definitions and their help texts), statsd and dogstatsd
// when their addresses are set. The hostname goes in front of gauge names only when a sink other than memory is on
// and disable_hostname is false, as in Consul. Every metric the agent emits is a handle made here, once; the parts
// that record are given the handles (or a narrow callback), never the registry. docs/metrics.md lists them.
import { hostname as osHostname } from 'node:os';
import {
  DogStatsdSink,
  InmemSink,
  Metrics,
  Paced,
  PrometheusSink,
  StatsdSink,
  startRuntimeStats,
  type Counter,
  type Gauge,
  type MetricSink,
  type MetricsSummary,
  type PrometheusDefinition,
  type RuntimeStats,
  type Sample,
} from '@conclave/metrics';
import type { Command, CommandLog, CommandResult } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';

/** Consul's definitions (name without the prefix, help) for the metrics Conclave emits. */
const DEFINITIONS: Array<[PrometheusDefinition['kind'], string[], string]> = [
  ['summary', ['api', 'http'], 'Samples how long it takes to service the given HTTP request for the given verb and path.'],
  ['summary', ['kvs', 'apply'], 'Measures the time it takes to complete an update to the KV store.'],
  ['summary', ['txn', 'apply'], 'Measures the time spent applying a transaction operation.'],
  ['summary', ['catalog', 'register'], 'Measures the time it takes to complete a catalog register operation.'],
  ['summary', ['catalog', 'deregister'], 'Measures the time it takes to complete a catalog deregister operation.'],
  ['summary', ['raft', 'commitTime'], 'This measures the time it takes to commit a new entry to the Raft log on the leader.'],
  [
    'summary',
    ['raft', 'leader', 'lastContact'],
    'Measures the time since the leader was last able to contact the follower nodes when checking its leader lease.',
  ],
  ['counter', ['raft', 'apply'], 'This counts the number of Raft transactions occurring over the interval.'],
  ['counter', ['raft', 'state', 'candidate'], 'This increments whenever a Consul server starts an election.'],
  ['counter', ['raft', 'state', 'leader'], 'This increments whenever a Consul server becomes a leader.'],
  ['counter', ['rpc', 'request'], 'Increments when a server receives a Consul-related RPC request.'],
  ['counter', ['client', 'rpc'], 'Increments whenever a Consul agent makes an RPC request to a Consul server.'],
  ['gauge', ['autopilot', 'healthy'], 'Tracks the overall health of the local server cluster. 1 if all servers are healthy, 0 if one or more are unhealthy.'],
  ['gauge', ['session_ttl', 'active'], 'Tracks the active number of sessions being tracked.'],
];

/** Consul's usage gauges (agent/consul/usagemetrics), emitted by servers every 10 s with a datacenter label. */
const USAGE_HELP: Record<string, string> = {
  nodes: 'Measures the current number of nodes registered with Consul. It is only emitted by Consul servers. Added in v1.9.0.',
  services:
    'Measures the current number of unique services registered with Consul, based on service name. It is only emitted by Consul servers. Added in v1.9.0.',
  service_instances:
    'Measures the current number of unique services registered with Consul, based on service name. It is only emitted by Consul servers. Added in v1.9.0.',
  kv_entries: 'Measures the current number of entries in the Consul KV store. It is only emitted by Consul servers. Added in v1.10.3.',
};

/** What a server's usage reporter reads. */
export interface UsageFacts {
  nodes: number;
  services: number;
  serviceInstances: number;
  kvEntries: number;
  sessions: number;
  /** Autopilot's health: every voter alive (undefined where this agent is not the leader). */
  healthy: boolean | undefined;
}

const USAGE_INTERVAL_MS = 10_000;
/** Scrapes are answered at most once per this many ms: those arriving sooner wait for the next slot and share its
 * rendering, so clients hammering the endpoint get ten answers a second each, and the KV path keeps its CPU.
 * Prometheus scrapes every few seconds and waits at most this long. */
const SCRAPE_PACE_MS = 100;

export class AgentMetrics {
  readonly inmem: InmemSink;
  readonly prometheus: PrometheusSink | undefined;
  private readonly registry: Metrics;
  private readonly closers: Array<() => void> = [];
  private readonly httpSamples = new Map<string, Map<string, Sample>>();
  private usageTimer: NodeJS.Timeout | undefined;
  private readonly scrapes: Paced<string> | undefined;

  readonly kvsApply: Sample;
  readonly txnApply: Sample;
  readonly catalogRegister: Sample;
  readonly catalogDeregister: Sample;
  readonly raftApply: Counter;
  readonly raftCommitTime: Sample;
  readonly raftLeaderLastContact: Sample;
  readonly raftStateCandidate: Counter;
  readonly raftStateLeader: Counter;
  readonly rpcRequest: Counter;
  readonly clientRpc: Counter;
  readonly dnsDomainQuery: Sample;
  readonly memberlistGossip: Sample;
  readonly memberlistProbeNode: Sample;
  readonly serfMemberJoin: Counter;
  readonly serfMemberFailed: Counter;
  readonly serfMemberLeft: Counter;
  readonly serfMemberUpdate: Counter;
  readonly autopilotHealthy: Gauge;
  readonly sessionTtlActive: Gauge;
  private readonly usage: { nodes: Gauge; services: Gauge; serviceInstances: Gauge; kvEntries: Gauge };

  constructor(config: AgentConfig, logger: Logger, hostname = osHostname(), now?: () => number) {
    const t = config.telemetry;
    const sinks: MetricSink[] = [];
    const udpError = (err: Error) => logger.debug('Metrics not sent', { error: err });
    if (t.statsdAddress) {
      const s = new StatsdSink(t.statsdAddress, udpError);
      sinks.push(s);
      this.closers.push(() => s.close());
    }
    if (t.dogstatsdAddr) {
      const s = new DogStatsdSink(t.dogstatsdAddr, hostname, t.dogstatsdTags, udpError);
      sinks.push(s);
      this.closers.push(() => s.close());
    }
    if (t.prometheusRetentionMs > 0) {
      const definitions = DEFINITIONS.map(([kind, name, help]) => ({ kind, name: [t.metricsPrefix, ...name], help }));
      for (const [name, help] of Object.entries(USAGE_HELP)) definitions.push({ kind: 'gauge', name: [t.metricsPrefix, 'state', name], help });
      const sink = (this.prometheus = new PrometheusSink({ retentionMs: t.prometheusRetentionMs, now, definitions }));
      this.scrapes = new Paced(() => sink.expose(), { periodMs: SCRAPE_PACE_MS });
      sinks.push(this.prometheus);
    }
    // Consul: with no sink but memory, no hostname in gauge names whatever disable_hostname says.
    const enableHostname = sinks.length > 0 && !t.disableHostname;
    this.inmem = new InmemSink({ now });
    sinks.push(this.inmem);
    const allowed: string[] = [];
    const blocked: string[] = [];
    for (const rule of t.prefixFilter) {
      if (rule === '') logger.warn('Cannot have empty filter rule in prefix_filter');
      else if (rule[0] === '+') allowed.push(rule.slice(1));
      else if (rule[0] === '-') blocked.push(rule.slice(1));
      else logger.warn(`Filter rule must begin with either '+' or '-': ${JSON.stringify(rule)}`);
    }
    const m = (this.registry = new Metrics({
      prefix: t.metricsPrefix,
      hostname,
      enableHostname,
      filterDefault: t.filterDefault,
      allowedPrefixes: allowed,
      blockedPrefixes: blocked,
      sinks,
    }));
    this.kvsApply = m.sample(['kvs', 'apply']);
    this.txnApply = m.sample(['txn', 'apply']);
    this.catalogRegister = m.sample(['catalog', 'register']);
    this.catalogDeregister = m.sample(['catalog', 'deregister']);
    this.raftApply = m.counter(['raft', 'apply']);
    this.raftCommitTime = m.sample(['raft', 'commitTime']);
    this.raftLeaderLastContact = m.sample(['raft', 'leader', 'lastContact']);
    this.raftStateCandidate = m.counter(['raft', 'state', 'candidate']);
    this.raftStateLeader = m.counter(['raft', 'state', 'leader']);
    this.rpcRequest = m.counter(['rpc', 'request']);
    this.clientRpc = m.counter(['client', 'rpc']);
    this.dnsDomainQuery = m.sample(['dns', 'domain_query'], [{ name: 'node', value: config.nodeName }]);
    this.memberlistGossip = m.sample(['memberlist', 'gossip']);
    this.memberlistProbeNode = m.sample(['memberlist', 'probeNode']);
    this.serfMemberJoin = m.counter(['serf', 'member', 'join']);
    this.serfMemberFailed = m.counter(['serf', 'member', 'failed']);
    this.serfMemberLeft = m.counter(['serf', 'member', 'left']);
    this.serfMemberUpdate = m.counter(['serf', 'member', 'update']);
    this.autopilotHealthy = m.gauge(['autopilot', 'healthy']);
    this.sessionTtlActive = m.gauge(['session_ttl', 'active']);
    const dc = [{ name: 'datacenter', value: config.datacenter }];
    this.usage = {
      nodes: m.gauge(['state', 'nodes'], dc),
      services: m.gauge(['state', 'services'], dc),
      serviceInstances: m.gauge(['state', 'service_instances'], dc),
      kvEntries: m.gauge(['state', 'kv_entries'], dc),
    };
    const runtime: RuntimeStats = startRuntimeStats(m);
    this.closers.push(() => runtime.stop());
  }

  /** consul.api.http{method, path}: path is the label of Consul's route for the request (see http-api). */
  http(method: string, path: string): Sample {
    let byPath = this.httpSamples.get(method);
    if (!byPath) this.httpSamples.set(method, (byPath = new Map()));
    let s = byPath.get(path);
    if (!s) {
      s = this.registry.sample(['api', 'http'], [
        { name: 'method', value: method },
        { name: 'path', value: path },
      ]);
      byPath.set(path, s);
    }
    return s;
  }

  /** The endpoint metric of a command a server took (Consul measures them in its RPC endpoints), or undefined. */
  commandSample(command: Command): Sample | undefined {
    switch (command.type) {
      case 'kv.set':
      case 'kv.delete':
      case 'kv.delete-tree':
      case 'kv.cas':
      case 'kv.delete-cas':
      case 'kv.lock':
      case 'kv.unlock':
        return this.kvsApply;
      case 'txn':
      case 'kv.txn':
        return this.txnApply;
      case 'catalog.register':
        return this.catalogRegister;
      case 'catalog.deregister':
        return this.catalogDeregister;
      default:
        return undefined;
    }
  }

  /** The log of a -dev agent, timed as a server's endpoints are (a server's RaftLog times itself). Consul's -dev
   * agent runs Raft in memory, so the local log's appends count as raft.apply and raft.commitTime too. */
  measuredLog(log: CommandLog<Command, CommandResult>): CommandLog<Command, CommandResult> {
    return {
      propose: async (command) => {
        const sample = this.commandSample(command);
        const start = performance.now();
        try {
          const applied = await log.propose(command);
          this.raftApply.incr();
          this.raftCommitTime.since(start);
          return applied;
        } finally {
          sample?.since(start);
        }
      },
      barrier: () => log.barrier(),
      lastIndex: () => log.lastIndex(),
      ...(log.restore ? { restore: log.restore.bind(log) } : {}),
    };
  }

  /** Servers: the usage gauges every 10 s (Consul's usage metrics reporter), session and autopilot gauges. */
  startUsage(facts: () => UsageFacts): void {
    const emit = () => {
      const f = facts();
      this.usage.nodes.set(f.nodes);
      this.usage.services.set(f.services);
      this.usage.serviceInstances.set(f.serviceInstances);
      this.usage.kvEntries.set(f.kvEntries);
      this.sessionTtlActive.set(f.sessions);
      if (f.healthy !== undefined) this.autopilotHealthy.set(f.healthy ? 1 : 0);
    };
    emit();
    this.usageTimer = setInterval(emit, USAGE_INTERVAL_MS);
    this.usageTimer.unref();
  }

  /** GET /v1/agent/metrics. */
  summary(): MetricsSummary {
    return this.inmem.display();
  }

  /** GET /v1/agent/metrics/stream: each interval's summary when it ends; the returned function stops it. */
  stream(listener: (summary: MetricsSummary) => void): () => void {
    return this.inmem.stream(listener);
  }

  /** ?format=prometheus, or undefined when prometheus_retention_time is not positive; paced (SCRAPE_PACE_MS). */
  async prometheusText(): Promise<string | undefined> {
    return this.scrapes?.get();
  }

  close(): void {
    clearInterval(this.usageTimer);
    for (const c of this.closers.splice(0)) c();
  }
}
