import { describe, expect, it } from 'vitest';
import { WatchSet, parseUint64 } from '@conclave/toolkit';
import { StateMachine, StateMachineError } from '../src/index.js';
import type { Command } from '../src/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);

function machine() {
  const sm = new StateMachine();
  let index = 0;
  const write = (cmd: Command) => sm.apply(cmd, ++index);
  return { sm, write };
}

describe('KV index rules', () => {
  it('create, update, update, delete give four increasing list indexes', () => {
    const { sm, write } = machine();
    const seen: number[] = [];
    write({ type: 'kv.set', Key: 'a/x', Value: bytes('1'), Flags: '0' });
    seen.push(sm.kv.list('a/').index);
    write({ type: 'kv.set', Key: 'a/x', Value: bytes('2'), Flags: '0' });
    seen.push(sm.kv.list('a/').index);
    write({ type: 'kv.set', Key: 'a/x', Value: bytes('3'), Flags: '0' });
    seen.push(sm.kv.keys('a/', '').index);
    write({ type: 'kv.delete', Key: 'a/x' });
    seen.push(sm.kv.list('a/').index);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(sm.kv.list('a/').value).toEqual([]);
  });

  it('a single key answers its ModifyIndex; a missing key the table index', () => {
    const { sm, write } = machine();
    write({ type: 'kv.set', Key: 'k', Value: bytes('v'), Flags: '0' });
    write({ type: 'kv.set', Key: 'other', Value: null, Flags: '0' });
    expect(sm.kv.get('k').index).toBe(1);
    expect(sm.kv.get('k').value?.CreateIndex).toBe(1);
    expect(sm.kv.get('missing').index).toBe(2);
    write({ type: 'kv.delete', Key: 'k' });
    expect(sm.kv.get('k')).toEqual({ index: 3, value: undefined });
  });

  it('lists by string prefix, sorted, and cuts keys at the separator', () => {
    const { sm, write } = machine();
    for (const k of ['base/foo', 'base/base/x', 'base/base/y', 'foo1', 'foo', 'base/zz/q'])
      write({ type: 'kv.set', Key: k, Value: bytes(k), Flags: '0' });
    expect(sm.kv.list('foo').value.map((e) => e.Key)).toEqual(['foo', 'foo1']);
    expect(sm.kv.keys('base/', '/').value).toEqual(['base/base/', 'base/foo', 'base/zz/']);
    expect(sm.kv.keys('', '').value).toHaveLength(6);
    write({ type: 'kv.delete-tree', Key: 'base/' });
    expect(sm.kv.keys('', '').value).toEqual(['foo', 'foo1']);
    expect(sm.kv.list('base/').index).toBe(7);
  });
});

describe('KV commands', () => {
  it('cas: 0 means only if absent, N only if ModifyIndex is N', () => {
    const { sm, write } = machine();
    expect(write({ type: 'kv.cas', Key: 'c', Value: bytes('a'), Flags: '0', Index: 0 })).toBe(true);
    expect(write({ type: 'kv.cas', Key: 'c', Value: bytes('b'), Flags: '0', Index: 0 })).toBe(false);
    expect(write({ type: 'kv.cas', Key: 'c', Value: bytes('b'), Flags: '0', Index: 99 })).toBe(false);
    expect(write({ type: 'kv.cas', Key: 'c', Value: bytes('b'), Flags: '0', Index: 1 })).toBe(true);
    expect(text(sm.kv.get('c').value!.Value)).toBe('b');
    expect(write({ type: 'kv.delete-cas', Key: 'c', Index: 1 })).toBe(false);
    expect(write({ type: 'kv.delete-cas', Key: 'c', Index: 4 })).toBe(true);
    expect(write({ type: 'kv.delete-cas', Key: 'c', Index: 4 })).toBe(true);
  });

  it('keeps uint64 flags exactly and stores empty values as null', () => {
    const { sm, write } = machine();
    const flags = parseUint64('16210313421097356768')!;
    write({ type: 'kv.set', Key: 'f', Value: new Uint8Array(0), Flags: flags });
    expect(sm.kv.get('f').value).toMatchObject({ Flags: '16210313421097356768', Value: null, LockIndex: 0, Session: '' });
    expect(parseUint64('18446744073709551616')).toBeUndefined();
    expect(parseUint64('-1')).toBeUndefined();
    expect(parseUint64('007')).toBe('7');
  });

  it('does not keep a large buffer alive through a small view', () => {
    const { sm, write } = machine();
    const big = new Uint8Array(65536).fill(7);
    write({ type: 'kv.set', Key: 'v', Value: big.subarray(10, 20), Flags: '0' });
    const stored = sm.kv.get('v').value!.Value!;
    expect(stored.buffer.byteLength).toBe(10);
    expect([...stored]).toEqual(Array(10).fill(7));
  });

  it('refuses indexes that do not increase and unknown commands', () => {
    const { sm, write } = machine();
    write({ type: 'kv.set', Key: 'a', Value: null, Flags: '0' });
    expect(() => sm.apply({ type: 'kv.delete', Key: 'a' }, 1)).toThrow(StateMachineError);
    expect(sm.apply({ type: 'nope' } as unknown as Command, 2)).toEqual({ error: 'unknown command type nope' });
    expect(sm.lastIndex).toBe(2);
  });
});

