// Registers and removes the agent's own services and checks: validation, script-check policy, the check
// runners, and the local state that anti-entropy mirrors into the catalog. Used by config loading, reload and
// the agent HTTP endpoints alike, so a definition behaves the same wherever it comes from.
import {
  assertScriptChecksAllowed,
  decodeCheckDefinition,
  nodeMaintenanceCheck,
  serviceMaintenanceCheck,
  serviceMaintenanceCheckId,
  NODE_MAINTENANCE_CHECK_ID,
  type CheckDefinition,
  CheckScheduler,
  type CheckStatus,
  type MaintenanceCheck,
} from '@conclave/health';
import { DecodeError, NotFoundError, deepEqual, formatGoDuration, type Logger } from '@conclave/toolkit';
import type { DefinitionOrigin, LocalCheck, LocalState } from './local-state.js';
import type { AgentConfig } from './config/agent-config.js';
import { decodeServiceDefinition } from './service-definition.js';

export interface ScriptPolicy {
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
}

export class UnknownServiceError extends NotFoundError {
  override name = 'UnknownServiceError';
}

export class LocalServices {
  /** The agent's services with their check scheduler: check results land in `local`, and a service whose
   * check stays critical past deregister_critical_service_after is deregistered. */
  static withChecks(local: LocalState, policy: ScriptPolicy, logger: Logger): { services: LocalServices; scheduler: CheckScheduler } {
    const scheduler: CheckScheduler = new CheckScheduler({
      onUpdate: (id, status, output) => {
        if (local.setCheckStatus(id, status, output)) logger.debug('Check status changed', { check: id, status });
      },
      onCriticalTooLong: (ev) => {
        logger.info('Deregistering service: critical for longer than deregister_critical_service_after', { service: ev.serviceId, check: ev.checkId });
        services.deregisterService(ev.serviceId);
      },
      logger,
    });
    const services = new LocalServices(local, scheduler, policy, logger);
    return { services, scheduler };
  }

  constructor(
    private readonly local: LocalState,
    private readonly scheduler: CheckScheduler,
    private readonly policy: ScriptPolicy,
    private readonly logger: Logger,
  ) {}

  /** Decodes, validates and registers a service definition with its checks. Throws DecodeError or
   * ScriptChecksDisabledError before changing anything. */
  /** Registers config-file services and checks; returns the IDs it saw. Throws on an invalid definition. */
  loadDefinitions(defs: Pick<AgentConfig, 'services' | 'checks'>): { services: Set<string>; checks: Set<string> } {
    const seen = { services: new Set<string>(), checks: new Set<string>() };
    for (const def of defs.services) {
      const id = this.registerService(def.raw, 'config', { path: `${def.origin}: ${def.path ?? 'service'}` });
      seen.services.add(id);
      for (const c of this.local.checksOfService(id)) seen.checks.add(c.CheckID);
    }
    for (const def of defs.checks) seen.checks.add(this.registerCheck(def.raw, 'config', `${def.origin}: ${def.path ?? 'check'}`));
    return seen;
  }

  /** A reload: registers the new definitions and drops config-file services and checks that are gone. */
  reloadDefinitions(defs: Pick<AgentConfig, 'services' | 'checks'>): { services: number; checks: number } {
    const before = {
      services: [...this.local.services.values()].filter((s) => s.origin === 'config').map((s) => s.service.ID),
      checks: [...this.local.checks.values()].filter((c) => c.origin === 'config').map((c) => c.CheckID),
    };
    const seen = this.loadDefinitions(defs);
    for (const id of before.services) if (!seen.services.has(id)) this.deregisterService(id);
    for (const id of before.checks) if (!seen.checks.has(id)) this.removeCheck(id);
    return { services: seen.services.size, checks: seen.checks.size };
  }

