// The agent's user-event buffer and gossip codec (moved here from @conclave/state).
import { describe, expect, it } from 'vitest';
import { UserEventError } from '@conclave/http-api';
import { LocalUserEvents, UserEventBuffer, decodeUserEvent, encodeUserEvent, eventTargetsAgent, type UserEvent } from '../src/user-events.js';

const ev = (ID: string, Name = 'deploy'): UserEvent => ({
  ID, Name, Payload: null, NodeFilter: '', ServiceFilter: '', TagFilter: '', Version: 1, LTime: 1,
});

describe('user events', () => {
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
    // Go's regexp syntax (RE2), run in linear time: \pL, (?P<name>), and the ReDoS pattern over a long name.
    expect(eventTargetsAgent({ ...base, NodeFilter: '^(?P<role>\\pL+)-node' }, 'my-node-1', services)).toBe(true);
    expect(eventTargetsAgent({ ...base, NodeFilter: '(a+)+$' }, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!', services)).toBe(false);
  });

  it('fires locally with an ID and LTime on delivery, keeping only events that target this agent', async () => {
    const events = new LocalUserEvents({ node: 'n1', services: () => [] });
    const fired = await events.fire({ Name: 'deploy', Payload: new Uint8Array([1, 2]), NodeFilter: '', ServiceFilter: '', TagFilter: '' });
    expect(fired).toMatchObject({ Name: 'deploy', Version: 1, LTime: 0 });
    expect(events.list()).toEqual([{ ...fired, LTime: 1 }]);
    await events.fire({ Name: 'elsewhere', Payload: null, NodeFilter: 'other', ServiceFilter: '', TagFilter: '' });
    expect(events.list()).toHaveLength(1);
  });

  it('answers a broadcast that fails with UserEventError', async () => {
    const events = new LocalUserEvents({ node: 'n1', services: () => [], broadcast: () => { throw new Error('no gossip'); } });
    await expect(events.fire({ Name: 'x', Payload: null, NodeFilter: '', ServiceFilter: '', TagFilter: '' })).rejects.toThrow(UserEventError);
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

