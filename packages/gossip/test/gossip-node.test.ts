import dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { createGossipNode, generateKey, GossipConfigError, type GossipLogger, type GossipNode, type GossipNodeOptions, type UserEvent } from '../src/index.js';

// The test profile with room for a loaded machine (several test suites share 2 cores).
const config = { probeIntervalMs: 200, probeTimeoutMs: 100, tcpTimeoutMs: 10_000 };

const statusIn = (n: GossipNode, name: string): string | undefined => n.member(name)?.status;

describe('real UDP/TCP cluster on 127.0.0.1', { timeout: 60_000 }, () => {
  const key = generateKey();
  const nodes: GossipNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.shutdown()));
  });

  it('20 encrypted nodes join through one seed and all see each other', async () => {
    for (let i = 0; i < 20; i++) {
      nodes.push(
        await createGossipNode({
          name: `n${i}`,
          bindAddr: '127.0.0.1',
          port: 0,
          keyring: key,
          profile: 'test',
          config,
          tags: { role: i < 3 ? 'consul' : 'node', dc: 'dc1' },
        }),
      );
    }
    const seed = nodes[0]!.addr;
    const results = await Promise.all(nodes.slice(1).map((n) => n.join([seed])));
    for (const r of results) expect(r).toEqual({ joined: [seed], failed: [] });
    await waitFor('everyone sees 20 alive', () => nodes.every((n) => n.members().filter((m) => m.status === 'alive').length === 20), { timeoutMs: 30_000 });
    const m = nodes[5]!.member('n1')!;
    expect(m).toMatchObject({ name: 'n1', host: '127.0.0.1', status: 'alive', tags: { role: 'consul', dc: 'dc1' } });
    expect(m.addr).toBe(nodes[1]!.addr);
    expect(nodes.every((n) => n.stats().decryptFailures === 0)).toBe(true);
  });

  it('tags set at run time reach everyone', async () => {
    nodes[3]!.setTags({ role: 'node', dc: 'dc1', build: '1.2.3' });
    await waitFor('build tag seen', () => nodes.every((n) => n.member('n3')?.tags.build === '1.2.3'), { timeoutMs: 30_000 });
    const updates: string[] = [];
    nodes[4]!.on('update', (mem) => updates.push(mem.name));
    nodes[3]!.setTags({ role: 'node', dc: 'dc1', build: '1.2.4' });
    await waitFor('update event', () => updates.includes('n3'), { timeoutMs: 30_000 });
  });

  it('a user event reaches every node exactly once', async () => {
    const got = new Map<string, UserEvent[]>();
    for (const n of nodes) n.on('user-event', (e) => got.set(n.name, [...(got.get(n.name) ?? []), e]));
    const sent = nodes[2]!.sendUserEvent('deploy', 'v42');
    await waitFor('event everywhere', () => nodes.every((n) => (got.get(n.name) ?? []).some((e) => e.name === 'deploy')), { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300)); // duplicates would arrive within a few gossip rounds
    for (const n of nodes) {
      const evs = got.get(n.name)!.filter((e) => e.name === 'deploy');
      expect(evs).toHaveLength(1);
      expect(evs[0]!.ltime).toBe(sent.ltime);
      expect(Buffer.from(evs[0]!.payload).toString()).toBe('v42');
    }
    expect(() => nodes[2]!.sendUserEvent('big', new Uint8Array(600))).toThrow(/limit is 512/);
  });

  it('garbage, truncated and oversized packets are dropped and counted', async () => {
    const target = nodes[6]!;
    const sock = dgram.createSocket('udp4');
    const send = (b: Buffer): Promise<void> => new Promise((r) => sock.send(b, target.port, '127.0.0.1', () => r()));
    const before = target.stats();
    await send(Buffer.from([1])); // too short
    await send(Buffer.from([9, 1, 2, 3])); // unknown kind
    await send(Buffer.concat([Buffer.from([1, 1]), Buffer.alloc(40, 7)])); // "encrypted" with no valid key
    await send(Buffer.concat([Buffer.from([0]), Buffer.from('not msgpack at all')])); // plain on an encrypted node
    await send(Buffer.alloc(9000, 0xc1)); // oversized
    sock.close();
    await waitFor('drops counted', () => {
      const s = target.stats();
      return s.badFrames - before.badFrames >= 3 && s.decryptFailures - before.decryptFailures >= 2;
    }, { timeoutMs: 30_000 });
    expect(statusIn(nodes[0]!, 'n6')).toBe('alive');
    // On an unencrypted node the bytes reach the decoder, which counts and drops them.
    const plain = await createGossipNode({ name: 'plain-target', bindAddr: '127.0.0.1', port: 0, profile: 'test', config });
    try {
      const s2 = dgram.createSocket('udp4');
      const send2 = (b: Buffer): Promise<void> => new Promise((r) => s2.send(b, plain.port, '127.0.0.1', () => r()));
      await send2(Buffer.from([0, 0xc1, 3, 0, 5])); // truncated compound
      await send2(Buffer.from([0, 0x81, 0xa1, 0x74, 0x63])); // {t: 99}
      await send2(Buffer.from([0, 0xd9])); // truncated msgpack
      s2.close();
      await waitFor('malformed counted', () => plain.stats().malformed >= 3, { timeoutMs: 30_000 });
      expect(plain.localMember().status).toBe('alive');
    } finally {
      await plain.shutdown();
    }
  });

  it('a node with the wrong key is refused and says so', async () => {
    const intruder = await createGossipNode({ name: 'intruder', bindAddr: '127.0.0.1', port: 0, keyring: generateKey(), profile: 'test', config });
    const plain = await createGossipNode({ name: 'plain', bindAddr: '127.0.0.1', port: 0, profile: 'test', config });
    try {
      const r = await intruder.join([nodes[0]!.addr]);
      expect(r.joined).toEqual([]);
      expect(r.failed).toHaveLength(1);
      expect(r.failed[0]!.error).toMatch(/different keys/);
      const p = await plain.join([nodes[0]!.addr]);
      expect(p.joined).toEqual([]);
      expect(p.failed[0]!.error).toMatch(/not encrypted, but gossip encryption is enabled/);
      await new Promise((r) => setTimeout(r, 300));
      expect(nodes[0]!.member('intruder')).toBeUndefined();
      expect(nodes[0]!.member('plain')).toBeUndefined();
      expect(intruder.members()).toHaveLength(1);
    } finally {
      await intruder.shutdown();
      await plain.shutdown();
    }
  });

  it('a second live node with an existing name is refused', async () => {
    const twin = await createGossipNode({ name: 'n4', bindAddr: '127.0.0.1', port: 0, keyring: key, profile: 'test', config });
    try {
      const r = await twin.join([nodes[0]!.addr]);
      expect(r.joined).toEqual([]);
      expect(r.failed[0]!.error).toMatch(/a live member named "n4" already exists/);
      expect(nodes[0]!.member('n4')!.addr).toBe(nodes[4]!.addr);
    } finally {
      await twin.shutdown();
    }
  });

  it('join reports unreachable seeds without throwing', async () => {
    const n = nodes[1]!;
    const r = await n.join(['127.0.0.1:1', 'not a host:x']);
    expect(r.joined).toEqual([]);
    expect(r.failed.map((f) => f.addr).sort()).toEqual(['127.0.0.1:1', 'not a host:x']);
  });

  it('a node shut down without leaving is marked failed by all the others', async () => {
    const victim = nodes[10]!;
    const fails = new Set<string>();
    for (const n of nodes) if (n !== victim) n.on('fail', (m) => m.name === victim.name && fails.add(n.name));
    await victim.shutdown();
    const others = nodes.filter((n) => n !== victim);
    await waitFor('19 see n10 failed', () => others.every((n) => statusIn(n, 'n10') === 'failed'), { timeoutMs: 30_000 });
    expect(fails.size).toBe(19);
  });

  it('a node that leaves gracefully is recorded as left', async () => {
    const leaver = nodes[11]!;
    await leaver.leave();
    await leaver.shutdown();
    const others = nodes.filter((n) => n !== leaver && n !== nodes[10]);
    await waitFor('18 see n11 left', () => others.every((n) => statusIn(n, 'n11') === 'left'), { timeoutMs: 30_000 });
    // and no false failures among the live ones
    for (const n of others) for (const o of others) expect(statusIn(n, o.name)).toBe('alive');
  });
});

