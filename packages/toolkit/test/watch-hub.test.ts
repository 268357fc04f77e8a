import { describe, expect, it } from 'vitest';
import { WatchHub, WatchSet, type Waiter } from '../src/index.js';

function watching(topics: string[], prefixes: string[] = []): WatchSet {
  const ws = new WatchSet();
  for (const t of topics) ws.addTopic(t);
  for (const p of prefixes) ws.addPrefix(p);
  return ws;
}

describe('WatchHub', () => {
  it('fires a parked waiter once, for a change to any topic or prefix it watches, and forgets it', () => {
    const hub = new WatchHub();
    const fired: string[] = [];
    const waiter: Waiter = { done: true, fire: () => fired.push('w') };
    const ws = watching(['kv.key:a', 'catalog.services'], ['app/']);
    hub.park(ws, waiter);
    expect(waiter.done).toBe(false);
    expect(hub.size).toBe(3);
    hub.notifyTopic('catalog.nodes');
    expect(fired).toEqual([]);
    hub.notifyKey('kv.key:app/x', 'app/x');
    expect(fired).toEqual(['w']);
    expect(waiter.done).toBe(true);
    // Fired, it stays in the other sets until unparked, but never fires twice.
    hub.notifyTopic('catalog.services');
    expect(fired).toEqual(['w']);
    hub.unpark(ws, waiter);
    expect(hub.size).toBe(0);
  });

  it('an unparked waiter is not fired, and the same waiter can park again', () => {
    const hub = new WatchHub();
    let n = 0;
    const waiter: Waiter = { done: true, fire: () => n++ };
    const ws = watching(['t']);
    hub.park(ws, waiter);
    hub.unpark(ws, waiter);
    hub.unpark(ws, waiter); // twice is harmless
    hub.notifyTopic('t');
    expect(n).toBe(0);
    hub.park(watching(['t']), waiter);
    hub.notifyTopic('t');
    expect(n).toBe(1);
  });

  it('subscribe() is park with a waiter of its own', () => {
    const hub = new WatchHub();
    let n = 0;
    const cancel = hub.subscribe(watching(['t']), () => n++);
    hub.notifyTopic('t');
    hub.notifyTopic('t');
    cancel();
    expect(n).toBe(1);
    expect(hub.size).toBe(0);
  });
});
