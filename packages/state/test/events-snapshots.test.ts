import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  LocalUserEvents,
  SnapshotArchiveError,
  StateMachine,
  UserEventBuffer,
  UserEventError,
  buildSnapshotArchive,
  decodeUserEvent,
  encodeUserEvent,
  eventTargetsAgent,
  readSnapshotArchive,
  userEventIndex,
} from '../src/index.js';
import type { UserEvent } from '../src/index.js';

const ev = (ID: string, Name = 'deploy'): UserEvent => ({
  ID, Name, Payload: null, NodeFilter: '', ServiceFilter: '', TagFilter: '', Version: 1, LTime: 1,
});

describe('user events', () => {
  it('indexes a list by the last UUID halves XORed, as uint64 beyond 2^53; 1 when empty', () => {
    expect(userEventIndex([])).toBe(1n);
    const id = 'ffffffff-ffff-ffff-0000-000000000001';
    expect(userEventIndex([ev('00000000-0000-0000-0000-000000000000'), ev(id)])).toBe(0xfffffffffffffffen);
    expect(userEventIndex([ev(id)]).toString()).toBe('18446744073709551614');
  });

  it('keeps the last 256, oldest first, filters by name and wakes subscribers once', () => {
    const buf = new UserEventBuffer();
    let woke = 0;
    buf.subscribe(() => woke++);
    for (let i = 0; i < 300; i++) buf.add(ev(`00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, i % 2 ? 'odd' : 'even'));
    expect(woke).toBe(1);
    const all = buf.list();
    expect(all).toHaveLength(256);
    expect(all[0]!.ID.endsWith('000000000044')).toBe(true);
    expect(buf.list('odd').every((e) => e.Name === 'odd')).toBe(true);
    buf.add(all[10]!);
    expect(buf.list()).toHaveLength(256);
  });

  it('matches node, service and tag filters as unanchored regexes', () => {
    const services = [{ ID: 'db-1', Service: 'db', Tags: ['primary'] }];
    const base = { Name: 'x', Payload: null, NodeFilter: '', ServiceFilter: '', TagFilter: '' };
    expect(eventTargetsAgent({ ...base, NodeFilter: 'node' }, 'my-node-1', services)).toBe(true);
    expect(eventTargetsAgent({ ...base, NodeFilter: '^web' }, 'my-node-1', services)).toBe(false);
    expect(eventTargetsAgent({ ...base, ServiceFilter: 'd.', TagFilter: 'prim' }, 'n', services)).toBe(true);
    expect(eventTargetsAgent({ ...base, ServiceFilter: 'db', TagFilter: 'replica' }, 'n', services)).toBe(false);
    expect(eventTargetsAgent({ ...base, ServiceFilter: 'web' }, 'n', services)).toBe(false);
  });

  it('fires locally with an ID, LTime on delivery, and refuses bad filters and oversized events', async () => {
    const events = new LocalUserEvents({ node: 'n1', services: () => [] });
    const fired = await events.fire({ Name: 'deploy', Payload: new Uint8Array([1, 2]), NodeFilter: '', ServiceFilter: '', TagFilter: '' });
    expect(fired).toMatchObject({ Name: 'deploy', Version: 1, LTime: 0 });
    expect(events.list()).toEqual([{ ...fired, LTime: 1 }]);
    await events.fire({ Name: 'elsewhere', Payload: null, NodeFilter: 'other', ServiceFilter: '', TagFilter: '' });
    expect(events.list()).toHaveLength(1);
    const bad = { Name: 'x', Payload: null, NodeFilter: '(', ServiceFilter: '', TagFilter: '' };
    await expect(events.fire(bad)).rejects.toThrow(UserEventError);
    await expect(events.fire({ ...bad, NodeFilter: '', TagFilter: 'x' })).rejects.toThrow('cannot provide tag filter without service filter');
    await expect(events.fire({ ...bad, NodeFilter: '', Payload: new Uint8Array(600) })).rejects.toThrow('exceeds configured limit');
  });
});

describe('user events through gossip', () => {
  it('broadcasts encoded events and keeps delivered ones that target this agent, LTime from gossip', async () => {
    const sent: Array<[string, Uint8Array]> = [];
    const events = new LocalUserEvents({ node: 'web-1', services: () => [], broadcast: (name, payload) => void sent.push([name, payload]) });
    const fired = await events.fire({ Name: 'deploy', Payload: new Uint8Array([7]), NodeFilter: 'web', ServiceFilter: '', TagFilter: '' });
    expect(events.list()).toEqual([]);
    expect(sent[0]![0]).toBe('consul:event:deploy');
    events.deliver(sent[0]![0], sent[0]![1], 42);
    events.deliver(sent[0]![0], sent[0]![1], 42);
    expect(events.list()).toEqual([{ ...fired, LTime: 42 }]);
    const other = { ...fired, ID: '11111111-2222-3333-4444-555555555555', NodeFilter: '^db' };
    events.deliver('consul:event:deploy', encodeUserEvent(other), 43);
    events.deliver('not-ours', encodeUserEvent({ ...other, NodeFilter: '' }), 44);
    events.deliver('consul:event:x', new Uint8Array([1, 0xc1]), 45);
    expect(events.list()).toHaveLength(1);
    expect(decodeUserEvent(new Uint8Array([9, 1, 2]), 1)).toBeUndefined();
  });
});

describe('snapshot archives', () => {
  it('round-trips the state through a verified gzipped tar', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'kv.set', Key: 'a', Value: new TextEncoder().encode('1'), Flags: '16210313421097356768' }, 1);
    const archive = buildSnapshotArchive(sm.snapshot(), sm.lastIndex);
    const tar = gunzipSync(archive).toString('latin1');
    expect(tar).toContain('meta.json');
    expect(tar).toContain('SHA256SUMS');
    const { meta, state } = readSnapshotArchive(archive);
    expect(meta).toMatchObject({ Index: 1, Version: 1 });
    const copy = new StateMachine();
    copy.restore(state);
    expect(copy.kv.get('a').value?.Flags).toBe('16210313421097356768');
  });

  it('refuses damaged and foreign archives', () => {
    const archive = buildSnapshotArchive(new StateMachine().snapshot(), 0);
    const tar = gunzipSync(archive);
    const dataAt = tar.indexOf(Buffer.from('state.bin')) + 512;
    const flipped = Buffer.from(tar);
    flipped[dataAt] ^= 0xff;
    expect(() => readSnapshotArchive(gzipSync(flipped))).toThrow(/checksum mismatch for state.bin/);
    expect(() => readSnapshotArchive(Buffer.from('not gzip'))).toThrow(SnapshotArchiveError);
    expect(() => readSnapshotArchive(gzipSync(tar.subarray(0, 700)))).toThrow(SnapshotArchiveError);
  });

  it('restores through the log at an index, like any command', () => {
    const src = new StateMachine();
    src.apply({ type: 'kv.set', Key: 'k', Value: null, Flags: '0' }, 1);
    const dst = new StateMachine();
    dst.apply({ type: 'kv.set', Key: 'other', Value: null, Flags: '0' }, 1);
    expect(dst.apply({ type: 'snapshot.restore', State: src.snapshot() }, 2)).toBe(true);
    expect(dst.lastIndex).toBe(2);
    expect(dst.kv.keys('', '').value).toEqual(['k']);
    expect(dst.apply({ type: 'snapshot.restore', State: new Uint8Array([1, 2, 3]) }, 3)).toMatchObject({ error: expect.any(String) });
    expect(dst.kv.keys('', '').value).toEqual(['k']);
  });
});
