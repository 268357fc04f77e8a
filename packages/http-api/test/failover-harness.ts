// The harness for sessions, txn, events and snapshots: a real StateMachine behind a real HTTP server, with
// the leader's session TTL timers and a local user-event buffer wired as the agent wires them.

import { randomUUID } from 'node:crypto';
import { SessionTimers, StateMachine } from '@conclave/state';
import type { Command, CommandResult } from '@conclave/state';
import { createHttpApi } from '../src/index.js';
import type { ApiBackend, EventBackend, HttpApi, UserEvent } from '../src/index.js';
import { applyingLog, recordingAgent } from './harness.js';

export interface FailoverHarness {
  api: HttpApi;
  state: StateMachine;
  base: string;
  port: number;
  timers: SessionTimers;
  events: EventBackend;
  write(cmd: Command): Promise<CommandResult>;
  /** The clock stamped on commands; tests move it to step through lock-delays. */
  clock: { now: number };
  close(): Promise<void>;
}

export async function startFailoverHarness(): Promise<FailoverHarness> {
  const state = new StateMachine();
  const clock = { now: 1_700_000_000_000 };
  const log = applyingLog(state);
  const write = log.write;
  const timers = new SessionTimers({ state, propose: write, now: () => clock.now });
  const events = memoryEvents();
  const backend: ApiBackend = {
    state,
    log,
    leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: '127.0.0.1:8300' }),
    peers: () => ['127.0.0.1:8300'],
    agent: recordingAgent([]),
    datacenter: 'dc1',
    nodeName: 'node1',
    sessionTimers: timers,
    events,
    now: () => clock.now,
  };
  await write({
    type: 'catalog.register',
    Node: 'node1',
    Address: '127.0.0.1',
    Datacenter: 'dc1',
    Service: { ID: 'consul', Service: 'consul', Port: 8300 },
    Checks: [
      { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' },
      { CheckID: 'mem', Name: 'mem', Status: 'passing' },
    ],
  });
  timers.start();
  const api = createHttpApi(backend);
  const addr = await api.listen(0, '127.0.0.1');
  return {
    api,
    state,
    port: addr.port,
    base: `http://127.0.0.1:${addr.port}`,
    timers,
    events,
    write,
    clock,
    close: async () => {
      timers.stop();
      await api.close();
    },
  };
}

/** The agent's event buffer at its simplest: every event is kept, LTime counts, subscribers wake once. */
function memoryEvents(): EventBackend {
  const list: UserEvent[] = [];
  let waiters: Array<() => void> = [];
  return {
    async fire(p) {
      const ev: UserEvent = { ID: randomUUID(), ...p, Version: 1, LTime: 0 };
      list.push({ ...ev, LTime: list.length + 1 });
      const w = waiters;
      waiters = [];
      for (const f of w) f();
      return ev;
    },
    list: (name) => (name ? list.filter((e) => e.Name === name) : [...list]),
    subscribe(fire) {
      waiters.push(fire);
      return () => void (waiters = waiters.filter((f) => f !== fire));
    },
  };
}
