import { describe, expect, it } from 'vitest';
import { WatchHub, WatchSet } from '@conclave/toolkit';
import { KvState } from '../src/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('KvState', () => {
  it('answers a key with its ModifyIndex and a missing key with the table index', () => {
    const kv = new KvState();
    kv.apply({ type: 'kv.set', Key: 'a', Value: bytes('1'), Flags: '0' }, 5);
    kv.apply({ type: 'kv.set', Key: 'b', Value: bytes('2'), Flags: '0' }, 6);
    expect(kv.get('a').index).toBe(5);
    expect(kv.get('a').value?.CreateIndex).toBe(5);
    expect(kv.get('zz').index).toBe(6);
  });

  it('applies CAS only at the matching index, and index 0 only for a new key', () => {
    const kv = new KvState();
    expect(kv.apply({ type: 'kv.cas', Key: 'k', Value: null, Flags: '0', Index: 0 }, 1)).toBe(true);
    expect(kv.apply({ type: 'kv.cas', Key: 'k', Value: null, Flags: '0', Index: 0 }, 2)).toBe(false);
    expect(kv.apply({ type: 'kv.cas', Key: 'k', Value: bytes('x'), Flags: '7', Index: 1 }, 3)).toBe(true);
    expect(kv.get('k').value).toMatchObject({ Flags: '7', CreateIndex: 1, ModifyIndex: 3 });
  });

  it('moves a list index with a delete (the tombstone), until the tombstone is reaped', () => {
    const kv = new KvState();
    kv.apply({ type: 'kv.set', Key: 'p/a', Value: null, Flags: '0' }, 1);
    kv.apply({ type: 'kv.set', Key: 'p/b', Value: null, Flags: '0' }, 2);
    kv.apply({ type: 'kv.set', Key: 'q', Value: null, Flags: '0' }, 3);
    kv.apply({ type: 'kv.delete', Key: 'p/b' }, 4);
    expect(kv.list('p/').value.map((e) => e.Key)).toEqual(['p/a']);
    expect(kv.list('p/').index).toBe(4);
    kv.apply({ type: 'kv.reap-tombstones', ReapIndex: 4 }, 5);
    expect(kv.stats().tombstones).toBe(0);
  });

  it('lists keys up to a separator', () => {
    const kv = new KvState();
    for (const [i, k] of ['a/b/c', 'a/d', 'e'].entries()) kv.apply({ type: 'kv.set', Key: k, Value: null, Flags: '0' }, i + 1);
    expect(kv.keys('a/', '/').value).toEqual(['a/b/', 'a/d']);
  });

  it('wakes a waiter on the key it read and not one on another key', () => {
    const hub = new WatchHub();
    const kv = new KvState(hub);
    const onA = new WatchSet();
    const onB = new WatchSet();
    kv.get('a', onA);
    kv.get('b', onB);
    const fired: string[] = [];
    hub.subscribe(onA, () => fired.push('a'));
    hub.subscribe(onB, () => fired.push('b'));
    kv.apply({ type: 'kv.set', Key: 'a', Value: null, Flags: '0' }, 1);
    expect(fired).toEqual(['a']);
  });

  it('restores what it snapshotted', () => {
    const kv = new KvState();
    kv.apply({ type: 'kv.set', Key: 'a', Value: bytes('v'), Flags: '1' }, 1);
    kv.apply({ type: 'kv.delete', Key: 'gone' }, 2);
    const copy = new KvState();
    copy.restore(kv.snapshot());
    expect(copy.get('a').value).toEqual(kv.get('a').value);
    expect(copy.maxIndex()).toBe(kv.maxIndex());
  });
});