  registerService(raw: unknown, origin: DefinitionOrigin, opts: { path?: string; replaceExistingChecks?: boolean } = {}): string {
    const decoded = decodeServiceDefinition(raw, { source: origin, path: opts.path });
    for (const def of decoded.checks) assertScriptChecksAllowed(def, { source: origin, ...this.policy });
    for (const w of decoded.warnings) this.logger.warn(w);
    const id = decoded.service.ID;
    const keep = new Set(decoded.checks.map((c) => c.id));
    if (opts.replaceExistingChecks) {
      for (const check of this.local.checksOfService(id)) {
        if (!keep.has(check.CheckID) && check.definition) this.removeCheck(check.CheckID);
      }
    }
    this.local.addService({ service: decoded.service, origin });
    for (const def of decoded.checks) this.addCheck(def, origin);
    this.logger.debug('added local registration for service', { service: id });
    return id;
  }

  /** Removes a service and its checks; false when unknown. */
  deregisterService(id: string): boolean {
    if (!this.local.services.has(id)) return false;
    const removed = this.local.removeService(id);
    for (const check of removed) void this.scheduler.remove(check.CheckID);
    return true;
  }

  /** Decodes, validates and registers a standalone check definition. */
  registerCheck(raw: unknown, origin: DefinitionOrigin, path?: string): string {
    const { definition, warnings } = decodeCheckDefinition(raw, { source: origin, path });
    if (definition.serviceId !== undefined && definition.serviceId !== '' && !this.local.services.has(definition.serviceId)) {
      throw new DecodeError(`ServiceID "${definition.serviceId}" does not exist`);
    }
    assertScriptChecksAllowed(definition, { source: origin, ...this.policy });
    for (const w of warnings) this.logger.warn(w);
    this.addCheck(definition, origin);
    return definition.id;
  }

  removeCheck(id: string): boolean {
    const check = this.local.removeCheck(id);
    if (!check) return false;
    void this.scheduler.remove(id);
    return true;
  }

  /** A TTL check's pass/warn/fail/update (throws TtlCheckNotFoundError for unknown or non-TTL checks). */
  updateTtl(id: string, status: CheckStatus, output: string): void {
    this.scheduler.updateTtl(id, status, output);
  }

  setNodeMaintenance(enable: boolean, reason: string): void {
    if (enable) this.addMaintenance(nodeMaintenanceCheck(reason));
    else this.local.removeCheck(NODE_MAINTENANCE_CHECK_ID);
  }

  setServiceMaintenance(id: string, enable: boolean, reason: string): void {
    const svc = this.local.services.get(id);
    if (!svc) throw new UnknownServiceError(`Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    if (enable) this.addMaintenance(serviceMaintenanceCheck({ id, name: svc.service.Service }, reason));
    else this.local.removeCheck(serviceMaintenanceCheckId(id));
  }

  private addMaintenance(m: MaintenanceCheck): void {
    this.local.addCheck({
      CheckID: m.CheckID,
      Name: m.Name,
      Notes: m.Notes,
      ServiceID: m.ServiceID,
      Status: m.Status,
      Output: m.Output,
      Type: m.Type,
      Interval: '',
      Timeout: '',
      origin: 'api',
    });
  }

  private addCheck(def: CheckDefinition, origin: DefinitionOrigin): void {
    const existing = this.local.checks.get(def.id);
    // Re-registering the same definition keeps the check's state, as reload must not flap healthy services.
    if (existing?.definition && deepEqual(existing.definition, def)) {
      existing.origin = origin;
      return;
    }
    const check: LocalCheck = {
      CheckID: def.id,
      Name: def.name,
      Notes: def.notes,
      ServiceID: def.serviceId ?? '',
      Status: def.status,
      Output: '',
      Type: def.kind,
      Interval: def.intervalNs ? formatGoDuration(def.intervalNs) : '',
      Timeout: def.timeoutNs ? formatGoDuration(def.timeoutNs) : '',
      definition: def,
      origin,
    };
    this.local.addCheck(check);
    this.scheduler.add(def);
  }
}
