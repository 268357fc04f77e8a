// The agent's parts for other datacenters and network coordinates, wired from its config: a server's WAN pool,
// its forwarder for ?dc= requests and its WAN joins (loaded only on servers: client agents never load the
// federation code); a client's ?dc= requests go to its servers like any other. Also how a server's DNS reads
// other datacenters and prepared queries, and the loop that sends this agent's coordinate to the servers.
import type { RequestForwarder } from '@conclave/http-api';
import type { Command } from '@conclave/state';
import type { Logger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';
import type { AgentMode } from './agent-role.js';
import type { Membership } from './membership.js';
import type { WanFederation } from './cluster/wan-federation.js';
import type { RpcClient } from './cluster/rpc.js';
import type { DnsFederation } from './dns-source.js';
import { ClusterJoin } from './cluster-join.js';
import { CoordinateSync } from './coordinate-sync.js';
import { memberTags } from './node-identity.js';

export interface Federation {
  /** A server's WAN pool; undefined on clients, -dev, serf_wan = -1 or a WAN port that could not be bound. */
  wan: WanFederation | undefined;
  /** Who answers ?dc=other: the WAN forwarder on a server, the servers on a client. */
  datacenterForwarder: RequestForwarder | undefined;
  /** -join-wan / -retry-join-wan. */
  joiner: ClusterJoin | undefined;
}

export interface FederationInputs {
  config: AgentConfig;
  mode: AgentMode;
  node: string;
  nodeId: string;
  membership: Membership | undefined;
  /** A client's forwarder to its servers. */
  forwarder: RequestForwarder | undefined;
  rpc: RpcClient;
  logger: Logger;
}

export async function startFederation(i: FederationInputs): Promise<Federation> {
  const cfg = i.config;
  if (i.mode === 'client') return { wan: undefined, datacenterForwarder: i.forwarder, joiner: undefined };
  if (i.mode !== 'server' || cfg.ports.serfWan < 0) return { wan: undefined, datacenterForwarder: undefined, joiner: undefined };
  const [{ WanFederation }, { WanForwarder }] = await Promise.all([import('./cluster/wan-federation.js'), import('./cluster/wan-forwarder.js')]);
  const keys = i.membership?.node.listKeys();
  // A WAN port that cannot be bound leaves this server out of the federation (said loudly) rather than down:
  // its datacenter keeps working on its own, as it does while the WAN is partitioned.
  const wan = await WanFederation.start({
    node: i.node,
    datacenter: cfg.datacenter,
    bindAddr: cfg.bindAddr,
    advertiseAddr: cfg.advertiseAddr || undefined,
    port: cfg.ports.serfWan,
    tags: memberTags(cfg, i.nodeId),
    keys: keys && keys.length > 0 ? keys : undefined,
    dev: cfg.dev,
    coordinates: !cfg.disableCoordinates,
    logger: i.logger,
  }).catch((err: unknown) => {
    i.logger.error('WAN gossip not started: this server is not federated with other datacenters', { port: cfg.ports.serfWan, error: err });
    return undefined;
  });
  if (!wan) return { wan: undefined, datacenterForwarder: undefined, joiner: undefined };
  const joiner = new ClusterJoin({
    membership: () => wan,
    knownPeers: { load: () => ({ peers: [], left: false }), recordLeave: () => undefined },
    startJoin: cfg.startJoinWan,
    retryJoin: cfg.retryJoinWan,
    retryMax: cfg.retryMaxWan,
    retryIntervalMs: cfg.retryIntervalWanNs / 1e6,
    rejoinAfterLeave: cfg.rejoinAfterLeave,
    logger: i.logger,
    pool: 'WAN',
  });
  return { wan, datacenterForwarder: new WanForwarder((dc) => wan.serversOf(dc), i.rpc, i.logger.named('server').named('rpc')), joiner };
}

/** How a server's DNS reads other datacenters: over the WAN, as ?dc= requests are. */
export async function dnsFederation(f: Federation, datacenter: string): Promise<DnsFederation | undefined> {
  const { wan, datacenterForwarder: fwd } = f;
  if (!wan || !fwd) return undefined;
  const { RemoteDnsSource } = await import('./cluster/remote-dns-source.js');
  return { datacenters: () => wan.datacenters(), remote: new RemoteDnsSource({ send: (call) => fwd.forward(call) }, datacenter) };
}

/** Prepared queries for a server's DNS, executed by its own HTTP API (a follower's go to the leader). */
export async function dnsQueries(httpLoopback: () => { host: string; port: number } | undefined, datacenter: string) {
  const [{ RemoteDnsSource }, { LoopbackHttp }] = await Promise.all([import('./cluster/remote-dns-source.js'), import('./cluster/forwarding.js')]);
  const loopback = new LoopbackHttp(httpLoopback);
  const source = new RemoteDnsSource({ send: (call) => loopback.call(call) }, datacenter);
  return { run: (name: string, dc: string) => source.preparedQuery(name, dc), close: () => loopback.close() };
}

/** Sends this agent's LAN coordinate to the servers (unless disable_coordinates or gossip is off). */
export function startCoordinateSync(cfg: AgentConfig, node: string, membership: Membership | undefined, propose: (cmd: Command) => Promise<unknown>, logger: Logger): CoordinateSync | undefined {
  if (cfg.disableCoordinates || !membership) return undefined;
  const sync = new CoordinateSync({
    node,
    coordinate: () => membership.node.coordinate(),
    clusterSize: () => membership.members().length,
    minIntervalMs: cfg.syncCoordinateIntervalMinNs / 1e6,
    rateTarget: cfg.syncCoordinateRateTarget,
    propose,
    logger,
  });
  sync.start();
  return sync;
}
