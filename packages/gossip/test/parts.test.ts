import { describe, expect, it } from 'vitest';
import { Awareness } from '../src/awareness.js';
import { BroadcastQueue } from '../src/broadcast-queue.js';
import { lanProfile, pushPullScale, retransmitLimit, suspicionMinTimeout } from '../src/config.js';
import { DecryptError, KeyringError } from '../src/errors.js';
import { splitHostPort } from '../src/host-port.js';
import { Keyring, decodeKey, generateKey } from '../src/keyring.js';
import { LamportClock } from '../src/lamport.js';
import { Suspicion, suspicionTimeout } from '../src/suspicion.js';
import { decodePacket, encodeMessage, encodePacket, MsgType } from '../src/messages.js';
import { FrameReader, frame, open, refusal, seal } from '../src/transport.js';
import { UserEventDeduplicator } from '../src/user-events.js';

describe('Suspicion', () => {
  it('shrinks from max toward min as independent confirmations arrive', () => {
    const s = new Suspicion(3, 'a', 3, 2000, 30_000, 1000);
    expect(s.deadline()).toBe(31_000);
    expect(s.confirm('a')).toBe(false); // the accuser does not confirm itself
    expect(s.confirm('b')).toBe(true);
    const after1 = s.deadline();
    expect(after1).toBeLessThan(31_000);
    expect(s.confirm('b')).toBe(false);
    expect(s.confirm('c')).toBe(true);
    expect(s.deadline()).toBeLessThan(after1);
    expect(s.confirm('d')).toBe(true);
    expect(s.deadline()).toBe(3000);
    expect(s.confirm('e')).toBe(false); // k reached
    expect(s.confirmations()).toBe(3);
  });

  it('uses the minimum at once when no confirmations are expected', () => {
    expect(new Suspicion(1, 'a', 0, 2000, 30_000, 0).deadline()).toBe(2000);
    expect(suspicionTimeout(0, 3, 2000, 30_000)).toBe(30_000);
    expect(suspicionTimeout(1, 3, 2000, 30_000)).toBe(16_000);
    expect(suspicionTimeout(3, 3, 2000, 30_000)).toBe(2000);
  });
});

describe('Awareness', () => {
  it('scales timeouts with the health score, bounded by the multiplier', () => {
    const a = new Awareness(8);
    expect(a.scale(500)).toBe(500);
    a.applyDelta(3);
    expect(a.scale(500)).toBe(2000);
    a.applyDelta(100);
    expect(a.getScore()).toBe(7);
    a.applyDelta(-100);
    expect(a.getScore()).toBe(0);
    const off = new Awareness(1);
    off.applyDelta(5);
    expect(off.scale(500)).toBe(500);
  });
});

describe('timing formulas (memberlist/Consul)', () => {
  it('computes suspicion, retransmit and push/pull scale', () => {
    expect(suspicionMinTimeout(4, 1, 1000)).toBe(4000);
    expect(suspicionMinTimeout(4, 100, 1000)).toBe(8000);
    expect(suspicionMinTimeout(4, 1000, 1000)).toBe(12_000);
    expect(retransmitLimit(4, 1)).toBe(4);
    expect(retransmitLimit(4, 99)).toBe(8);
    expect(retransmitLimit(4, 100)).toBe(12);
    expect(pushPullScale(30_000, 32)).toBe(30_000);
    expect(pushPullScale(30_000, 33)).toBe(60_000);
    expect(pushPullScale(30_000, 1000)).toBe(30_000 * 6);
    expect(lanProfile()).toMatchObject({ probeIntervalMs: 1000, probeTimeoutMs: 500, gossipIntervalMs: 200, gossipNodes: 3, suspicionMult: 4, pushPullIntervalMs: 30_000, udpPacketSize: 1400 });
  });
});

