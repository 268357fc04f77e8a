// consul-template's `scratch`: a per-render key/value notepad, used as `{{ scratch.Set "k" 1 }}`.
import { compareGoStrings } from './values.js';

export class Scratch {
  // Private, so printing the scratch shows no internals.
  readonly #values = new Map<string, unknown>();

  Key(k: string): boolean {
    return this.#values.has(String(k));
  }

  Get(k: string): unknown {
    const v = this.#values.get(String(k));
    return v === undefined ? null : v;
  }

  Set(k: string, v: unknown): string {
    this.#values.set(String(k), v);
    return '';
  }

  SetX(k: string, v: unknown): string {
    if (!this.#values.has(String(k))) this.#values.set(String(k), v);
    return '';
  }

  MapSet(k: string, mk: string, v: unknown): string {
    return this.mapSet(String(k), String(mk), v, true);
  }

  MapSetX(k: string, mk: string, v: unknown): string {
    return this.mapSet(String(k), String(mk), v, false);
  }

  MapValues(k: string): unknown[] | null {
    const m = this.#values.get(String(k));
    if (m === null || typeof m !== 'object' || Object.getPrototypeOf(m) !== Object.prototype) return null;
    const typed = m as Record<string, unknown>;
    return Object.keys(typed)
      .sort(compareGoStrings)
      .map((key) => typed[key]);
  }

  private mapSet(k: string, mk: string, v: unknown, override: boolean): string {
    if (!this.#values.has(k)) this.#values.set(k, {});
    const m = this.#values.get(k);
    if (m === null || typeof m !== 'object' || Object.getPrototypeOf(m) !== Object.prototype) throw new Error(`"${k}" is not a map`);
    const typed = m as Record<string, unknown>;
    if (override || !(mk in typed)) typed[mk] = v;
    return '';
  }
}
