import { DecodeError } from '@conclave/toolkit';
import { describe, expect, it } from 'vitest';
import {
  SessionRequestError,
  SessionTimers,
  StateMachine,
  decodeSessionRequest,
  isKvTxnResult,
} from '../src/index.js';
import type { Command, KvTxnOp, SessionInput } from '../src/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const T0 = 1_700_000_000_000;

function machine() {
  const sm = new StateMachine();
  let index = 0;
  const write = (cmd: Command) => sm.apply(cmd, ++index);
  write({
    type: 'catalog.register',
    Node: 'n1',
    Address: '127.0.0.1',
    Checks: [
      { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' },
      { CheckID: 'disk', Name: 'disk', Status: 'passing' },
    ],
    Service: { ID: 'db', Service: 'db' },
  });
  write({ type: 'catalog.register', Node: 'n1', Address: '127.0.0.1', SkipNodeUpdate: true, Check: { CheckID: 'svc', Name: 'svc', ServiceID: 'db', Status: 'passing' } });
  const session = (id: string, over: Partial<SessionInput> = {}, now = T0) =>
    write({
      type: 'session.create',
      Now: now,
      Session: { ID: id, Name: '', Node: 'n1', LockDelay: 15e9, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null, ...over },
    });
  const lock = (key: string, sess: string, now = T0, value = 'v') =>
    write({ type: 'kv.lock', Key: key, Value: bytes(value), Flags: '0', Session: sess, Now: now });
  return { sm, write, session, lock, index: () => index };
}

describe('session create request decoding', () => {
  it('applies Consul defaults and keeps the TTL as sent', () => {
    expect(decodeSessionRequest(undefined, { node: 'a' })).toEqual({
      Name: '', Node: 'a', LockDelay: 15e9, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null,
    });
    const d = decodeSessionRequest({ name: 'x', ttl: '15.0s', lockdelay: '5s', behavior: 'delete' }, { node: 'a' });
    expect(d).toMatchObject({ Name: 'x', TTL: '15.0s', LockDelay: 5e9, Behavior: 'delete' });
  });

  it('reads a lock-delay below 1000 as seconds and caps it at 60s', () => {
    expect(decodeSessionRequest({ LockDelay: 30 }, { node: 'a' }).LockDelay).toBe(30e9);
    expect(decodeSessionRequest({ LockDelay: '2m' }, { node: 'a' }).LockDelay).toBe(60e9);
  });

  it('drops serfHealth whenever a checks key is present, and maps legacy Checks to node checks', () => {
    expect(decodeSessionRequest({ checks: [] }, { node: 'a' }).NodeChecks).toEqual([]);
    expect(decodeSessionRequest({ ServiceChecks: [{ ID: 'svc' }] }, { node: 'a' })).toMatchObject({
      NodeChecks: null,
      ServiceChecks: [{ ID: 'svc', Namespace: '' }],
    });
    expect(decodeSessionRequest({ Checks: ['disk'], NodeChecks: ['serfHealth'] }, { node: 'a' }).NodeChecks).toEqual(['serfHealth', 'disk']);
  });

  it("refuses TTLs outside [10s, 24h] and unknown behaviors with Consul's words", () => {
    expect(() => decodeSessionRequest({ TTL: '5s' }, { node: 'a' })).toThrow(
      new SessionRequestError("Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"),
    );
    expect(() => decodeSessionRequest({ TTL: '25h' }, { node: 'a' })).toThrow(SessionRequestError);
    expect(() => decodeSessionRequest({ Behavior: 'keep' }, { node: 'a' })).toThrow("Invalid Behavior setting 'keep'");
    expect(() => decodeSessionRequest({ TTL: 'soon' }, { node: 'a' })).toThrow(DecodeError);
    expect(() => decodeSessionRequest([], { node: 'a' })).toThrow(DecodeError);
  });
});

describe('sessions in the state machine', () => {
  it('refuses unknown nodes, missing and critical checks', () => {
    const { write, session } = machine();
    expect(session('s1', { Node: 'nope' })).toEqual({ error: 'Missing node registration' });
    expect(session('s1', { NodeChecks: ['gone'] })).toEqual({ error: "Missing check 'gone' registration" });
    write({ type: 'catalog.check-status', Node: 'n1', CheckID: 'disk', Status: 'critical', Output: '' });
    expect(session('s1', { NodeChecks: ['disk'] })).toEqual({ error: "Check 'disk' is in critical state" });
    expect(session('s1')).toBe(true);
    expect(session('s1')).toEqual({ error: "Session 's1' already exists" });
  });

  it('lists, finds by node and bumps the table index', () => {
    const { sm, session, index } = machine();
    session('b');
    session('a');
    expect(sm.sessions.list().value.map((s) => s.ID)).toEqual(['a', 'b']);
    expect(sm.sessions.byNodeName('n1').value).toHaveLength(2);
    expect(sm.sessions.byNodeName('other').value).toEqual([]);
    expect(sm.sessions.info('a')).toEqual({ index: index(), value: [expect.objectContaining({ ID: 'a', CreateIndex: index() })] });
    expect(sm.sessions.info('zz').value).toEqual([]);
  });

  it('acquire, re-acquire, contention and release with LockIndex and Session', () => {
    const { sm, write, session, lock } = machine();
    session('s1');
    session('s2');
    expect(lock('k', 'nope')).toEqual({ error: 'invalid session "nope"' });
    expect(lock('k', 's1')).toBe(true);
    expect(sm.kv.get('k').value).toMatchObject({ LockIndex: 1, Session: 's1' });
    expect(lock('k', 's1', T0, 'again')).toBe(true);
    expect(sm.kv.get('k').value).toMatchObject({ LockIndex: 1, Session: 's1' });
    expect(lock('k', 's2')).toBe(false);
    // A plain set keeps the holder.
    write({ type: 'kv.set', Key: 'k', Value: bytes('plain'), Flags: '0' });
    expect(sm.kv.get('k').value?.Session).toBe('s1');
    expect(write({ type: 'kv.unlock', Key: 'k', Value: bytes('x'), Flags: '0', Session: 's2' })).toBe(false);
    expect(write({ type: 'kv.unlock', Key: 'k', Value: bytes('released'), Flags: '0', Session: 's1' })).toBe(true);
    expect(sm.kv.get('k').value).toMatchObject({ LockIndex: 1, Session: '' });
    expect(lock('k', 's2')).toBe(true);
    expect(sm.kv.get('k').value).toMatchObject({ LockIndex: 2, Session: 's2' });
  });

  it('destroy releases the keys (Behavior release) and enforces the lock-delay by the proposer clock', () => {
    const { sm, write, session, lock } = machine();
    session('s1', { LockDelay: 10e9 });
    session('s2');
    lock('a', 's1');
    write({ type: 'session.destroy', ID: 's1', Now: T0 + 1000 });
    expect(sm.sessions.get('s1')).toBeUndefined();
    expect(sm.kv.get('a').value).toMatchObject({ Session: '', LockIndex: 1 });
    expect(lock('a', 's2', T0 + 5000)).toBe(false);
    expect(lock('a', 's2', T0 + 11_001)).toBe(true);
    expect(sm.kv.get('a').value).toMatchObject({ Session: 's2', LockIndex: 2 });
  });

  it('Behavior delete removes the held keys', () => {
    const { sm, write, session, lock } = machine();
    session('s1', { Behavior: 'delete', LockDelay: 0 });
    lock('d/1', 's1');
    lock('d/2', 's1');
    write({ type: 'kv.set', Key: 'd/3', Value: null, Flags: '0' });
    write({ type: 'session.destroy', ID: 's1', Now: T0 });
    expect(sm.kv.keys('d/', '').value).toEqual(['d/3']);
  });

  it('a check going critical, or the node leaving, invalidates its sessions; the delay starts at the next timestamp', () => {
    const { sm, write, session, lock } = machine();
    session('node-bound', { NodeChecks: ['serfHealth'] });
    session('svc-bound', { NodeChecks: null, ServiceChecks: [{ ID: 'svc', Namespace: '' }], LockDelay: 5e9 });
    session('other', { NodeChecks: [] });
    lock('x', 'svc-bound');
    write({ type: 'catalog.check-status', Node: 'n1', CheckID: 'svc', Status: 'critical', Output: 'down' });
    expect(sm.sessions.list().value.map((s) => s.ID)).toEqual(['node-bound', 'other']);
    expect(sm.kv.get('x').value?.Session).toBe('');
    // Catalog commands carry no time: the delay runs from the first timestamped command after them.
    session('next', { NodeChecks: [] }, T0 + 60_000);
    expect(lock('x', 'next', T0 + 64_000)).toBe(false);
    expect(lock('x', 'next', T0 + 65_001)).toBe(true);
    write({ type: 'catalog.deregister', Node: 'n1' });
    expect(sm.sessions.list().value).toEqual([]);
  });

  it('snapshot and restore keep sessions, holders and delays', () => {
    const { sm, write, session, lock } = machine();
    session('s1');
    session('s2', { LockDelay: 20e9 });
    lock('a', 's1');
    lock('b', 's2');
    write({ type: 'session.destroy', ID: 's2', Now: T0 });
    const copy = new StateMachine();
    copy.restore(sm.snapshot());
    expect(copy.sessions.list().value).toEqual(sm.sessions.list().value);
    expect(copy.kv.get('a').value?.Session).toBe('s1');
    expect(copy.lastIndex).toBe(sm.lastIndex);
    let i = copy.lastIndex;
    copy.apply({ type: 'session.destroy', ID: 's1', Now: T0 }, ++i);
    expect(copy.kv.get('a').value?.Session).toBe('');
    expect(copy.apply({ type: 'session.create', Now: T0, Session: { ID: 's3', Name: '', Node: 'n1', LockDelay: 0, Behavior: 'release', TTL: '', NodeChecks: [], ServiceChecks: null } }, ++i)).toBe(true);
    expect(copy.apply({ type: 'kv.lock', Key: 'b', Value: null, Flags: '0', Session: 's3', Now: T0 + 1000 }, ++i)).toBe(false);
  });
});

describe('transactions', () => {
  const op = (Verb: string, Key: string, over: Partial<KvTxnOp> = {}): KvTxnOp => ({
    Verb, Key, Value: null, Flags: '0', Index: 0, Session: '', ...over,
  });

  it('applies every operation at one index and answers results without values for writes', () => {
    const { sm, write, index } = machine();
    write({ type: 'kv.set', Key: 't/old', Value: bytes('o'), Flags: '0' });
    const r = write({
      type: 'kv.txn',
      Now: T0,
      Ops: [op('set', 't/a', { Value: bytes('1'), Flags: '3304740253564472344' }), op('cas', 't/b', { Value: bytes('2') }), op('get', 't/a'), op('delete', 't/old'), op('get-tree', 't/')],
    });
    expect(isKvTxnResult(r)).toBe(true);
    if (!isKvTxnResult(r)) return;
    expect(r.Errors).toBeNull();
    expect(r.Results!.map((e) => [e.Key, e.Value === null, e.ModifyIndex])).toEqual([
      ['t/a', true, index()],
      ['t/b', true, index()],
      ['t/a', false, index()],
      ['t/a', false, index()],
      ['t/b', false, index()],
    ]);
    expect(sm.kv.get('t/a').value?.Flags).toBe('3304740253564472344');
    expect(sm.kv.get('t/old').value).toBeUndefined();
  });

  it('rolls back everything when any operation fails, reporting each failure', () => {
    const { sm, write } = machine();
    write({ type: 'kv.set', Key: 'r/k', Value: bytes('v'), Flags: '0' });
    const before = sm.kv.maxIndex();
    const r = write({
      type: 'kv.txn',
      Now: T0,
      Ops: [
        op('set', 'r/new', { Value: bytes('x') }),
        op('delete-tree', 'r/'),
        op('check-not-exists', 'r/k'),
        op('cas', 'r/k', { Index: 999 }),
        op('check-index', 'r/missing', { Index: 1 }),
        op('lock', 'r/l', { Session: 'ghost' }),
        op('bogus', 'r/k'),
      ],
    });
    expect(r).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 3, What: 'failed to set key "r/k", index is stale' },
        { OpIndex: 4, What: 'failed to check index, key "r/missing" doesn\'t exist' },
        { OpIndex: 5, What: 'invalid session "ghost"' },
        { OpIndex: 6, What: 'unknown KV verb "bogus"' },
      ],
    });
    expect(sm.kv.keys('r/', '').value).toEqual(['r/k']);
    expect(sm.kv.maxIndex()).toBe(before);
  });

  it('sees its own earlier writes, locks and unlocks with sessions, and reads without writing', () => {
    const { sm, write, session } = machine();
    session('s1');
    const r = write({
      type: 'kv.txn',
      Now: T0,
      Ops: [op('lock', 'l/k', { Session: 's1', Value: bytes('me') }), op('check-session', 'l/k', { Session: 's1' }), op('unlock', 'l/k', { Session: 's1' }), op('check-session', 'l/k', { Session: '' })],
    });
    expect(isKvTxnResult(r) && r.Errors).toBeNull();
    expect(sm.kv.get('l/k').value).toMatchObject({ LockIndex: 1, Session: '' });
    const ro = sm.readKvTxn([op('check-session', 'l/k', { Session: 's1' }), op('get', 'l/k')]);
    expect(ro.Errors).toEqual([{ OpIndex: 0, What: 'failed session check for key "l/k", current session "" != "s1"' }]);
  });
});

