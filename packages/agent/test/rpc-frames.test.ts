// The plain RPC protocol's framing: frames split anywhere across chunks come out whole, several in one chunk come
// out in order, and a length prefix over the limit is refused from its four bytes, before anything is kept.
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameTooLargeError, MAX_RPC_FRAME, encodeFrame } from '../src/cluster/rpc-frames.js';

describe('rpc frames', () => {
  it('reassembles frames split at every byte, and several frames in one chunk', () => {
    const payloads = [Buffer.from('a'), Buffer.alloc(0), Buffer.from('hello world'), Buffer.alloc(70_000, 7)];
    const wire = Buffer.concat(payloads.map((p) => encodeFrame(p)));
    for (const step of [1, 3, 4, 5, 1000, wire.length]) {
      const d = new FrameDecoder();
      const got: Buffer[] = [];
      for (let i = 0; i < wire.length; i += step) got.push(...d.push(wire.subarray(i, i + step)));
      expect(got.map((b) => b.toString('hex'))).toEqual(payloads.map((b) => b.toString('hex')));
      expect(d.pending).toBe(0);
    }
  });

  it('refuses a length over the limit at its header, without keeping or allocating it', () => {
    const d = new FrameDecoder(1024);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff, 0);
    expect(() => d.push(header)).toThrow(FrameTooLargeError);
    expect(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(`rpc frame of ${0xffffffff} bytes exceeds the limit of ${MAX_RPC_FRAME}`);
  });

  it('holds only the bytes received of a large announced frame', () => {
    const d = new FrameDecoder();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_RPC_FRAME, 0);
    expect(d.push(header)).toEqual([]);
    expect(d.push(Buffer.alloc(10))).toEqual([]);
    expect(d.pending).toBe(10);
  });
});
