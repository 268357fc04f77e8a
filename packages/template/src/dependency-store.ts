// What the renderer knows about each dependency (consul-template's "brain"): the latest value per
// dependency id. A dependency absent from the store is unknown, and a template using it is incomplete.
import { Dependency } from './dependency.js';

export class DependencyStore {
  private readonly values = new Map<string, unknown>();

  /**
   * Records a fetched value. Returns false (and forgets any previous value) when the dependency
   * blocks on nil and the value is nil: the template must keep waiting, as consul-template's `key` does.
   */
  remember(dep: Dependency, value: unknown): boolean {
    if (dep.blockOnNil && (value === null || value === undefined)) {
      this.values.delete(dep.id);
      return false;
    }
    this.values.set(dep.id, value);
    return true;
  }

  recall(dep: Dependency): { ok: true; value: unknown } | { ok: false } {
    return this.values.has(dep.id) ? { ok: true, value: this.values.get(dep.id) } : { ok: false };
  }

  forget(dep: Dependency): void {
    this.values.delete(dep.id);
  }

  has(dep: Dependency): boolean {
    return this.values.has(dep.id);
  }

  get size(): number {
    return this.values.size;
  }
}
