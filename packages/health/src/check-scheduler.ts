// Runs a set of checks on their own clocks and reports what changed. Interval checks (script, http, tcp) first run
// after a random delay in [0, interval) so an agent's checks do not all fire together, then `interval` after each
// run ends, so runs of one check never overlap. TTL checks turn critical when not updated in time. A result is
// reported only when the status or output differs from the last one, after flap damping.

import { isCheckStatus, type CheckDefinition, type CheckStatus } from './check-definition.js';
import type { CheckResult } from './check-result.js';
import { FlapDamper } from './flap-damper.js';
import { setLongTimeout, type LongTimer } from './long-timer.js';
import { RefusedError, type Logger } from '@conclave/toolkit';
import { truncateTtlOutput } from './ttl-output.js';
import { runCheck } from './run-check.js';


/** A service whose check has been critical longer than its `deregister_critical_service_after`. */
export interface CriticalTooLongEvent {
  serviceId: string;
  checkId: string;
  criticalForMs: number;
}

export interface CheckSchedulerOptions {
  /** Called with every change of a check's status or output (never for the initial state given to `add`). */
  onUpdate: (checkId: string, status: CheckStatus, output: string) => void;
  /** Called, on each reap round, once per service that should be deregistered; the agent deregisters it. */
  onCriticalTooLong?: (event: CriticalTooLongEvent) => void;
  /** Uniform in [0, 1); picks the first-run delay. Default Math.random. */
  random?: () => number;
  /** Run interval checks as soon as they are added instead of after a random delay (tests, `-dev`). */
  immediateFirstRun?: boolean;
  /** How often critical checks are looked at for `deregister_critical_service_after`; Consul's is 30s. */
  reapIntervalMs?: number;
  /** Milliseconds clock for how long a check has been critical. Default Date.now. */
  now?: () => number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/** A check's current state as the scheduler sees it. */
export interface CheckState {
  definition: CheckDefinition;
  status: CheckStatus;
  output: string;
  /** When the check last turned critical (the `now` clock); undefined unless critical. */
  criticalSince?: number;
}

/** Thrown by `updateTtl` for a check that is unknown or not a TTL check (Consul's words). */
export class TtlCheckNotFoundError extends RefusedError {
  override name = 'TtlCheckNotFoundError';
  constructor(readonly checkId: string) {
    super(`CheckID "${checkId}" does not have associated TTL`);
  }
}

interface Entry extends CheckState {
  damper: FlapDamper;
  timer?: LongTimer;
  abort?: AbortController;
  running?: Promise<void>;
  /** TTL checks: the last output given, repeated when the TTL expires. */
  lastTtlOutput: string;
  removed: boolean;
}

const DEFAULT_REAP_INTERVAL_MS = 30_000;

export class CheckScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Set<Promise<void>>();
  private reaper: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly opts: CheckSchedulerOptions) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  /** Starts running `def`; a check with the same ID is replaced (its running probe is aborted). */
  add(def: CheckDefinition, initial?: { status?: CheckStatus; output?: string }): void {
    if (this.stopped) throw new Error('CheckScheduler is stopped; create a new one');
    // A zero period would spin; decodeCheckDefinition never produces one, hand-built definitions might.
    if (def.kind === 'ttl' ? !((def.ttlNs ?? 0) > 0) : !((def.intervalNs ?? 0) > 0)) {
      throw new TypeError(`check "${def.id}" needs a positive ${def.kind === 'ttl' ? 'ttlNs' : 'intervalNs'}`);
    }
    const old = this.entries.get(def.id);
    if (old) this.detach(old);
    const status = initial?.status ?? def.status;
    const entry: Entry = {
      definition: def,
      status,
      output: initial?.output ?? '',
      damper: new FlapDamper(def.successBeforePassing, def.failuresBeforeWarning, def.failuresBeforeCritical),
      lastTtlOutput: '',
      removed: false,
    };
    if (status === 'critical') entry.criticalSince = this.now();
    this.entries.set(def.id, entry);

    if (def.kind === 'ttl') {
      this.armTtl(entry);
    } else {
      const intervalMs = (def.intervalNs ?? 0) / 1e6;
      const first = this.opts.immediateFirstRun ? 0 : Math.floor(clamp01(this.random()) * intervalMs);
      this.schedule(entry, first);
    }
    this.updateReaper();
  }

  /** Stops a check; resolves once a run in progress has ended (its process group killed). Unknown IDs are ignored. */
  async remove(checkId: string): Promise<void> {
    const entry = this.entries.get(checkId);
    if (!entry) return;
    this.entries.delete(checkId);
    this.detach(entry);
    this.updateReaper();
    await entry.running;
  }

  /** A TTL check's pass/warn/fail/update: sets status and output (cut to `output_max_size`) and restarts the TTL.
   * Returns the output as stored. */
  updateTtl(checkId: string, status: CheckStatus, output: string): string {
    const entry = this.entries.get(checkId);
    if (!entry || entry.definition.kind !== 'ttl') throw new TtlCheckNotFoundError(checkId);
    if (!isCheckStatus(status)) throw new TypeError(`Invalid check status: '${String(status)}'`);
    const stored = truncateTtlOutput(output, entry.definition.outputMaxSize);
    entry.lastTtlOutput = stored;
    this.report(entry, status, stored);
    this.armTtl(entry);
    return stored;
  }

  get(checkId: string): CheckState | undefined {
    const e = this.entries.get(checkId);
    if (!e) return undefined;
    const state: CheckState = { definition: e.definition, status: e.status, output: e.output };
    if (e.criticalSince !== undefined) state.criticalSince = e.criticalSince;
    return state;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Stops every check: timers cleared, running probes aborted, script process groups killed. Resolves when
   * nothing is left running. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) this.detach(entry);
    this.entries.clear();
    this.updateReaper();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  private detach(entry: Entry): void {
    entry.removed = true;
    entry.timer?.cancel();
    entry.timer = undefined;
    entry.abort?.abort();
  }

  private schedule(entry: Entry, delayMs: number): void {
    entry.timer = setLongTimeout(() => {
      entry.timer = undefined;
      this.startRun(entry);
    }, delayMs);
  }

  private startRun(entry: Entry): void {
    if (entry.removed) return;
    const abort = new AbortController();
    entry.abort = abort;
    const run = (async () => {
      let result: CheckResult;
      try {
        result = await runCheck(entry.definition, { signal: abort.signal });
      } catch (err) {
        result = { status: 'critical', output: (err as Error).message };
      }
      if (entry.removed) return;
      entry.abort = undefined;
      const status = entry.damper.apply(result.status);
      if (status === undefined) {
        this.opts.logger?.debug('check result not reported yet (flap damping threshold not reached)', {
          check: entry.definition.id,
          status: result.status,
        });
      } else {
        this.report(entry, status, result.output);
      }
      this.schedule(entry, (entry.definition.intervalNs ?? 0) / 1e6);
    })();
    entry.running = run;
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
  }

  private armTtl(entry: Entry): void {
    entry.timer?.cancel();
    entry.timer = setLongTimeout(() => {
      entry.timer = undefined;
      if (entry.removed) return;
      this.opts.logger?.warn('Check missed TTL, is now critical', { check: entry.definition.id });
      const output = entry.lastTtlOutput
        ? `TTL expired (last output before timeout follows): ${entry.lastTtlOutput}`
        : 'TTL expired';
      this.report(entry, 'critical', output);
    }, (entry.definition.ttlNs ?? 0) / 1e6);
  }

  private report(entry: Entry, status: CheckStatus, output: string): void {
    if (status === entry.status && output === entry.output) return;
    if (status !== entry.status) {
      if (status === 'critical') entry.criticalSince = this.now();
      else delete entry.criticalSince;
      const fields = { check: entry.definition.id, status };
      if (status === 'passing') this.opts.logger?.debug('Check status updated', fields);
      else this.opts.logger?.warn(`Check is now ${status}`, fields);
    }
    entry.status = status;
    entry.output = output;
    try {
      this.opts.onUpdate(entry.definition.id, status, output);
    } catch (err) {
      this.opts.logger?.warn('check update handler failed', { check: entry.definition.id, error: err as Error });
    }
  }

  /** The reaper runs only while some check asks for `deregister_critical_service_after`. */
  private updateReaper(): void {
    let wanted = false;
    if (!this.stopped) {
      for (const e of this.entries.values()) {
        if (e.definition.deregisterCriticalServiceAfterNs > 0 && e.definition.serviceId !== undefined) {
          wanted = true;
          break;
        }
      }
    }
    if (wanted && !this.reaper) {
      this.reaper = setInterval(() => this.reap(), this.opts.reapIntervalMs ?? DEFAULT_REAP_INTERVAL_MS);
    } else if (!wanted && this.reaper) {
      clearInterval(this.reaper);
      this.reaper = undefined;
    }
  }

  private reap(): void {
    const now = this.now();
    const reported = new Set<string>();
    for (const e of [...this.entries.values()]) {
      const serviceId = e.definition.serviceId;
      const limitMs = e.definition.deregisterCriticalServiceAfterNs / 1e6;
      if (serviceId === undefined || limitMs <= 0 || reported.has(serviceId)) continue;
      if (e.status !== 'critical' || e.criticalSince === undefined) continue;
      const criticalForMs = now - e.criticalSince;
      if (criticalForMs <= limitMs) continue;
      reported.add(serviceId);
      this.opts.logger?.warn('Check for service has been critical for too long; deregistering service', {
        service: serviceId,
        check: e.definition.id,
      });
      try {
        this.opts.onCriticalTooLong?.({ serviceId, checkId: e.definition.id, criticalForMs });
      } catch (err) {
        this.opts.logger?.warn('deregister handler failed', { service: serviceId, error: err as Error });
      }
    }
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 0.999999) : 0;
}