describe('BroadcastQueue', () => {
  const b = (s: string): Uint8Array => Buffer.from(s);

  it('sends the least-sent first and retires messages at the limit', () => {
    const q = new BroadcastQueue(100);
    q.push('x', b('xx'));
    q.push('y', b('yy'));
    expect(q.take(1000, 2, 2, 255).map((m) => Buffer.from(m, 'latin1').toString()).sort()).toEqual(['xx', 'yy']);
    q.push('z', b('zz'));
    expect(Buffer.from(q.take(4, 2, 2, 255)[0]!, 'latin1').toString()).toBe('zz'); // only room for one: the fresh one
    q.push('w', b('ww'));
    expect(q.take(1000, 2, 2, 255)).toHaveLength(4);
    expect(q.size()).toBe(1); // xx, yy, zz reached 2 transmits; ww has 1
    expect(q.take(1000, 2, 2, 255)).toHaveLength(1);
    expect(q.size()).toBe(0);
    expect(q.take(1000, 2, 2, 255)).toHaveLength(0);
  });

  it('never puts the same message twice in one packet', () => {
    const q = new BroadcastQueue(100);
    q.push('x', b('xx'));
    expect(q.take(1000, 2, 10, 255)).toHaveLength(1);
  });

  it('gives back exactly the bytes it was given, which encodePacket turns into a packet', () => {
    const q = new BroadcastQueue(100);
    // Every byte value, and a view into a larger buffer (as an encoder returns).
    const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    const backing = new Uint8Array(8192);
    const alive = encodeMessage({ t: MsgType.alive, node: 'c', addr: '10.0.0.3:8301', inc: 300, tags: { é: 'ü' } });
    backing.set(alive, 100);
    q.push('all', all);
    q.push('alive', backing.subarray(100, 100 + alive.length));
    const [a, b] = q.take(10_000, 2, 5, 255);
    expect(encodePacket([a!])).toEqual(all);
    expect(decodePacket(encodePacket([b!]))).toEqual([{ t: 5, node: 'c', addr: '10.0.0.3:8301', inc: 300, tags: { é: 'ü' } }]);
    expect(decodePacket(encodePacket([b!, alive]))).toHaveLength(2);
  });

  it('replaces an older message about the same key and stays bounded', () => {
    const q = new BroadcastQueue(3);
    q.push('x', b('old'));
    q.push('x', b('new'));
    expect(q.take(1000, 2, 5, 255).map((m) => Buffer.from(m, 'latin1').toString())).toEqual(['new']);
    for (let i = 0; i < 10; i++) q.push(null, b(`u${i}`));
    expect(q.size()).toBe(3);
  });

  it('sends urgent messages (refutations) before any other, even much-sent ones', () => {
    const q = new BroadcastQueue(100);
    const str = (ms: string[]): string[] => ms.map((m) => Buffer.from(m, 'latin1').toString());
    q.push('a', b('aa'), true);
    expect(q.take(1000, 2, 5, 255)).toHaveLength(1); // "aa" has one transmit now
    q.push('s', b('ss'));
    q.push('t', b('tt'));
    // Room for one: the urgent message goes, though "ss" was never sent.
    expect(str(q.take(4, 2, 5, 255))).toEqual(['aa']);
    expect(str(q.take(12, 2, 5, 255))).toEqual(['aa', 'ss', 'tt']);
    // A refutation replaces the suspicion about the same member and jumps ahead of the rest.
    q.push('s', b('SS'), true);
    expect(str(q.take(4, 2, 5, 255))).toEqual(['SS']);
    expect(q.size()).toBe(3);
  });

  it('drops ordinary messages before urgent ones when full', () => {
    const q = new BroadcastQueue(2);
    q.push('a', b('aa'), true);
    q.push('x', b('xx'));
    q.push('y', b('yy'));
    expect(q.take(1000, 2, 5, 255).map((m) => Buffer.from(m, 'latin1').toString())).toEqual(['aa', 'yy']);
  });
});

describe('messages', () => {
  it('round-trips single and compound packets', () => {
    const ping = encodeMessage({ t: MsgType.ping, seq: 7, node: 'b', from: 'a' });
    const alive = encodeMessage({ t: MsgType.alive, node: 'c', addr: '10.0.0.3:8301', inc: 4, tags: { role: 'node' } });
    expect(decodePacket(ping)).toEqual([{ t: 1, seq: 7, node: 'b', from: 'a' }]);
    const both = decodePacket(encodePacket([ping, alive]));
    expect(both).toHaveLength(2);
    expect(both[1]).toEqual({ t: 5, node: 'c', addr: '10.0.0.3:8301', inc: 4, tags: { role: 'node' } });
  });

  it('rejects malformed input with a typed error', () => {
    const ping = encodeMessage({ t: MsgType.ping, seq: 7, node: 'b', from: 'a' });
    const compound = encodePacket([ping, ping]);
    expect(() => decodePacket(new Uint8Array())).toThrow(/empty/);
    expect(() => decodePacket(compound.subarray(0, compound.length - 1))).toThrow(/truncated/);
    expect(() => decodePacket(encodeMessage({ t: MsgType.ping, seq: -1, node: 'b', from: 'a' }))).toThrow(/invalid ping/);
    expect(() => decodePacket(Buffer.from([0x93, 1, 2, 3]))).toThrow(/not a map/);
    expect(() => decodePacket(Buffer.from([0xd9]))).toThrow(/undecodable/);
  });
});

