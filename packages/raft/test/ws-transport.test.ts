import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@conclave/test-support/wait-for';
import { WebSocket, WebSocketServer } from 'ws';
import { MessageType, WsTransport, type Message } from '../src/index.js';

const recvDir = mkdtempSync(join(tmpdir(), 'conclave-ws-snap-'));
afterAll(() => rmSync(recvDir, { recursive: true, force: true }));

/** A received snapshot's bytes, read back from the file it was received into. */
async function received(m: Message): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of m.snapshot!.source!.open()) parts.push(c);
  return Buffer.concat(parts);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open: WsTransport[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function node(id: string, port = 0) {
  const got: Message[] = [];
  const unreachable: string[] = [];
  const t = new WsTransport({ id, port, chunkBytes: 64 << 10, minBackoffMs: 20, maxBackoffMs: 200, snapshotDir: recvDir });
  open.push(t);
  await t.start({ onMessage: (m) => got.push(m), onUnreachable: (p) => unreachable.push(p) });
  return { t, got, unreachable, addr: `127.0.0.1:${t.address().port}` };
}

async function deadPort(): Promise<number> {
  const t = new WsTransport({ id: 'tmp' });
  const p = await t.listen();
  await t.close();
  return p;
}

const hb = (from: string, to: string, term = 1): Message => ({ type: MessageType.Heartbeat, from, to, term, commit: 0 });

describe('WsTransport', () => {
  it('an unreachable peer never blocks messages to the others, and is reported', async () => {
    const a = await node('a');
    const b = await node('b');
    a.t.setPeer('b', b.addr);
    a.t.setPeer('c', `127.0.0.1:${await deadPort()}`);
    for (let i = 0; i < 100; i++) a.t.send(hb('a', 'c'));
    a.t.send(hb('a', 'b'));
    await waitFor('b receives', () => b.got.length === 1, { timeoutMs: 8000 });
    await waitFor('c reported unreachable', () => a.unreachable.includes('c'), { timeoutMs: 8000 });
    expect(b.got[0]).toMatchObject({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 1 });
  });

  it('reconnects with backoff after the peer restarts', async () => {
    const a = await node('a');
    let b = await node('b');
    const port = b.t.address().port;
    a.t.setPeer('b', b.addr);
    a.t.send(hb('a', 'b'));
    await waitFor('first delivery', () => b.got.length === 1, { timeoutMs: 8000 });
    await b.t.close();
    open.splice(open.indexOf(b.t), 1);
    a.t.send(hb('a', 'b', 2));
    await sleep(50);
    b = await node('b', port);
    await waitFor('delivery after restart', () => {
      a.t.send(hb('a', 'b', 3));
      return b.got.some((m) => m.term === 3);
    }, { timeoutMs: 8000 });
  });

  it('reports a peer whose open connection drops at once, with nothing queued (a dead leader is noticed)', async () => {
    const a = await node('a');
    const b = await node('b');
    a.t.setPeer('b', b.addr);
    a.t.send(hb('a', 'b'));
    await waitFor('first delivery', () => b.got.length === 1, { timeoutMs: 8000 });
    expect(a.unreachable).toEqual([]);
    await b.t.close();
    open.splice(open.indexOf(b.t), 1);
    await waitFor('b reported unreachable', () => a.unreachable.includes('b'), { timeoutMs: 8000 });
  });

  it('streams a snapshot in chunks into a file and delivers it whole', async () => {
    const a = await node('a');
    const b = await node('b');
    a.t.setPeer('b', b.addr);
    const data = new Uint8Array(1_000_003).map((_, i) => i % 251);
    const meta = { index: 42, term: 3, conf: { voters: ['a', 'b'], learners: [] } };
    const ok = await a.t.sendSnapshot({ type: MessageType.Snap, from: 'a', to: 'b', term: 3, snapshot: { meta } }, { meta, data });
    expect(ok).toBe(true);
    const m = await waitFor('snapshot', () => b.got.find((x) => x.type === MessageType.Snap), { timeoutMs: 8000 });
    expect(m.snapshot!.meta).toEqual(meta);
    // Received into a file (16 chunks of 64 KiB), never as one buffer; the bytes are exactly what was sent.
    expect(m.snapshot!.data).toBeUndefined();
    expect(m.snapshot!.source!.size).toBe(data.length);
    expect(Buffer.compare(await received(m), Buffer.from(data))).toBe(0);
    await m.snapshot!.source!.discard!();
    expect(readdirSync(recvDir).filter((n) => n.startsWith('raft-snapshot-recv-b-'))).toEqual([]);
    // A snapshot to an unknown or dead peer fails cleanly.
    a.t.setPeer('c', `127.0.0.1:${await deadPort()}`);
    expect(await a.t.sendSnapshot({ type: MessageType.Snap, from: 'a', to: 'c', term: 3, snapshot: { meta } }, { meta, data })).toBe(false);
  });

  it('streams a snapshot from storage chunks; one that fails midway or is short is never delivered', async () => {
    const a = await node('a');
    const b = await node('b');
    a.t.setPeer('b', b.addr);
    const meta = { index: 7, term: 2, conf: { voters: ['a', 'b'], learners: [] } };
    const m: Message = { type: MessageType.Snap, from: 'a', to: 'b', term: 2, snapshot: { meta } };
    const stream = (parts: Uint8Array[], fail = false) => ({
      meta,
      size: 300_000,
      close: async () => undefined,
      chunks: (async function* () {
        yield* parts;
        if (fail) throw new Error('checksum');
      })(),
    });
    const part = new Uint8Array(150_000).fill(5);
    expect(await a.t.sendSnapshotStream(m, stream([part, part], true))).toBe(false);
    expect(await a.t.sendSnapshotStream(m, stream([part]))).toBe(false);
    await sleep(100);
    expect(b.got.filter((x) => x.type === MessageType.Snap)).toEqual([]);
    expect(await a.t.sendSnapshotStream(m, stream([part, part]))).toBe(true);
    const got = await waitFor('snapshot', () => b.got.find((x) => x.type === MessageType.Snap), { timeoutMs: 8000 });
    expect((await received(got)).length).toBe(300_000);
    await got.snapshot!.source!.discard!();
    // What the refused sends wrote is gone with their connections.
    await waitFor('no partial files left', () => readdirSync(recvDir).filter((n) => n.startsWith('raft-snapshot-recv-b-')).length === 0, { timeoutMs: 8000 });
  });

  it('refuses a snapshot chunk that is not where the last one ended, and delivers nothing', async () => {
    const b = await node('b');
    const { pack } = await import('msgpackr');
    const meta = { index: 9, term: 2, conf: { voters: ['a', 'b'], learners: [] } };
    const peer = new WebSocket(`ws://${b.addr}`);
    await new Promise((r) => peer.once('open', r));
    const closed = new Promise((r) => peer.once('close', r));
    peer.send(pack([1, 1, { type: MessageType.Snap, from: 'a', to: 'b', term: 2, snapshot: { meta } }, 200]));
    peer.send(pack([2, 1, Buffer.alloc(100, 1), 0]));
    peer.send(pack([2, 1, Buffer.alloc(100, 2), 150])); // a gap: offset 150, not 100
    peer.send(pack([3, 1]));
    await closed;
    await sleep(100);
    expect(b.got).toEqual([]);
    await waitFor('the partial file removed', () => readdirSync(recvDir).filter((n) => n.startsWith('raft-snapshot-recv-b-')).length === 0, { timeoutMs: 8000 });
  });

  it('cuts off a peer that sends garbage or malformed messages, and keeps serving others', async () => {
    const a = await node('a');
    const b = await node('b');
    const bad = new WebSocket(`ws://${b.addr}`);
    await new Promise((r) => bad.once('open', r));
    const closed = new Promise((r) => bad.once('close', r));
    bad.send(Buffer.from([0xc1, 0xff, 0x00]));
    await closed;
    const bad2 = new WebSocket(`ws://${b.addr}`);
    await new Promise((r) => bad2.once('open', r));
    const closed2 = new Promise((r) => bad2.once('close', r));
    // A well-formed frame whose message has a negative term.
    const { pack } = await import('msgpackr');
    bad2.send(pack([0, { type: 3, from: 'x', to: 'b', term: -1 }]));
    await closed2;
    expect(b.got).toEqual([]);
    a.t.setPeer('b', b.addr);
    a.t.send(hb('a', 'b'));
    await waitFor('good peer still served', () => b.got.length === 1, { timeoutMs: 8000 });
  });

  it('coalesces what one event-loop turn sends into one frame per peer, and flush() sends what is queued at once', async () => {
    const { unpack } = await import('msgpackr');
    const frames: unknown[][] = [];
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    server.on('connection', (ws) => ws.on('message', (raw) => frames.push(unpack(raw as Buffer) as unknown[])));
    const a = await node('a');
    a.t.setPeer('b', `127.0.0.1:${(server.address() as { port: number }).port}`);
    try {
      a.t.send(hb('a', 'b', 1));
      await waitFor('connected', () => frames.length === 1, { timeoutMs: 8000 });
      a.t.send(hb('a', 'b', 2));
      a.t.send(hb('a', 'b', 3));
      await waitFor('a batch', () => frames.length === 2, { timeoutMs: 8000 });
      expect(frames[1][0]).toBe(4); // F_BATCH
      expect((frames[1][1] as Message[]).map((m) => m.term)).toEqual([2, 3]);
      a.t.send(hb('a', 'b', 4));
      a.t.flush();
      a.t.send(hb('a', 'b', 5));
      await waitFor('two more frames', () => frames.length === 4, { timeoutMs: 8000 });
      expect(frames.slice(2).map((f) => [f[0], (f[1] as Message).term])).toEqual([
        [0, 4],
        [0, 5],
      ]);
    } finally {
      for (const c of server.clients) c.terminate();
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a snapshot larger than maxSnapshotBytes', async () => {
    const a = await node('a');
    const got: Message[] = [];
    const b = new WsTransport({ id: 'b', maxSnapshotBytes: 1000 });
    open.push(b);
    await b.start({ onMessage: (m) => got.push(m), onUnreachable: () => undefined });
    a.t.setPeer('b', `127.0.0.1:${b.address().port}`);
    const meta = { index: 1, term: 1, conf: { voters: ['a'], learners: [] } };
    await a.t.sendSnapshot({ type: MessageType.Snap, from: 'a', to: 'b', term: 1, snapshot: { meta } }, { meta, data: new Uint8Array(5000) });
    await sleep(100);
    expect(got).toEqual([]);
  });

  it('rejects a malformed peer address with a clear error', () => {
    const t = new WsTransport({ id: 'a' });
    expect(() => t.setPeer('b', 'not an address')).toThrow(/host:port/);
  });
});