describe('watches', () => {
  it('wakes a key watcher for its key only, and prefix watchers for keys under them', () => {
    const { sm, write } = machine();
    const fired: string[] = [];
    const wsKey = new WatchSet();
    sm.kv.get('app/config', wsKey);
    const cancelKey = sm.watches.subscribe(wsKey, () => fired.push('key'));
    const wsPrefix = new WatchSet();
    sm.kv.list('app/', wsPrefix);
    const cancelPrefix = sm.watches.subscribe(wsPrefix, () => fired.push('prefix'));
    const wsCatalog = new WatchSet();
    sm.catalog.nodeList({}, wsCatalog);
    const cancelCatalog = sm.watches.subscribe(wsCatalog, () => fired.push('catalog'));

    write({ type: 'kv.set', Key: 'unrelated', Value: null, Flags: '0' });
    expect(fired).toEqual([]);
    write({ type: 'kv.set', Key: 'app/other', Value: null, Flags: '0' });
    expect(fired).toEqual(['prefix']);
    write({ type: 'kv.set', Key: 'app/config', Value: null, Flags: '0' });
    expect(fired).toEqual(['prefix', 'key']);
    cancelKey();
    cancelPrefix();
    cancelCatalog();
    expect(sm.watches.size).toBe(0);
  });

  it('delete-tree wakes watchers of keys and prefixes inside the tree', () => {
    const { sm, write } = machine();
    write({ type: 'kv.set', Key: 'a/b/c', Value: null, Flags: '0' });
    const fired: string[] = [];
    const ws1 = new WatchSet();
    sm.kv.get('a/b/c', ws1);
    sm.watches.subscribe(ws1, () => fired.push('key'));
    const ws2 = new WatchSet();
    sm.kv.list('a/b/', ws2);
    sm.watches.subscribe(ws2, () => fired.push('inner'));
    const ws3 = new WatchSet();
    sm.kv.list('z/', ws3);
    sm.watches.subscribe(ws3, () => fired.push('other'));
    write({ type: 'kv.delete-tree', Key: 'a/' });
    expect(fired.sort()).toEqual(['inner', 'key']);
  });
});

describe('snapshots', () => {
  it('restores every table, index and tombstone', () => {
    const { sm, write } = machine();
    write({ type: 'kv.set', Key: 'x', Value: bytes('hello'), Flags: '3304740253564472344' });
    write({ type: 'kv.set', Key: 'gone/1', Value: null, Flags: '0' });
    write({ type: 'kv.delete', Key: 'gone/1' });
    write({
      type: 'catalog.register',
      Node: 'n1',
      Address: '10.0.0.1',
      Datacenter: 'dc1',
      Service: { ID: 'web1', Service: 'web', Tags: ['v1'], Port: 80 },
      Check: { CheckID: 'service:web1', Name: 'web check', ServiceID: 'web1', Status: 'passing' },
    });
    const copy = new StateMachine();
    let woke = false;
    const ws = new WatchSet();
    copy.kv.get('x', ws);
    copy.watches.subscribe(ws, () => (woke = true));
    copy.restore(sm.snapshot());
    expect(woke).toBe(true);
    expect(copy.lastIndex).toBe(4);
    expect(text(copy.kv.get('x').value!.Value)).toBe('hello');
    expect(copy.kv.get('x').value!.Flags).toBe('3304740253564472344');
    expect(copy.kv.list('gone/').index).toBe(3);
    expect(copy.catalog.checkServiceNodes('web')).toEqual(sm.catalog.checkServiceNodes('web'));
    expect(copy.catalog.serviceList()).toEqual(sm.catalog.serviceList());
    expect(() => copy.restore(new Uint8Array([0xc1]))).toThrow(StateMachineError);
  });
});