describe('keyring rotation on running nodes', () => {
  it('install → use → remove keeps the cluster talking', async () => {
    const k1 = generateKey();
    const k2 = generateKey();
    const a = await createGossipNode({ name: 'ka', bindAddr: '127.0.0.1', port: 0, keyring: k1, profile: 'test', config });
    const b = await createGossipNode({ name: 'kb', bindAddr: '127.0.0.1', port: 0, keyring: [k1], profile: 'test', config });
    try {
      expect((await b.join([a.addr])).joined).toHaveLength(1);
      for (const n of [a, b]) n.installKey(k2);
      expect(a.listKeys()).toEqual([k1, k2]);
      for (const n of [a, b]) n.useKey(k2);
      expect(() => a.removeKey(k2)).toThrow(/primary/);
      for (const n of [a, b]) n.removeKey(k1);
      expect(b.listKeys()).toEqual([k2]);
      const got: string[] = [];
      b.on('user-event', (e) => got.push(e.name));
      a.sendUserEvent('after-rotation');
      await waitFor('event over the new key', () => got.includes('after-rotation'), { timeoutMs: 30_000 });
      expect(a.stats().decryptFailures + b.stats().decryptFailures).toBe(0);
      const plain = await createGossipNode({ name: 'kp', bindAddr: '127.0.0.1', port: 0, profile: 'test', config });
      expect(plain.listKeys()).toEqual([]);
      expect(() => plain.installKey(k1)).toThrow(/not enabled/);
      await plain.shutdown();
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
  });
});

describe('options', () => {
  it('a port is required: the library has no default port of its own', async () => {
    const opts = { name: 'np', bindAddr: '127.0.0.1' } as unknown as GossipNodeOptions;
    await expect(createGossipNode(opts)).rejects.toThrow(GossipConfigError);
  });

  it('a seed without a port means this node\'s own port', async () => {
    const a = await createGossipNode({ name: 'pa', bindAddr: '127.0.0.1', port: 0, profile: 'test', config });
    const b = await createGossipNode({ name: 'pb', bindAddr: '127.0.0.2', port: a.port, profile: 'test', config });
    try {
      expect(await b.join(['127.0.0.1'])).toEqual({ joined: ['127.0.0.1'], failed: [] });
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });

  it('logs through any object with debug/info/warn/error, values as fields', async () => {
    const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
    const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
    const logger: GossipLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const a = await createGossipNode({ name: 'la', bindAddr: '127.0.0.1', port: 0, profile: 'test', config });
    const b = await createGossipNode({ name: 'lb', bindAddr: '127.0.0.1', port: 0, profile: 'test', config, logger });
    try {
      await b.join([a.addr, '127.0.0.1:1']);
      expect(lines).toContainEqual({ level: 'info', msg: 'joined', fields: { seeds: [a.addr] } });
      expect(lines).toContainEqual({ level: 'warn', msg: 'join failed', fields: { seed: '127.0.0.1:1', error: expect.any(String) } });
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });
});

describe('queries', () => {
  it('every member answers once, straight to the origin, over an encrypted cluster; silent members are not waited on forever', async () => {
    const key = generateKey();
    const nodes = await Promise.all(
      ['qa', 'qb', 'qc', 'qd'].map((name) => createGossipNode({ name, bindAddr: '127.0.0.1', port: 0, keyring: key, profile: 'test', config })),
    );
    try {
      for (const n of nodes.slice(1)) expect((await n.join([nodes[0]!.addr])).joined).toHaveLength(1);
      await waitFor('4 members everywhere', () => nodes.every((n) => n.members().filter((m) => m.status === 'alive').length === 4), { timeoutMs: 30_000 });
      const asked: string[] = [];
      for (const n of nodes) n.onQuery('whoami', (payload, from) => (asked.push(`${n.name}<-${from}`), Buffer.from(`${n.name}:${Buffer.from(payload).toString()}`)));
      const r = await nodes[1]!.query('whoami', 'hi', { timeoutMs: 20_000 });
      expect(r.asked).toBe(4);
      expect([...r.responses.entries()].map(([k, v]) => `${k}=${Buffer.from(v).toString()}`).sort()).toEqual(['qa=qa:hi', 'qb=qb:hi', 'qc=qc:hi', 'qd=qd:hi']);
      expect(asked.sort()).toEqual(['qa<-qb', 'qb<-qb', 'qc<-qb', 'qd<-qb']);
      // A name nobody answers: the query ends at its timeout with no answers.
      const none = await nodes[2]!.query('nobody-home', '', { timeoutMs: 300 });
      expect(none.responses.size).toBe(0);
    } finally {
      await Promise.all(nodes.map((n) => n.shutdown()));
    }
  });
});
