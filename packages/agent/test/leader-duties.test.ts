// Leader duties without processes: fake timers, a LocalLog on a real StateMachine for tombstone reaping.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StateMachine, type Command } from '@conclave/state';
import { LocalLog } from '../src/local-log.js';
import { LeaderDuties } from '../src/leader-duties.js';
import { TombstoneReaper } from '../src/tombstone-reaper.js';
import { memoryLogger } from './support.js';

describe('LeaderDuties', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(leader: boolean) {
    const state = new StateMachine();
    const log = new LocalLog((cmd: Command, i) => state.apply(cmd, i));
    const timers = { running: false, start: () => void (timers.running = true), stop: () => void (timers.running = false) };
    const reconciles: number[] = [];
    const lead = { now: leader };
    const duties = new LeaderDuties({
      isLeader: () => lead.now,
      reconciler: () => ({ reconcile: async () => void reconciles.push(Date.now()) }),
      sessionTimers: timers,
      tombstones: new TombstoneReaper(() => state.maxIndex(), (c) => log.propose(c), 1000),
      logger: memoryLogger(),
      reconcileIntervalMs: 100,
      tombstoneTickMs: 600,
    });
    return { state, log, timers, reconciles, lead, duties };
  }

  it('-dev: session timers at start, reconcile every interval', async () => {
    const { timers, reconciles, duties } = setup(true);
    duties.start(true);
    expect(timers.running).toBe(true);
    await vi.advanceTimersByTimeAsync(350);
    expect(reconciles).toHaveLength(3);
    duties.stop();
    expect(timers.running).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(reconciles).toHaveLength(3);
  });

  it('server: follows Raft leadership (reconcile at once, session timers on, off again)', async () => {
    const { timers, reconciles, lead, duties } = setup(false);
    duties.start(false);
    expect(timers.running).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    expect(reconciles).toHaveLength(0); // not the leader: nothing to reconcile
    lead.now = true;
    duties.onLeadership(true);
    expect(reconciles).toHaveLength(1);
    expect(timers.running).toBe(true);
    lead.now = false;
    duties.onLeadership(false);
    expect(timers.running).toBe(false);
    duties.stop();
  });

  it('reaps KV tombstones through the log once they are older than the TTL, only while leading', async () => {
    const { state, log, duties, lead } = setup(true);
    await log.propose({ type: 'kv.set', Key: 'a', Value: null, Flags: '0' });
    await log.propose({ type: 'kv.delete', Key: 'a' });
    const before = log.lastIndex();
    duties.start(true);
    await vi.advanceTimersByTimeAsync(600); // records the index
    expect(log.lastIndex()).toBe(before);
    await vi.advanceTimersByTimeAsync(1200); // 1.2 s later the recorded index is older than the 1 s TTL
    expect(log.lastIndex()).toBeGreaterThan(before);
    const reaped = log.lastIndex();
    lead.now = false;
    await vi.advanceTimersByTimeAsync(3000);
    expect(log.lastIndex()).toBe(reaped);
    expect(state.kv.get('a').value).toBeUndefined();
    duties.stop();
  });
});
