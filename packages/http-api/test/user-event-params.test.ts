// Fire-request validation and the event list's blocking index (moved here from @conclave/state).
import { describe, expect, it } from 'vitest';
import { UserEventError, userEventIndex, validateFireParams, type UserEvent } from '../src/index.js';

const ev = (ID: string, Name = 'deploy'): UserEvent => ({
  ID, Name, Payload: null, NodeFilter: '', ServiceFilter: '', TagFilter: '', Version: 1, LTime: 1,
});

describe('user event parameters', () => {
  it('indexes a list by the last UUID halves XORed, as uint64 beyond 2^53; 1 when empty', () => {
    expect(userEventIndex([])).toBe(1n);
    const id = 'ffffffff-ffff-ffff-0000-000000000001';
    expect(userEventIndex([ev('00000000-0000-0000-0000-000000000000'), ev(id)])).toBe(0xfffffffffffffffen);
    expect(userEventIndex([ev(id)]).toString()).toBe('18446744073709551614');
  });

  it('refuses bad filters and oversized events with Consul messages', () => {
    const bad = { Name: 'x', Payload: null, NodeFilter: '(', ServiceFilter: '', TagFilter: '' };
    expect(() => validateFireParams(bad)).toThrow(UserEventError);
    expect(() => validateFireParams({ ...bad, NodeFilter: '', TagFilter: 'x' })).toThrow('cannot provide tag filter without service filter');
    expect(() => validateFireParams({ ...bad, NodeFilter: '', Payload: new Uint8Array(600) })).toThrow('exceeds configured limit');
    expect(() => validateFireParams({ ...bad, NodeFilter: 'ok', ServiceFilter: 'db', TagFilter: 'prim' })).not.toThrow();
  });
});
