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
import { KnownPeers, WAN_PEERS_FILE } from './cluster/known-peers.js';
import { WAN_KEYRING, answerKeyringQueries, keyringOperation, wanStartupKeys, type KeyringOp, type KeyringResponse } from './gossip-keyring.js';
import { RpcError } from './cluster/rpc.js';
import { startWanFloodJoin } from './cluster/wan-flood-join.js';
import { memberTags } from './node-identity.js';

export interface Federation {
  /** A server's WAN pool; undefined on clients, -dev, serf_wan = -1 or a WAN port that could not be bound. */
  wan: WanFederation | undefined;
  /** Who answers ?dc=other: the WAN forwarder on a server, the servers on a client. */
  datacenterForwarder: RequestForwarder | undefined;
  /** -join-wan / -retry-join-wan. */
  joiner: ClusterJoin | undefined;
  /** Stops the flood join of this datacenter's servers into the WAN pool. */
  stopFlood?: () => void;
  /** A server's keyring operations beyond its LAN: the WAN pool's, and another datacenter's LAN through one of its
   * servers (the `keyring` RPC, with the caller's token). */
  keyring?: {
    wan(op: KeyringOp, key?: string): Promise<KeyringResponse[]>;
    remoteLan(dc: string, op: KeyringOp, key: string | undefined, token: string): Promise<KeyringResponse[]>;
  };
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
  const wanPeers = new KnownPeers(cfg.dev ? '' : cfg.dataDir, WAN_PEERS_FILE);
  // A WAN port that cannot be bound leaves this server out of the federation (said loudly) rather than down:
  // its datacenter keeps working on its own, as it does while the WAN is partitioned.
  const wan = await WanFederation.start({
    node: i.node,
    datacenter: cfg.datacenter,
    bindAddr: cfg.bindAddr,
    advertiseAddr: cfg.advertiseAddr || undefined,
    port: cfg.ports.serfWan,
    tags: memberTags(cfg, i.nodeId),
    keys: wanStartupKeys(keys && keys.length > 0 ? keys : undefined, cfg.dataDir, cfg.dev),
    dev: cfg.dev,
    tuning: cfg.gossipWan,
    coordinates: !cfg.disableCoordinates,
    logger: i.logger,
    knownPeers: wanPeers,
  }).catch((err: unknown) => {
    i.logger.error('WAN gossip not started: this server is not federated with other datacenters', { port: cfg.ports.serfWan, error: err });
    return undefined;
  });
  if (!wan) return { wan: undefined, datacenterForwarder: undefined, joiner: undefined };
  answerKeyringQueries(wan.gossip, cfg.dev ? undefined : cfg.dataDir, i.logger.named('server').named('serf.wan'), WAN_KEYRING);
  const keyring: Federation['keyring'] = {
    wan: (op, key) => keyringOperation(wan.gossip, cfg.datacenter, op, key, 10_000, true),
    remoteLan: async (dc, op, key, token) => {
      let last: unknown = new RpcError('No path to datacenter', false, 500);
      for (const server of wan.serversOf(dc)) {
        try {
          return (await i.rpc.call(server, 'keyring', { op, key, token }, 15_000)) as KeyringResponse[];
        } catch (err) {
          last = err;
          if (!(err instanceof RpcError && err.transport)) break;
        }
      }
      throw last;
    },
  };
  const joiner = new ClusterJoin({
    membership: () => wan,
    // A restarted server rejoins the WAN members it knew, unless it left gracefully (as the LAN does).
    knownPeers: wanPeers,
    startJoin: cfg.startJoinWan,
    retryJoin: cfg.retryJoinWan,
    retryMax: cfg.retryMaxWan,
    retryIntervalMs: cfg.retryIntervalWanNs / 1e6,
    rejoinAfterLeave: cfg.rejoinAfterLeave,
    logger: i.logger,
    pool: 'WAN',
  });
  const lan = i.membership;
  const stopFlood = lan
    ? startWanFloodJoin({
        datacenter: cfg.datacenter,
        lanMembers: () => lan.members(),
        onLanJoin: (listener) => lan.node.on('join', listener),
        wanMembers: () => wan.members(),
        wanJoin: (addresses) => wan.join(addresses),
        logger: i.logger.named('server'),
      })
    : undefined;
  return { wan, datacenterForwarder: new WanForwarder((dc) => wan.serversOf(dc), i.rpc, i.logger.named('server').named('rpc')), joiner, keyring, stopFlood };
}

/** How a server's DNS reads other datacenters: over the WAN, as ?dc= requests are. */
export async function dnsFederation(f: Federation, datacenter: string): Promise<DnsFederation | undefined> {
  const { wan, datacenterForwarder: fwd } = f;
  if (!wan || !fwd) return undefined;
  const { RemoteDnsSource } = await import('./cluster/remote-dns-source.js');
  return { datacenters: () => wan.datacenters(), remote: new RemoteDnsSource({ send: (call) => fwd.forward(call) }, datacenter) };
}

/** Prepared queries for a server's DNS, executed by its own HTTP API (a follower's go to the leader). */
export async function dnsQueries(httpLoopback: () => { host: string; port: number } | undefined, datacenter: string, token: () => string = () => '') {
  const [{ RemoteDnsSource }, { LoopbackHttp }] = await Promise.all([import('./cluster/remote-dns-source.js'), import('./cluster/forwarding.js')]);
  const loopback = new LoopbackHttp(httpLoopback);
  // With the agent's default token, as Consul's DNS executes a prepared query (the query's own token, when it has
  // one, is the execute endpoint's to apply).
  const source = new RemoteDnsSource({ send: (call) => loopback.call(call) }, datacenter, token);
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
