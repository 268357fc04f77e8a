// What the renderer knows about each dependency (consul-template's "brain"): the latest value per
// dependency id. A dependency absent from the store is unknown, and a template using it is incomplete.
// In de-duplication mode values also arrive as the agent's raw replies, published by another instance under
// the dependency's id; they are decoded when a template first asks for them (only the template knows the
// Dependency that decodes them).
import { Dependency } from './dependency.js';

export class DependencyStore {
  private readonly values = new Map<string, unknown>();
  private readonly undecoded = new Map<string, unknown>();

  /**
   * Records a fetched value. Returns false (and forgets any previous value) when the dependency
   * blocks on nil and the value is nil: the template must keep waiting, as consul-template's `key` does.
   */
  remember(dep: Dependency, value: unknown): boolean {
    this.undecoded.delete(dep.id);
    if (dep.blockOnNil && (value === null || value === undefined)) {
      this.values.delete(dep.id);
      return false;
    }
    this.values.set(dep.id, value);
    return true;
  }

  /** Records a raw reply for dependency `id`, replacing what was known; decoded at the next recall. */
  rememberRaw(id: string, raw: unknown): void {
    this.values.delete(id);
    this.undecoded.set(id, raw);
  }

  recall(dep: Dependency): { ok: true; value: unknown } | { ok: false } {
    if (this.undecoded.has(dep.id)) {
      const raw = this.undecoded.get(dep.id);
      // A reply that does not decode (another version's shape) leaves the dependency unknown.
      let value: unknown;
      try {
        value = dep.decode(raw);
      } catch {
        this.undecoded.delete(dep.id);
        return { ok: false };
      }
      this.remember(dep, value);
    }
    return this.values.has(dep.id) ? { ok: true, value: this.values.get(dep.id) } : { ok: false };
  }

  forget(dep: Dependency): void {
    this.values.delete(dep.id);
    this.undecoded.delete(dep.id);
  }

  has(dep: Dependency): boolean {
    return this.values.has(dep.id) || this.undecoded.has(dep.id);
  }

  get size(): number {
    return this.values.size + this.undecoded.size;
  }
}
