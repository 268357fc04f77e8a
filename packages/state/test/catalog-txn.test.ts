import { describe, expect, it } from 'vitest';
import { StateMachine } from '../src/index.js';
import type { Command, TxnOp, TxnResult } from '../src/index.js';

function machine() {
  const sm = new StateMachine();
  let index = 0;
  const write = (cmd: Command) => sm.apply(cmd, ++index);
  write({ type: 'catalog.register', Node: 'n1', Address: '10.0.0.1', Check: { CheckID: 'serfHealth', Name: 'serf', Status: 'passing' } });
  return { sm, write };
}

const node = (name: string, over: Record<string, unknown> = {}) => ({
  ID: '', Node: name, Address: '10.0.0.9', Datacenter: 'dc1', TaggedAddresses: null, Meta: null, ModifyIndex: 0, ...over,
});

describe('transactions with catalog and session operations', () => {
  it('registers a node, a service and a check and sets a key at one index', () => {
    const { sm, write } = machine();
    const r = write({
      type: 'txn',
      Now: 1,
      Ops: [
        { Node: { Verb: 'set', Node: node('n2') } },
        { Service: { Verb: 'set', Node: 'n2', Service: { ID: 'db1', Service: 'db', Tags: ['primary'], Port: 5432, ModifyIndex: 0 } } },
        { Check: { Verb: 'set', Check: { Node: 'n2', CheckID: 'db-alive', Name: 'db', ServiceID: 'db1', Status: 'passing', ModifyIndex: 0 } } },
        { KV: { Verb: 'set', Key: 'cfg', Value: null, Flags: '0', Index: 0, Session: '' } },
        { Node: { Verb: 'get', Node: node('n2') } },
      ],
    }) as TxnResult;
    expect(r.Errors).toBeNull();
    expect(r.Results!.map((x) => Object.keys(x)[0])).toEqual(['Node', 'Service', 'Check', 'KV', 'Node']);
    const idx = sm.lastIndex;
    expect(sm.catalog.getService('n2', 'db1')).toMatchObject({ Service: 'db', ModifyIndex: idx });
    expect(sm.catalog.getCheck('n2', 'db-alive')?.ModifyIndex).toBe(idx);
    expect(sm.kv.get('cfg').value?.ModifyIndex).toBe(idx);
  });

  it('rolls back every table when one operation fails', () => {
    const { sm, write } = machine();
    const before = sm.snapshot();
    const ops: TxnOp[] = [
      { KV: { Verb: 'set', Key: 'gone', Value: null, Flags: '0', Index: 0, Session: '' } },
      { Node: { Verb: 'delete', Node: node('n1') } },
      { Service: { Verb: 'set', Node: 'ghost', Service: { ID: 'x', Service: 'x', ModifyIndex: 0 } } },
      { Node: { Verb: 'cas', Node: node('n1', { ModifyIndex: 999 }) } },
      { Check: { Verb: 'get', Check: { Node: 'n1', CheckID: 'nope', Name: '', ModifyIndex: 0 } } },
    ];
    const r = write({ type: 'txn', Now: 1, Ops: ops }) as TxnResult;
    expect(r).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 2, What: 'Missing node registration' },
        { OpIndex: 3, What: 'failed to set node "n1", index is stale' },
        { OpIndex: 4, What: 'check "nope" on node "n1" doesn\'t exist' },
      ],
    });
    expect(sm.catalog.getNode('n1')).toBeDefined();
    expect(sm.kv.get('gone').value).toBeUndefined();
    const copy = new StateMachine();
    copy.restore(before);
    expect(sm.catalog.nodeList().value).toEqual(copy.catalog.nodeList().value);
  });

  it('deletes sessions, and a check made critical in a transaction invalidates the sessions bound to it', () => {
    const { sm, write } = machine();
    const mk = (ID: string) =>
      write({ type: 'session.create', Now: 1, Session: { ID, Name: '', Node: 'n1', LockDelay: 0, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null } });
    mk('s1');
    mk('s2');
    write({ type: 'kv.lock', Key: 'l', Value: null, Flags: '0', Session: 's1', Now: 1 });
    const r = write({
      type: 'txn',
      Now: 2,
      Ops: [
        { Session: { Verb: 'delete', Session: { ID: 's1' } } },
        { Check: { Verb: 'set', Check: { Node: 'n1', CheckID: 'serfHealth', Name: 'serf', Status: 'critical', ModifyIndex: 0 } } },
      ],
    }) as TxnResult;
    expect(r.Errors).toBeNull();
    expect(sm.sessions.list().value).toEqual([]);
    expect(sm.kv.get('l').value?.Session).toBe('');
  });
});
