// Who this agent is: node name and ID (persisted in the data dir), the advertised address, node meta and the
// gossip tags Consul servers and clients carry.
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from './config/agent-config.js';
import type { NodeIdentity } from './catalog-sync.js';
import type { Command } from '@conclave/state';
import { SERF_HEALTH_ALIVE_OUTPUT, SERF_HEALTH_CHECK_ID, SERF_HEALTH_CHECK_NAME } from '@conclave/health';
import { randomUuid, writeFileDurableSync } from '@conclave/toolkit';
import { BUILD, VERSION } from './version.js';

export function nodeIdentity(config: AgentConfig): NodeIdentity {
  const address = config.advertiseAddr || (config.bindAddr === '0.0.0.0' ? firstPrivateIp() : config.bindAddr);
  return {
    node: config.nodeName,
    id: config.nodeId || persistedNodeId(config.dataDir),
    address,
    datacenter: config.datacenter,
    meta: nodeMeta(config),
    taggedAddresses: { lan: address, lan_ipv4: address, wan: address, wan_ipv4: address },
  };
}

/** The node's metadata in the catalog: node_meta and the network segment Consul always adds. */
export function nodeMeta(config: Pick<AgentConfig, 'nodeMeta'>): Record<string, string> {
  return { 'consul-network-segment': '', ...config.nodeMeta };
}

/** The gossip tags of a Consul agent (role, datacenter, ports, protocol versions, bootstrap mode). */
export function memberTags(cfg: AgentConfig, id: string): Record<string, string> {
  return {
    acls: '0',
    build: BUILD,
    dc: cfg.datacenter,
    ft_fs: '1',
    ft_si: '1',
    id,
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

/** Consul advertises the first private IPv4 when bound to 0.0.0.0. */
export function firstPrivateIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a.address)) return a.address;
    }
  }
  return '127.0.0.1';
}

/** Where this process reaches its own listener bound to `addr`. */
export function loopbackHost(addr: string): string {
  return addr === '0.0.0.0' || addr === '' ? '127.0.0.1' : addr === '::' ? '::1' : addr;
}

/** The node ID survives restarts in the data dir (Consul's node-id file); -dev gets a fresh one. */
export function persistedNodeId(dataDir: string): string {
  if (!dataDir) return randomUuid();
  const file = join(dataDir, 'node-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  }
  const id = randomUuid();
  // Durably: an ID that changes across a crash would make the catalog see a different node.
  writeFileDurableSync(file, id + '\n', { createDirs: true });
  return id;
}

/** -dev: the server's own catalog entries, as a freshly elected Consul leader writes them. */
export function selfRegistration(id: NodeIdentity, serverPort: number): Command {
  return {
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
      Port: serverPort,
      Meta: { raft_version: '3', serf_protocol_current: '2', serf_protocol_max: '5', serf_protocol_min: '1', version: VERSION },
    },
    Check: {
      Node: id.node,
      CheckID: SERF_HEALTH_CHECK_ID,
      Name: SERF_HEALTH_CHECK_NAME,
      Status: 'passing',
      Output: SERF_HEALTH_ALIVE_OUTPUT,
    },
  };
}
