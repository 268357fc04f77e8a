// The agent's facts shaped as Consul answers them: exact keys in Consul's order, strings where Consul has
// strings, so the bytes on the wire stay what Consul clients (and the process tests) expect.
import { describe, expect, it } from 'vitest';
import { memberJson, raftConfigurationJson, selfJson } from '../src/index.js';
import { selfFacts } from './harness.js';

describe('agent JSON', () => {
  it('shapes /v1/agent/self with exactly Consul six keys and their members', () => {
    const self = selfJson(selfFacts());
    expect(Object.keys(self)).toEqual(['Config', 'DebugConfig', 'Coord', 'Member', 'Stats', 'Meta']);
    expect(self.Config).toEqual({
      Datacenter: 'dc1',
      PrimaryDatacenter: 'dc1',
      NodeName: 'node1',
      NodeID: '8ce8c9d5-2a68-4dd5-a2e4-a5d7e3e1b7f1',
      Revision: 'conclave',
      Server: true,
      Version: '0.1.0',
      SessionTTLMin: 10e9,
    });
    const stats = self.Stats as Record<string, Record<string, string>>;
    expect(Object.keys(stats)).toEqual(['agent', 'build', 'consul', 'raft', 'runtime']);
    expect(stats.raft).toEqual({ applied_index: '1', commit_index: '1', state: 'Leader', num_peers: '0' });
    expect(stats.consul).toEqual({ acl: 'disabled', bootstrap: 'true', known_datacenters: '1', leader: 'true', leader_addr: '127.0.0.1:8300', server: 'true' });
    expect(Object.keys(stats.runtime!)).toEqual(['arch', 'cpu_count', 'goroutines', 'max_procs', 'os', 'version', 'uptime_seconds']);
    expect(stats.runtime!.uptime_seconds).toBe('3');
    expect(JSON.stringify(self.Coord)).toBe('{"Vec":[0,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0,"Height":0.00001}');
  });

  it('reports the ACL settings as Consul\'s sanitized DebugConfig does, every token "hidden"', () => {
    const acl = { enabled: true, defaultPolicy: 'deny', downPolicy: 'async-cache', tokenTtlMs: 30_000, policyTtlMs: 90_000, roleTtlMs: 1_500, enableTokenPersistence: true, dataDir: '/var/lib/conclave' };
    const self = selfJson(selfFacts({ acl }));
    const debug = self.DebugConfig as Record<string, unknown>;
    expect(debug.ACLsEnabled).toBe(true);
    expect(debug.ACLInitialManagementToken).toBe('hidden');
    expect(debug.ACLResolverSettings).toEqual({
      ACLDefaultPolicy: 'deny',
      ACLDownPolicy: 'async-cache',
      ACLPolicyTTL: '1m30s',
      ACLRoleTTL: '1.5s',
      ACLTokenTTL: '30s',
      ACLsEnabled: true,
      Datacenter: 'dc1',
      EnterpriseMeta: {},
      NodeName: 'node1',
    });
    expect(debug.ACLTokens).toEqual({
      ACLAgentRecoveryToken: 'hidden',
      ACLAgentToken: 'hidden',
      ACLDefaultToken: 'hidden',
      ACLReplicationToken: 'hidden',
      DataDir: '/var/lib/conclave',
      EnablePersistence: true,
      EnterpriseConfig: {},
    });
    expect((self.Stats as Record<string, Record<string, string>>).consul!.acl).toBe('enabled');
    // Off: the same keys, disabled.
    const off = selfJson(selfFacts()).DebugConfig as Record<string, unknown>;
    expect(off.ACLsEnabled).toBe(false);
    expect((off.ACLResolverSettings as Record<string, unknown>).ACLTokenTTL).toBe('30s');
  });

  it('shapes Raft stats of a server and of a client', () => {
    const server = selfJson(selfFacts({ raft: { kind: 'raft', appliedIndex: 7, state: 'Follower', configuration: { voters: ['a', 'b', 'c'], learners: [] } } }));
    expect((server.Stats as Record<string, unknown>).raft).toEqual({
      applied_index: '7',
      state: 'Follower',
      num_peers: '2',
      latest_configuration: '{"voters":["a","b","c"],"learners":[]}',
    });
    expect((selfJson(selfFacts({ raft: { kind: 'none' } })).Stats as Record<string, unknown>).raft).toEqual({});
    // A running Raft node's own counters (hashicorp/raft's Stats keys) are shown as they are.
    const running = selfJson(selfFacts({ raft: { kind: 'raft', appliedIndex: 7, state: 'Leader', configuration: { voters: ['a'], learners: [] }, stats: { term: '3', state: 'Leader' } } }));
    expect((running.Stats as Record<string, unknown>).raft).toEqual({ term: '3', state: 'Leader' });
  });

  it('shapes a client\'s sections as Consul\'s client does: no raft, known_servers, and serf_lan from gossip', () => {
    const serfLan = { members: 4, failed: 1, left: 0, healthScore: 2, eventTime: 9, encrypted: true };
    const stats = selfJson(selfFacts({ server: false, dev: false, raft: { kind: 'none' }, knownServers: 3, serfLan })).Stats as Record<string, Record<string, string>>;
    expect(Object.keys(stats)).toEqual(['agent', 'build', 'consul', 'runtime', 'serf_lan']);
    expect(stats.consul).toEqual({ acl: 'disabled', known_servers: '3', server: 'false' });
    expect(stats.serf_lan).toEqual({ encrypted: 'true', event_time: '9', failed: '1', health_score: '2', left: '0', members: '4' });
  });

  it('shapes a member: gossip entries as they are, a gossip-less agent as Consul shows itself', () => {
    expect(memberJson({ gossip: { Name: 'n', Status: 1 } })).toEqual({ Name: 'n', Status: 1 });
    const alone = memberJson({ name: 'n', address: '10.0.0.1', serfPort: -1, tags: { role: 'node' } });
    expect(JSON.stringify(alone)).toBe(
      '{"Name":"n","Addr":"10.0.0.1","Port":-1,"Tags":{"role":"node"},"Status":1,"ProtocolMin":1,"ProtocolMax":5,"ProtocolCur":2,"DelegateMin":2,"DelegateMax":5,"DelegateCur":4}',
    );
  });

  it('shapes the Raft configuration', () => {
    const c = raftConfigurationJson({ servers: [{ id: 'id1', node: 'n1', address: '127.0.0.1:8300', leader: true, voter: true }], index: 4 });
    expect(JSON.stringify(c)).toBe('{"Servers":[{"ID":"id1","Node":"n1","Address":"127.0.0.1:8300","Leader":true,"ProtocolVersion":"3","Voter":true}],"Index":4}');
  });
});
