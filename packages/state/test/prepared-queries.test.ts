// The prepared query table inside the state machine: Consul's table-wide rules applied the same way on every
// replica, resolution by ID, name and template prefix, snapshots, and malformed commands refused, not thrown.
import { describe, expect, it } from 'vitest';
import { StateMachine, type QuerySetCommand } from '../src/index.js';

function def(ID: string, Name: string, template = false): QuerySetCommand['Query'] {
  return {
    ID,
    Name,
    Session: '',
    Token: '',
    Template: { Type: template ? 'name_prefix_match' : '', Regexp: '', RemoveEmptyTags: false },
    Service: { Service: 'db', Failover: { NearestN: 0, Datacenters: [] }, OnlyPassing: false, IgnoreCheckIDs: [], Near: '', Tags: [], NodeMeta: {}, ServiceMeta: {}, Connect: { Enabled: false } },
    DNS: { TTL: '' },
  };
}

describe('prepared query table', () => {
  it('stores, replaces and deletes by ID with Consul’s table rules', () => {
    const sm = new StateMachine();
    expect(sm.apply({ type: 'query.set', Query: def('id-1', 'db') }, 1)).toBe(true);
    expect(sm.apply({ type: 'query.set', Query: def('id-2', 'db') }, 2)).toEqual({ error: "name 'db' aliases an existing query name" });
    expect(sm.apply({ type: 'query.set', Query: def('id-2', 'id-1') }, 3)).toEqual({ error: "name 'id-1' aliases an existing query ID" });
    expect(sm.apply({ type: 'query.set', Query: { ...def('id-1', 'db'), DNS: { TTL: '5s' } } }, 4)).toBe(true);
    const q = sm.queries.get('id-1').value!;
    expect([q.CreateIndex, q.ModifyIndex, q.DNS.TTL]).toEqual([1, 4, '5s']);
    expect(sm.queries.get('id-1').index).toBe(4);
    expect(sm.maxIndex()).toBe(4);
    expect(sm.apply({ type: 'query.delete', ID: 'id-1' }, 5)).toBe(true);
    expect(sm.apply({ type: 'query.delete', ID: 'id-1' }, 6)).toEqual({ error: 'Query not found' });
    expect(sm.queries.list().value).toEqual([]);
  });

  it('binds queries to live sessions and deletes them when the session is invalidated by a critical check', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'catalog.register', Node: 'n1', Address: '10.0.0.1', Checks: [{ CheckID: 'serfHealth', Name: 'Serf', Status: 'passing' }] } as never, 1);
    expect(sm.apply({ type: 'query.set', Query: { ...def('q-1', 'bound'), Session: 's1' } }, 2)).toEqual({ error: 'invalid session "s1"' });
    sm.apply({ type: 'session.create', Now: 1, Session: { ID: 's1', Name: '', Node: 'n1', LockDelay: 0, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null } } as never, 3);
    expect(sm.apply({ type: 'query.set', Query: { ...def('q-1', 'bound'), Session: 's1' } }, 4)).toBe(true);
    expect(sm.apply({ type: 'query.set', Query: def('q-2', 'free') }, 5)).toBe(true);
    sm.apply({ type: 'catalog.register', Node: 'n1', Address: '10.0.0.1', Checks: [{ CheckID: 'serfHealth', Name: 'Serf', Status: 'critical' }] } as never, 6);
    expect(sm.sessions.info('s1').value).toEqual([]);
    expect(sm.queries.list().value.map((q) => q.ID)).toEqual(['q-2']);
    expect(sm.queries.list().index).toBe(6);
  });

  it('resolves an ID, then an exact name, then the longest template prefix', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'query.set', Query: def('t-all', '', true) }, 1);
    sm.apply({ type: 'query.set', Query: def('t-geo', 'geo-', true) }, 2);
    sm.apply({ type: 'query.set', Query: def('s-geo', 'geo-static') }, 3);
    expect(sm.apply({ type: 'query.set', Query: def('t-geo-2', 'geo-', true) }, 4)).toEqual({ error: "name 'geo-' aliases an existing query name" });
    expect(sm.apply({ type: 'query.set', Query: def('t-all-2', '', true) }, 5)).toEqual({ error: 'a query template with an empty name already exists' });
    expect(sm.queries.resolve('t-all').value!.ID).toBe('t-all');
    expect(sm.queries.resolve('geo-static').value!.ID).toBe('s-geo');
    expect(sm.queries.resolve('geo-web').value!.ID).toBe('t-geo');
    expect(sm.queries.resolve('web').value!.ID).toBe('t-all');
    sm.apply({ type: 'query.delete', ID: 't-all' }, 6);
    expect(sm.queries.resolve('web').value).toBeUndefined();
  });

  it('survives a snapshot and restores empty from one taken before prepared queries existed', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'query.set', Query: def('id-1', 'db') }, 1);
    const copy = new StateMachine();
    copy.restore(sm.snapshot());
    expect(copy.queries.get('id-1').value).toEqual(sm.queries.get('id-1').value);
    expect(copy.queries.resolve('db').value!.ID).toBe('id-1');
  });

  it('refuses malformed commands the same way on every replica', () => {
    const sm = new StateMachine();
    expect(sm.apply({ type: 'query.set' } as never, 1)).toEqual({ error: 'malformed query.set command: Query is missing' });
    expect(sm.apply({ type: 'query.set', Query: { ID: 'x' } } as never, 2)).toEqual({ error: 'malformed query.set command' });
    expect(sm.apply({ type: 'query.delete', ID: 7 } as never, 3)).toEqual({ error: 'malformed query.delete command: ID must be string' });
    expect(sm.apply({ type: 'query.bogus' } as never, 4)).toEqual({ error: 'unknown command type query.bogus' });
  });
});
