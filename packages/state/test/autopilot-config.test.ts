// autopilot.set through the state machine: the leader's first write only when none is stored, ?cas against
// ModifyIndex, every replica refusing a malformed row alike, and the row surviving a snapshot.
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOPILOT_CONFIG, StateMachine } from '../src/index.js';

describe('autopilot configuration in the state machine', () => {
  it('stores, compares and replaces the row', () => {
    const sm = new StateMachine();
    expect(sm.autopilot.get()).toBeUndefined();
    // CAS against nothing stored fails, as Consul's state store answers.
    expect(sm.apply({ type: 'autopilot.set', Config: DEFAULT_AUTOPILOT_CONFIG, Cas: 0 }, 1)).toBe(false);
    expect(sm.apply({ type: 'autopilot.set', Config: DEFAULT_AUTOPILOT_CONFIG, InitOnly: true }, 2)).toBe(true);
    expect(sm.autopilot.get()).toMatchObject({ CleanupDeadServers: true, CreateIndex: 2, ModifyIndex: 2 });
    // A second leader's initial write keeps the first.
    expect(sm.apply({ type: 'autopilot.set', Config: { ...DEFAULT_AUTOPILOT_CONFIG, MaxTrailingLogs: 1 }, InitOnly: true }, 3)).toBe(false);
    expect(sm.autopilot.get()!.MaxTrailingLogs).toBe(250);
    const off = { ...DEFAULT_AUTOPILOT_CONFIG, CleanupDeadServers: false };
    expect(sm.apply({ type: 'autopilot.set', Config: off, Cas: 1 }, 4)).toBe(false);
    expect(sm.apply({ type: 'autopilot.set', Config: off, Cas: 2 }, 5)).toBe(true);
    expect(sm.autopilot.get()).toMatchObject({ CleanupDeadServers: false, CreateIndex: 2, ModifyIndex: 5 });
    expect(sm.apply({ type: 'autopilot.set', Config: { ...off, MaxTrailingLogs: -1 } }, 6)).toEqual({
      error: 'command refused: autopilot MaxTrailingLogs must be a non-negative integer',
    });
    expect(sm.apply({ type: 'autopilot.set', Config: 'x' } as never, 7)).toEqual({ error: 'malformed autopilot.set command: Config must be object' });
    const copy = new StateMachine();
    copy.restore(sm.snapshot());
    expect(copy.autopilot.get()).toEqual(sm.autopilot.get());
  });
});
