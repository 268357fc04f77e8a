import { describe, expect, it } from 'vitest';
import { SortedKeys, type KeysView } from '../src/sorted-keys.js';

/** A small deterministic PRNG so a failure reproduces. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('SortedKeys', () => {
  it('matches a plain sorted array over random inserts, removals and prefix scans across chunk splits', () => {
    const r = rng(7);
    const keys = new SortedKeys();
    const model = new Set<string>();
    const sorted = () => [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let step = 0; step < 20000; step++) {
      const k = `p${Math.floor(r() * 30)}/${Math.floor(r() * 3000)}`;
      if (r() < 0.7) {
        if (!model.has(k)) {
          model.add(k);
          keys.insert(k);
        }
      } else {
        expect(keys.remove(k)).toBe(model.delete(k));
      }
      if (step % 2000 === 0) {
        const all = sorted();
        expect(keys.toArray()).toEqual(all);
        for (const p of ['', 'p1', 'p1/', 'p29/2', 'q', 'p3/1']) expect(keys.withPrefix(p)).toEqual(all.filter((x) => x.startsWith(p)));
      }
    }
    expect(keys.size).toBe(model.size);
    expect(SortedKeys.fromSorted(sorted()).toArray()).toEqual(keys.toArray());
  });

  it('a frozen view keeps the keys of its moment while inserts, removals and chunk splits go on', () => {
    const r = rng(11);
    const keys = new SortedKeys();
    const model = new Set<string>();
    const flat = (v: KeysView) => v.chunks.flat();
    const views: Array<{ view: KeysView; then: string[] }> = [];
    for (let step = 0; step < 30000; step++) {
      const k = `k${Math.floor(r() * 5000)}`;
      if (r() < 0.6) {
        if (!model.has(k)) {
          model.add(k);
          keys.insert(k);
        }
      } else {
        expect(keys.remove(k)).toBe(model.delete(k));
      }
      // Several views open at once, taken at different moments, some over the same chunks.
      if (step % 3000 === 0) views.push({ view: keys.freeze(), then: keys.toArray() });
    }
    expect(keys.toArray()).toEqual([...model].sort());
    expect(views.length).toBe(10);
    for (const { view, then } of views) {
      expect(view.size).toBe(then.length);
      expect(flat(view)).toEqual(then);
    }
  });

  it('handles the empty list and keys before the first chunk', () => {
    const keys = new SortedKeys();
    expect(keys.withPrefix('')).toEqual([]);
    expect(keys.remove('a')).toBe(false);
    for (let i = 2000; i > 0; i--) keys.insert(`k${String(i).padStart(5, '0')}`);
    keys.insert('a');
    expect(keys.toArray()[0]).toBe('a');
    expect(keys.withPrefix('k0000')).toEqual(['k00001', 'k00002', 'k00003', 'k00004', 'k00005', 'k00006', 'k00007', 'k00008', 'k00009']);
    for (const k of keys.toArray()) expect(keys.remove(k)).toBe(true);
    expect(keys.size).toBe(0);
    expect(keys.toArray()).toEqual([]);
  });
});