describe('Keyring', () => {
  it('encrypts with the primary and decrypts with any installed key', () => {
    const k1 = generateKey();
    const k2 = generateKey();
    expect(decodeKey(k1)).toHaveLength(32);
    const a = new Keyring([k1]);
    const b = new Keyring([k2]);
    const sealed = a.encrypt(Buffer.from('hello'));
    expect(sealed.length).toBe(5 + 29);
    expect(() => b.decrypt(sealed)).toThrow(DecryptError);
    b.install(k1);
    expect(Buffer.from(b.decrypt(sealed)).toString()).toBe('hello');
    b.use(k1);
    expect(b.list()).toEqual([k1, k2]);
    b.remove(k2);
    expect(b.list()).toEqual([k1]);
    expect(() => b.remove(k1)).toThrow(/primary/);
    expect(() => b.use(k2)).toThrow(/install it first/);
  });

  it('accepts 16/24/32-byte keys and explains bad ones', () => {
    expect(() => new Keyring([Buffer.alloc(16, 1).toString('base64')])).not.toThrow();
    expect(() => new Keyring([Buffer.alloc(24, 1).toString('base64')])).not.toThrow();
    expect(() => new Keyring([Buffer.alloc(20, 1).toString('base64')])).toThrow(/16, 24 or 32 bytes, got 20/);
    expect(() => new Keyring(['not base64!!'])).toThrow(KeyringError);
    expect(() => new Keyring([])).toThrow(/at least one key/);
  });

  it('transport framing tells plain, encrypted and refused apart', () => {
    const kr = new Keyring([generateKey()]);
    expect(Buffer.from(open(kr, seal(kr, Buffer.from('x')))).toString()).toBe('x');
    expect(Buffer.from(open(undefined, seal(undefined, Buffer.from('y')))).toString()).toBe('y');
    expect(() => open(kr, seal(undefined, Buffer.from('y')))).toThrow(/not encrypted/);
    expect(() => open(undefined, seal(kr, Buffer.from('y')))).toThrow(/encryption is not enabled/);
    expect(() => open(undefined, refusal('go away'))).toThrow(/remote node refused: go away/);
    const r = new FrameReader(10);
    const f = frame(Buffer.from('abc'));
    expect(r.push(f.subarray(0, 2))).toBeUndefined();
    expect(Buffer.from(r.push(f.subarray(2))!).toString()).toBe('abc');
    expect(() => new FrameReader(10).push(frame(Buffer.alloc(11)))).toThrow(/exceeds/);
  });
});

describe('small helpers', () => {
  it('splits host:port', () => {
    expect(splitHostPort('10.0.0.1:8301')).toEqual({ host: '10.0.0.1', port: 8301 });
    expect(splitHostPort('10.0.0.1', 8301)).toEqual({ host: '10.0.0.1', port: 8301 });
    expect(splitHostPort('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(splitHostPort('h:99999')).toBeNull();
    expect(splitHostPort('h')).toBeNull();
  });

  it('Lamport clock and user-event de-duplication', () => {
    const c = new LamportClock();
    expect(c.increment()).toBe(1);
    c.witness(10);
    expect(c.time()).toBe(11);
    const buf = new UserEventDeduplicator(4);
    const e = { ltime: 5, name: 'deploy', payload: Buffer.from('1') };
    expect(buf.admit(e, 5)).toBe(true);
    expect(buf.admit({ ...e, payload: Buffer.from('1') }, 5)).toBe(false);
    expect(buf.admit({ ...e, payload: Buffer.from('2') }, 5)).toBe(true);
    expect(buf.admit({ ltime: 1, name: 'old', payload: Buffer.from('') }, 20)).toBe(false);
  });
});
