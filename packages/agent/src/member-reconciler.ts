// What Consul's leader does with gossip membership: every member is a catalog node with a `serfHealth` check,
// passing while alive, critical once failed; a member that left (or was reaped) is deregistered. Runs on every
// membership event and periodically, so a missed event is repaired on the next round.
import {
  SERF_HEALTH_CHECK_ID,
  SERF_HEALTH_CHECK_NAME,
  SERF_HEALTH_ALIVE_OUTPUT,
  SERF_HEALTH_FAILED_OUTPUT,
} from '@conclave/health';
import type { Command } from '@conclave/state';
import type { StateReader } from '@conclave/state';
import { MemberStatusCode, type ConsulMember } from './membership.js';
import { CoalescedRun } from './coalesced-run.js';

export class MemberReconciler {
  private readonly pass = new CoalescedRun(() => this.reconcileOnce());

  constructor(
    private readonly state: StateReader,
    private readonly members: () => ConsulMember[],
    private readonly datacenter: string,
    private readonly write: (command: Command) => Promise<unknown>,
    /** Unknown nodes are not reaped before this time (ms), so a restarted server's gossip can catch up. */
    private readonly reapAfter = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reconciles now; concurrent calls coalesce. */
  reconcile(): Promise<void> {
    return this.pass.run();
  }

  private async reconcileOnce(): Promise<void> {
    const members = this.members().filter((m) => (m.Tags.dc ?? this.datacenter) === this.datacenter);
    const known = new Set<string>();
    for (const m of members) {
      known.add(m.Name);
      if (m.Status === MemberStatusCode.alive || m.Status === MemberStatusCode.leaving) await this.ensure(m, true);
      else if (m.Status === MemberStatusCode.failed) await this.ensure(m, false);
      else if (m.Status === MemberStatusCode.left) await this.remove(m.Name);
    }
    // Nodes with a serfHealth check that gossip no longer knows were reaped: deregister them. Not while this
    // node's gossip may still be catching up after a restart (members reconnect within the grace period).
    if (this.now() < this.reapAfter) return;
    for (const n of this.state.catalog.nodeList().value) {
      if (!known.has(n.Node) && this.state.catalog.getCheck(n.Node, SERF_HEALTH_CHECK_ID)) await this.remove(n.Node);
    }
  }

  private async ensure(m: ConsulMember, alive: boolean): Promise<void> {
    const status = alive ? 'passing' : 'critical';
    const output = alive ? SERF_HEALTH_ALIVE_OUTPUT : SERF_HEALTH_FAILED_OUTPUT;
    const node = this.state.catalog.getNode(m.Name);
    const check = this.state.catalog.getCheck(m.Name, SERF_HEALTH_CHECK_ID);
    const id = m.Tags.id ?? '';
    const nodeOk = node !== undefined && node.Address === m.Addr && (id === '' || node.ID === id);
    if (nodeOk && check?.Status === status) {
      if (m.Tags.role === 'consul' && alive) await this.ensureServerService(m);
      return;
    }
    await this.write({
      type: 'catalog.register',
      Node: m.Name,
      ...(id ? { ID: id } : {}),
      Address: m.Addr,
      Datacenter: this.datacenter,
      // An existing node keeps the meta and addresses its own agent registered.
      ...(nodeOk ? { SkipNodeUpdate: true } : { TaggedAddresses: { lan: m.Addr, lan_ipv4: m.Addr, wan: m.Addr, wan_ipv4: m.Addr } }),
      Check: { Node: m.Name, CheckID: SERF_HEALTH_CHECK_ID, Name: SERF_HEALTH_CHECK_NAME, Status: status, Output: output },
    });
    if (m.Tags.role === 'consul' && alive) await this.ensureServerService(m);
  }

  /** Servers carry the built-in `consul` service on their RPC port, as Consul's leader registers it. */
  private async ensureServerService(m: ConsulMember): Promise<void> {
    const port = Number(m.Tags.port ?? 8300);
    const have = this.state.catalog.getService(m.Name, 'consul');
    if (have && have.Port === port) return;
    await this.write({
      type: 'catalog.register',
      Node: m.Name,
      Address: m.Addr,
      SkipNodeUpdate: true,
      Service: {
        ID: 'consul',
        Service: 'consul',
        Tags: [],
        Port: port,
        Meta: {
          raft_version: m.Tags.raft_vsn ?? '3',
          serf_protocol_current: '2',
          serf_protocol_max: '5',
          serf_protocol_min: '1',
          version: (m.Tags.build ?? '').split(':')[0] ?? '',
        },
      },
    });
  }

  private async remove(name: string): Promise<void> {
    if (!this.state.catalog.getNode(name)) return;
    await this.write({ type: 'catalog.deregister', Node: name });
  }
}
