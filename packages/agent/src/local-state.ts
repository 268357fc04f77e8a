// The services and checks registered on this agent (from config files and the agent API). The agent is their
// source of truth; anti-entropy (catalog-sync.ts) makes the catalog agree with it.
import type { ServiceInput } from '@conclave/catalog';
import type { CheckDefinition, CheckStatus } from '@conclave/health';

export type DefinitionOrigin = 'config' | 'api';

export interface LocalService {
  service: ServiceInput;
  origin: DefinitionOrigin;
}

export interface LocalCheck {
  CheckID: string;
  Name: string;
  Notes: string;
  ServiceID: string;
  Status: CheckStatus;
  Output: string;
  /** `script`, `http`, `tcp`, `ttl`, `maintenance`. */
  Type: string;
  Interval: string;
  Timeout: string;
  /** What runs it; absent for maintenance checks, which only the agent itself changes. */
  definition?: CheckDefinition;
  origin: DefinitionOrigin;
}

export class LocalState {
  readonly services = new Map<string, LocalService>();
  readonly checks = new Map<string, LocalCheck>();
  private readonly listeners: Array<() => void> = [];
  private readonly waiting = new Set<() => void>();

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Calls `listener` once at the next change (a hash-blocking query waiting); returns a function that cancels,
   * so a query that ends first leaves nothing behind. */
  watchOnce(listener: () => void): () => void {
    this.waiting.add(listener);
    return () => this.waiting.delete(listener);
  }

  addService(entry: LocalService): void {
    this.services.set(entry.service.ID, entry);
    this.changed();
  }

  /** Removes a service and every check attached to it; returns the removed checks. */
  removeService(id: string): LocalCheck[] {
    this.services.delete(id);
    const removed: LocalCheck[] = [];
    for (const [checkId, check] of this.checks) {
      if (check.ServiceID === id) {
        this.checks.delete(checkId);
        removed.push(check);
      }
    }
    this.changed();
    return removed;
  }

  addCheck(check: LocalCheck): void {
    this.checks.set(check.CheckID, check);
    this.changed();
  }

  removeCheck(id: string): LocalCheck | undefined {
    const check = this.checks.get(id);
    if (check) {
      this.checks.delete(id);
      this.changed();
    }
    return check;
  }

  /** Records a check result; returns false when nothing changed (no sync needed). */
  setCheckStatus(id: string, status: CheckStatus, output: string): boolean {
    const check = this.checks.get(id);
    if (!check || (check.Status === status && check.Output === output)) return false;
    check.Status = status;
    check.Output = output;
    this.changed();
    return true;
  }

  checksOfService(id: string): LocalCheck[] {
    return [...this.checks.values()].filter((c) => c.ServiceID === id);
  }

  private changed(): void {
    for (const l of this.listeners) l();
    if (this.waiting.size === 0) return;
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const l of woken) l();
  }
}
