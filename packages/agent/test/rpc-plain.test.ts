// The server port without TLS, as agents reach it: plain RPC (the protocol byte, then length-prefixed msgpack
// frames) and WebSocket RPC and upgrades on the same port; hostile peers cut off without harm to others;
// timeouts, failures of pending calls when a connection drops, and a new connection afterwards.
import { connect, type Socket } from 'node:net';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@conclave/test-support/free-port';
import { waitFor } from '@conclave/test-support/wait-for';
import { fuzzOptions } from '@conclave/test-support/fuzz';
import fc from 'fast-check';
import { RpcClient, RpcError, RpcServer, RPC_PATH } from '../src/cluster/rpc.js';
import { RPC_PROTOCOL_BYTE } from '../src/cluster/rpc-channel.js';
import { encodeFrame } from '../src/cluster/rpc-frames.js';
import { ServerPort } from '../src/cluster/server-port.js';

const packr = new Packr({ useRecords: false, moreTypes: true });
const port = new ServerPort();
let calls = 0;
const rpcServer = new RpcServer(async (method, args) => {
  calls++;
  if (method === 'echo') return args;
  if (method === 'hang') return new Promise(() => undefined);
  throw new Error(`rpc: unknown method ${method}`);
});
let address = '';
let portNumber = 0;
/** The server's side of the last plain connection. */
let lastFramed: Socket | undefined;

beforeAll(async () => {
  port.onFramed((s) => {
    lastFramed = s;
    rpcServer.acceptFramed(s);
  });
  port.route(RPC_PATH, (req, socket, head) => rpcServer.handleUpgrade(req, socket, head));
  portNumber = await freePort();
  await port.listen(portNumber, '127.0.0.1');
  address = `127.0.0.1:${portNumber}`;
});

afterAll(async () => {
  rpcServer.close();
  await port.close();
});

/** A raw plain connection: sends the protocol byte and resolves once the server acknowledged it. */
function rawPlain(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(portNumber, '127.0.0.1', () => s.write(Buffer.of(RPC_PROTOCOL_BYTE)));
    s.once('data', (d: Buffer) => (d[0] === RPC_PROTOCOL_BYTE ? resolve(s) : reject(new Error(`ack ${d[0]}`))));
    s.once('error', reject);
  });
}

const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

describe('server port without TLS', () => {
  it('answers plain RPC, and WebSocket RPC on the same port', async () => {
    const client = new RpcClient();
    try {
      expect(await client.call(address, 'echo', { a: [1, 2] }, 2000)).toEqual({ a: [1, 2] });
      const err = (await client.call(address, 'nope', null, 2000).catch((e: unknown) => e)) as RpcError;
      expect(err.transport).toBe(false);
      expect(err.message).toBe('rpc: unknown method nope');
    } finally {
      client.close();
    }
    const ws = new WebSocket(`ws://${address}${RPC_PATH}`);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const answer = new Promise<unknown>((r) => ws.once('message', (m) => r(packr.unpack(m as Buffer))));
    ws.send(packr.pack([7, 'echo', 'over ws']));
    expect(await answer).toEqual([7, null, 'over ws']);
    ws.terminate();
  });

  it('cuts off a peer that announces a frame over the limit, or sends what is not msgpack; others keep working', async () => {
    const huge = await rawPlain();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff, 0);
    huge.write(header);
    await closed(huge);
    const garbage = await rawPlain();
    garbage.write(encodeFrame(Buffer.from([0xc1])));
    await closed(garbage);
    const notAList = await rawPlain();
    notAList.write(encodeFrame(packr.pack(42)));
    await closed(notAList);
    const client = new RpcClient();
    expect(await client.call(address, 'echo', 'still here', 2000)).toBe('still here');
    client.close();
  });

  it('survives random bytes after the protocol byte (fuzz): each connection is answered or cut, the port keeps serving', async () => {
    const frame = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.uint8Array({ maxLength: 256 }).map((b) => encodeFrame(b)),
      fc.tuple(fc.nat(), fc.string({ maxLength: 12 }), fc.anything({ maxDepth: 2 })).map(([id, m, a]) => encodeFrame(packr.pack([id, m, a]))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 6 }), async (chunks) => {
        const s = await rawPlain();
        s.on('data', () => undefined);
        s.on('error', () => undefined);
        for (const c of chunks) s.write(c);
        await new Promise((r) => setTimeout(r, 5));
        s.destroy();
      }),
      fuzzOptions(40),
    );
    const client = new RpcClient();
    expect(await client.call(address, 'echo', 'after fuzz', 2000)).toBe('after fuzz');
    client.close();
  });

  it('times a call out; fails pending calls at once when the connection drops, then connects again', async () => {
    const client = new RpcClient();
    try {
      const t = (await client.call(address, 'hang', null, 100).catch((e: unknown) => e)) as RpcError;
      expect(t).toBeInstanceOf(RpcError);
      expect([t.transport, t.sent]).toEqual([true, true]);
      expect(t.message).toBe(`rpc error: hang to ${address} timed out after 100 ms`);
      const pending = client.call(address, 'hang', null, 60_000).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      rpcServer.close(); // drops every connection, as a server restart does
      const lost = (await pending) as RpcError;
      expect([lost.transport, lost.sent]).toEqual([true, true]);
      expect(await client.call(address, 'echo', 'again', 2000)).toBe('again');
    } finally {
      client.close();
    }
  });

  it('stops reading from a peer that does not read its answers, and serves it again once it does', async () => {
    const s = await rawPlain();
    s.pause();
    const big = 'x'.repeat(1 << 20);
    const before = calls;
    for (let i = 0; i < 64; i++) s.write(encodeFrame(packr.pack([i, 'echo', big])));
    // 64 MB of answers cannot all fit in the kernel's buffers: the server stops reading this socket before it
    // has read every request, instead of holding every answer.
    await waitFor('the server to stop reading', () => lastFramed?.isPaused() === true, { timeoutMs: 10_000, intervalMs: 20 });
    expect(calls - before).toBeLessThan(64);
    const answered = new Set<number>();
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const n = buf.readUInt32BE(0);
        answered.add((packr.unpack(buf.subarray(4, 4 + n)) as [number])[0]);
        buf = buf.subarray(4 + n);
      }
    });
    s.resume();
    await waitFor('every answer', () => answered.size === 64, { timeoutMs: 20_000, intervalMs: 20 });
    s.destroy();
  });
});
