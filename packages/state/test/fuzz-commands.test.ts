// Property-based fuzzing of the replicated state machine with hostile commands. Every server applies every
// committed command, and a command reaches the log from an RPC peer (`apply`), not only from the HTTP layer's
// validated paths: a command whose fields have the wrong types must be refused as a result, never thrown, or one
// bad entry would stop every server at the same index forever. The property: apply() never throws for any
// command at the next index, and the state stays readable and snapshots round-trip afterwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzOptions } from '@conclave/test-support/fuzz';
import { StateMachine } from '../src/index.js';

const TYPES = [
  'kv.set',
  'kv.cas',
  'kv.delete',
  'kv.delete-cas',
  'kv.delete-tree',
  'kv.lock',
  'kv.unlock',
  'kv.txn',
  'kv.reap-tombstones',
  'session.create',
  'session.destroy',
  'catalog.register',
  'catalog.deregister',
  'catalog.check-status',
  'txn',
  'snapshot.restore',
  'nonsense',
];
const FIELDS = ['Key', 'Value', 'Flags', 'Index', 'Session', 'Ops', 'Node', 'Address', 'Service', 'Check', 'Checks', 'ID', 'Name', 'Behavior', 'TTL', 'LockDelay', 'NodeChecks', 'ServiceChecks', 'Now', 'State', 'Status', 'CheckID', 'ServiceID', 'Output', 'Tags', 'Port', 'Meta', 'NodeMeta', 'TaggedAddresses', 'SkipNodeUpdate', 'Datacenter', 'Verb', 'KV', 'Txn', 'Prefix', 'Keys'];

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'web', 'node1', 'a/b', '1', '-1', 'delete', 'set', 'cas', 'lock', 'get', 'release', 'passing', 'critical'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 8 }),
  fc.bigInt(),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('v'), { maxKeys: 5 }),
  ),
})).v;
const command = fc.tuple(fc.constantFrom(...TYPES), fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 })).map(([type, fields]) => ({ ...fields, type }));
const notAnObject = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));

describe('StateMachine.apply under hostile commands', () => {
  // Found by this suite on its first run: a session.create without a Session object threw a TypeError from inside
  // apply (an `apply` RPC can put such an entry in the log, and every server would then stop at it).
  it('regression: malformed commands are refused as results, the same on every replica', () => {
    const sm = new StateMachine();
    expect(sm.apply({ type: 'session.create', Address: '{GG#', Node: null } as never, 1)).toEqual({ error: 'malformed session.create command: Session is missing' });
    expect(sm.apply({ type: 'kv.set', Key: 7 } as never, 2)).toEqual({ error: 'malformed kv.set command: Key must be string' });
    expect(sm.apply({ type: 'kv.txn', Ops: [{ KV: 'x' }, null] } as never, 3)).toMatchObject({ error: expect.any(String) });
    expect(sm.apply({ type: 'kv.set', Key: 'ok', Value: null, Flags: '0' } as never, 4)).toBe(true);
  });

  it('never throws, and the state stays readable and snapshots round-trip', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 9, arbitrary: command }, { weight: 1, arbitrary: notAnObject }), { minLength: 1, maxLength: 25 }), (commands) => {
        const sm = new StateMachine();
        let index = 0;
        for (const c of commands) sm.apply(c as never, ++index);
        expect(sm.maxIndex()).toBeGreaterThanOrEqual(0);
        const copy = new StateMachine();
        copy.restore(sm.snapshot());
        expect(Buffer.from(copy.snapshot())).toEqual(Buffer.from(sm.snapshot()));
      }),
      fuzzOptions(500),
    );
  });
});
