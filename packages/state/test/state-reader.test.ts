// StateReader is a compile-time promise: readers (the HTTP API, DNS) get queries, never mutators. The expected
// type errors below fail `npm test`'s typecheck the day a mutator becomes reachable through it.
import { describe, expect, it } from 'vitest';
import { StateMachine, type StateReader } from '../src/index.js';

describe('StateReader', () => {
  it('answers queries and read-only transactions from the state machine it views', () => {
    const sm = new StateMachine();
    sm.apply({ type: 'kv.set', Key: 'a', Value: null, Flags: '0' }, 1);
    const reader: StateReader = sm;
    expect(reader.kv.get('a').value?.ModifyIndex).toBe(1);
    expect(reader.readKvTxn([{ Verb: 'get', Key: 'a', Value: null, Flags: '0', Index: 0, Session: '' }]).Results?.[0]?.Key).toBe('a');
    expect(reader.maxIndex()).toBe(1);
  });

  it('reaches no mutator (checked by the typecheck)', () => {
    const reader: StateReader = new StateMachine();
    const mutators = [
      // @ts-expect-error apply is not a reader's
      reader.apply,
      // @ts-expect-error restore is not a reader's
      reader.restore,
      // @ts-expect-error the KV table's apply is not a reader's
      reader.kv.apply,
      // @ts-expect-error the catalog's restore is not a reader's
      reader.catalog.restore,
      // @ts-expect-error the session table's invalidate is not a reader's
      reader.sessions.invalidate,
      // @ts-expect-error waking waiters is the state machine's business
      reader.watches.notifyAll,
    ];
    expect(mutators.every((m) => typeof m === 'function')).toBe(true);
  });
});
