import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { StateMachine, StateMachineError } from '../src/index.js';

const enc = new TextEncoder();
const set = (Key: string, v: string) => ({ type: 'kv.set' as const, Key, Value: enc.encode(v), Flags: '0' });

function filled(n: number): StateMachine {
  const sm = new StateMachine();
  for (let i = 0; i < n; i++) sm.apply(set(`k/${String(i).padStart(6, '0')}`, `v${i}`), i + 1);
  sm.apply({ type: 'catalog.register', Node: 'n1', Address: '10.0.0.1', Service: { Service: 'web', ID: 'web1', Port: 80 } } as never, n + 1);
  return sm;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return out;
}

function values(sm: StateMachine): Array<[string, string]> {
  return sm.kv.list('').value.map((e) => [e.Key, new TextDecoder().decode(e.Value ?? new Uint8Array())]);
}

describe('streamed state snapshots', () => {
  it('is a point-in-time view: writes made while it is read do not show in it', async () => {
    const sm = filled(5000);
    const before = values(sm);
    const stream = sm.snapshotStream()[Symbol.asyncIterator]();
    const chunks: Uint8Array[] = [];
    let index = sm.lastIndex;
    // Before the first chunk is read: the catalog too is as it was when the snapshot was taken.
    sm.apply({ type: 'catalog.register', Node: 'n1', Address: '10.0.0.9', Service: { Service: 'late', ID: 'late1', Port: 81 } } as never, ++index);
    // Interleave changes with reading: overwrite, delete, add, delete a tree.
    for (let r = await stream.next(), i = 0; !r.done; r = await stream.next(), i++) {
      chunks.push(r.value);
      if (i === 2) sm.apply(set('k/000000', 'changed'), ++index);
      if (i === 3) sm.apply({ type: 'kv.delete', Key: 'k/004999' }, ++index);
      if (i === 4) sm.apply(set('k/zzz-new', 'new'), ++index);
      if (i === 5) sm.apply({ type: 'kv.delete-tree', Key: 'k/001' }, ++index);
    }
    expect(chunks.length).toBeGreaterThan(4);
    const copy = new StateMachine();
    await copy.restoreStream((async function* () {
      yield* chunks;
    })());
    expect(values(copy)).toEqual(before);
    expect(copy.lastIndex).toBe(5001);
    expect(copy.catalog.serviceNodes('web').value).toHaveLength(1);
    expect(copy.catalog.serviceNodes('late').value).toHaveLength(0);
    expect(copy.catalog.nodeServices('n1').value?.Node.Address).toBe('10.0.0.1');
    // The live state did change.
    expect(sm.kv.get('k/000000').value?.Value).toEqual(enc.encode('changed'));
  });

  it('restores from chunks of any size, and the sync snapshot() bytes too', async () => {
    const sm = filled(3000);
    const bytes = Buffer.concat(await collect(sm.snapshotStream()));
    expect(Buffer.from(sm.snapshot()).equals(bytes)).toBe(true);
    const odd: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 7777) odd.push(bytes.subarray(at, at + 7777));
    const a = new StateMachine();
    await a.restoreStream((async function* () {
      yield* odd;
    })());
    const b = new StateMachine();
    await b.restoreStream(bytes);
    const c = new StateMachine();
    c.restore(bytes);
    for (const x of [a, b, c]) expect(values(x)).toEqual(values(sm));
  });

  it('leaves the state untouched when the stream is truncated or damaged', async () => {
    const bytes = Buffer.from(filled(3000).snapshot());
    const dst = filled(10);
    const before = values(dst);
    await expect(dst.restoreStream(bytes.subarray(0, bytes.length - 3))).rejects.toThrow(/truncated/);
    await expect(dst.restoreStream(bytes.subarray(0, bytes.length >> 1))).rejects.toThrow(StateMachineError);
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(0xffffffff, 4);
    await expect(dst.restoreStream(bad)).rejects.toThrow(/larger than/);
    expect(() => dst.restore(bytes.subarray(0, 100))).toThrow(StateMachineError);
    expect(values(dst)).toEqual(before);
    expect(dst.lastIndex).toBe(11);
  });

  it('still reads version 1 snapshots (one msgpack map)', async () => {
    const src = filled(20);
    const v1 = pack({ version: 1, lastIndex: src.lastIndex, catalog: src.catalog.snapshot(), kv: src.kv.snapshot(), sessions: src.sessions.snapshot() });
    const a = new StateMachine();
    a.restore(v1);
    const b = new StateMachine();
    await b.restoreStream(v1);
    expect(values(a)).toEqual(values(src));
    expect(values(b)).toEqual(values(src));
  });
});
