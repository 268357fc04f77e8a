import type { Pos } from './token.js';

/** Where each key of each decoded object was written (its first occurrence), for error messages that point
 * at a line: `positions.of(obj, 'port')`. Objects are tracked by identity, so a copy has no positions unless
 * `copy` carries them over. */
export class KeyPositions {
  private readonly byObject = new WeakMap<object, Map<string, Pos>>();

  of(obj: object, key: string): Pos | undefined {
    return this.byObject.get(obj)?.get(key);
  }

  set(obj: object, key: string, pos: Pos): void {
    let keys = this.byObject.get(obj);
    if (!keys) this.byObject.set(obj, (keys = new Map()));
    if (!keys.has(key)) keys.set(key, pos);
  }

  /** Gives `to` the key positions `from` has (for keys `to` lacks). */
  copy(from: object, to: object): void {
    const keys = this.byObject.get(from);
    if (keys) for (const [k, p] of keys) this.set(to, k, p);
  }
}