describe('session TTL timers', () => {
  it('propose a destroy for sessions that are not renewed, and follow the table', async () => {
    const { sm } = machine();
    let i = sm.lastIndex;
    const proposed: string[] = [];
    const timers = new SessionTimers({
      state: sm,
      propose: async (cmd) => {
        proposed.push(cmd.ID);
        sm.apply(cmd, ++i);
      },
    });
    sm.apply({ type: 'session.create', Now: T0, Session: { ID: 'ttl', Name: '', Node: 'n1', LockDelay: 0, Behavior: 'release', TTL: '0.01s', NodeChecks: [], ServiceChecks: null } }, ++i);
    timers.start();
    expect(timers.size).toBe(1);
    expect(timers.renew('ttl')?.ID).toBe('ttl');
    expect(timers.renew('nope')).toBeUndefined();
    for (let n = 0; n < 500 && proposed.length === 0; n++) await new Promise((r) => setTimeout(r, 10));
    expect(proposed).toEqual(['ttl']);
    expect(sm.sessions.get('ttl')).toBeUndefined();
    await Promise.resolve();
    expect(timers.size).toBe(0);
    // Sessions without a TTL get no timer; destroyed sessions lose theirs.
    sm.apply({ type: 'session.create', Now: T0, Session: { ID: 'plain', Name: '', Node: 'n1', LockDelay: 0, Behavior: 'release', TTL: '', NodeChecks: [], ServiceChecks: null } }, ++i);
    sm.apply({ type: 'session.create', Now: T0, Session: { ID: 'ttl2', Name: '', Node: 'n1', LockDelay: 0, Behavior: 'release', TTL: '10s', NodeChecks: [], ServiceChecks: null } }, ++i);
    await Promise.resolve();
    expect(timers.size).toBe(1);
    sm.apply({ type: 'session.destroy', ID: 'ttl2', Now: T0 }, ++i);
    await Promise.resolve();
    expect(timers.size).toBe(0);
    timers.stop();
  });
});
