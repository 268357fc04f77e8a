// Anti-entropy: makes the catalog's record of this node agree with the agent's local state. Runs after every
// local change and periodically; repairs drift (a local service deregistered through the catalog API comes back,
// a catalog entry the agent no longer has is removed). Status changes are pushed at once; output-only changes at
// most every `outputUpdateIntervalMs` (Consul's check_update_interval), so blocking health queries don't churn.
import type { CheckInput, ServiceInput, ServiceView, CheckView } from './catalog-types.js';
import type { StateReader } from '@conclave/state';
import type { NodeServicesView } from '@conclave/catalog';
import type { LocalCheck, LocalState } from './local-state.js';
import { CoalescedRun } from './coalesced-run.js';
import type { Command } from '@conclave/state';
import { deepEqual, silentLogger, type Logger } from '@conclave/toolkit';

/** Where anti-entropy reads the catalog's record of this node: the local state on a server, a server over RPC
 * on a client agent. */
export interface CatalogReader {
  nodeServices(node: string): Promise<NodeServicesView | null>;
  nodeChecks(node: string): Promise<CheckView[]>;
}

export function localCatalogReader(state: StateReader): CatalogReader {
  return {
    nodeServices: async (node) => state.catalog.nodeServices(node).value,
    nodeChecks: async (node) => state.catalog.nodeChecks(node).value,
  };
}

export interface NodeIdentity {
  node: string;
  id: string;
  address: string;
  datacenter: string;
  meta: Record<string, string>;
  taggedAddresses: Record<string, string>;
}

/** Checks the agent never manages itself: kept by the leader from gossip. */
const FOREIGN_CHECKS = new Set(['serfHealth']);
/** Services the server registers for itself, not part of the local state. */
const FOREIGN_SERVICES = new Set(['consul']);

export class CatalogSync {
  private readonly pass = new CoalescedRun(() => this.syncOnce(false));
  private readonly lastOutputSync = new Map<string, number>();

  constructor(
    private readonly catalog: CatalogReader,
    private readonly local: LocalState,
    private readonly identity: NodeIdentity,
    private readonly write: (command: Command) => Promise<unknown>,
    /** Consul's local state lines (`agent: Synced service: service=web`). */
    private readonly logger: Logger = silentLogger,
    private readonly now: () => number = Date.now,
    private readonly outputUpdateIntervalMs = 5 * 60_000,
  ) {}

  /** Requests a sync; concurrent requests coalesce into one run after the current one. */
  sync(): Promise<void> {
    return this.pass.run();
  }

  /** A full sync that also pushes pending output-only changes (the periodic run). */
  async fullSync(): Promise<void> {
    await this.sync();
    await this.syncOnce(true);
  }

  private async syncOnce(pushOutput: boolean): Promise<void> {
    const id = this.identity;
    const current = await this.catalog.nodeServices(id.node);
    if (!current || !sameNode(current.Node, id)) {
      await this.write({
        type: 'catalog.register',
        Node: id.node,
        ID: id.id,
        Address: id.address,
        Datacenter: id.datacenter,
        TaggedAddresses: id.taggedAddresses,
        NodeMeta: id.meta,
      });
      this.logger.info('Synced node info');
    }
    const inCatalog = current?.Services ?? {};
    for (const { service } of this.local.services.values()) {
      const have = inCatalog[service.ID];
      if (!have || !sameService(have, service)) {
        await this.write({
          type: 'catalog.register',
          Node: id.node,
          Address: id.address,
          Service: service,
          SkipNodeUpdate: true,
        });
        this.logger.info('Synced service', { service: service.ID });
      }
    }
    for (const sid of Object.keys(inCatalog)) {
      if (!this.local.services.has(sid) && !FOREIGN_SERVICES.has(sid)) {
        await this.write({ type: 'catalog.deregister', Node: id.node, ServiceID: sid });
        this.logger.info('Deregistered service', { service: sid });
      }
    }

    const checks = new Map((await this.catalog.nodeChecks(id.node)).map((c) => [c.CheckID, c] as const));
    for (const check of this.local.checks.values()) {
      const have = checks.get(check.CheckID);
      if (!have || !sameCheckDefinition(have, check)) {
        await this.write({
          type: 'catalog.register',
          Node: id.node,
          Address: id.address,
          Check: checkInput(check, id.node),
          SkipNodeUpdate: true,
        });
        this.logger.info('Synced check', { check: check.CheckID });
        this.lastOutputSync.set(check.CheckID, this.now());
      } else if (have.Status !== check.Status || (have.Output !== check.Output && this.outputDue(check, pushOutput))) {
        await this.write({
          type: 'catalog.check-status',
          Node: id.node,
          CheckID: check.CheckID,
          Status: check.Status,
          Output: check.Output,
        });
        this.logger.info('Synced check', { check: check.CheckID });
        this.lastOutputSync.set(check.CheckID, this.now());
      }
    }
    for (const cid of checks.keys()) {
      if (!this.local.checks.has(cid) && !FOREIGN_CHECKS.has(cid)) {
        await this.write({ type: 'catalog.deregister', Node: id.node, CheckID: cid });
        this.logger.info('Deregistered check', { check: cid });
        this.lastOutputSync.delete(cid);
      }
    }
  }

  private outputDue(check: LocalCheck, force: boolean): boolean {
    if (force) return true;
    const last = this.lastOutputSync.get(check.CheckID);
    return last === undefined || this.now() - last >= this.outputUpdateIntervalMs;
  }
}

function sameNode(n: { ID: string; Address: string; Meta: Record<string, string> | null }, id: NodeIdentity): boolean {
  return n.ID === id.id && n.Address === id.address && deepEqual(n.Meta ?? {}, id.meta);
}

function sameService(have: ServiceView, want: ServiceInput): boolean {
  return (
    have.Service === want.Service &&
    have.Address === (want.Address ?? '') &&
    have.Port === (want.Port ?? 0) &&
    have.EnableTagOverride === (want.EnableTagOverride ?? false) &&
    deepEqual(have.Tags, want.Tags ?? []) &&
    deepEqual(have.Meta ?? {}, want.Meta ?? {}) &&
    deepEqual(have.Weights, want.Weights ?? { Passing: 1, Warning: 1 }) &&
    deepEqual(have.TaggedAddresses ?? null, want.TaggedAddresses ?? null)
  );
}

function sameCheckDefinition(have: CheckView, want: LocalCheck): boolean {
  return (
    have.Name === want.Name &&
    have.Notes === want.Notes &&
    have.ServiceID === want.ServiceID &&
    have.Type === want.Type &&
    have.Interval === want.Interval &&
    have.Timeout === want.Timeout
  );
}

export function checkInput(check: LocalCheck, node: string): CheckInput {
  return {
    Node: node,
    CheckID: check.CheckID,
    Name: check.Name,
    Status: check.Status,
    Notes: check.Notes,
    Output: check.Output,
    ServiceID: check.ServiceID,
    Type: check.Type,
    Interval: check.Interval,
    Timeout: check.Timeout,
  };
}
