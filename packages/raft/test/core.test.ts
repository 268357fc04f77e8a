import { describe, expect, it } from 'vitest';
import { ConfigError, NotLeaderError, ProposalDroppedError } from '../src/errors.js';
import { Raft } from '../src/raft.js';
import { seededRandom } from '../src/random.js';
import { EntryType, MessageType, type Entry } from '../src/types.js';
import { data, Net, text } from './harness.js';

function elect(net: Net, id: string): Raft {
  net.stabilize(); // apply the bootstrap configuration first
  net.get(id).campaign();
  net.stabilize();
  const r = net.get(id);
  expect(r.state).toBe('leader');
  return r;
}

const ents = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term, type: EntryType.Normal, data: data(`e${from + i}t${term}`) }));

describe('election', () => {
  it('elects one leader on timeout and replicates a proposal to every node', () => {
    const net = new Net(['a', 'b', 'c']);
    for (let i = 0; i < 30 && !net.leader(); i++) {
      net.tickAll();
      net.stabilize();
    }
    const lead = net.leader()!;
    expect([...net.nodes.values()].filter((r) => r.state === 'leader')).toHaveLength(1);
    const { index } = lead.propose(data('hello'));
    net.stabilize();
    for (const id of ['a', 'b', 'c']) {
      expect(net.get(id).log.committed).toBeGreaterThanOrEqual(index);
      expect(net.applied.get(id)!.map(text)).toContain('hello');
    }
  });

  it('refuses proposals on a follower, naming the leader', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    expect(() => net.get('b').propose(data('x'))).toThrow(NotLeaderError);
    try {
      net.get('b').propose(data('x'));
    } catch (e) {
      expect((e as NotLeaderError).leader).toBe('a');
    }
  });

  it('pre-vote: a partitioned node does not bump the term, and its return does not disrupt the leader', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    const term = lead.term;
    net.isolate('c');
    for (let i = 0; i < 100; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.get('c').term).toBe(term);
    net.heal();
    for (let i = 0; i < 40; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(lead.state).toBe('leader');
    expect(lead.term).toBe(term);
  });

  it('without pre-vote the same partition forces a new term (what pre-vote prevents)', () => {
    const net = new Net(['a', 'b', 'c'], undefined, { preVote: false });
    const lead = elect(net, 'a');
    const term = lead.term;
    net.isolate('c');
    for (let i = 0; i < 100; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.get('c').term).toBeGreaterThan(term);
  });

  it('a dead leader reported by the transport is replaced within a few ticks, not an election timeout', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    const term = lead.term;
    net.nodes.delete('a'); // kill -9: the followers' sockets to it reset
    net.get('b').reportUnreachable('a');
    net.get('c').reportUnreachable('a');
    expect(net.get('b').lead).toBe('');
    let ticks = 0;
    while (!net.leader() && ticks < 20) {
      net.tickAll();
      net.stabilize();
      ticks++;
    }
    expect(net.leader()?.term).toBe(term + 1);
    expect(ticks).toBeLessThanOrEqual(net.get('b').electionTimeout / 2);
    expect(ticks).toBeLessThan(net.get('b').electionTimeout);
  });

  it('a broken link alone (leader alive) does not depose the leader: the pre-vote is refused', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    const term = lead.term;
    net.filter = (m) => (m.from === 'a' && m.to === 'b') || (m.from === 'b' && m.to === 'a');
    net.get('b').reportUnreachable('a');
    for (let i = 0; i < 5; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(lead.state).toBe('leader');
    expect(lead.term).toBe(term);
    expect(net.get('c').term).toBe(term);
  });

  it('without pre-vote an unreachable report about the leader changes nothing', () => {
    const net = new Net(['a', 'b', 'c'], undefined, { preVote: false });
    elect(net, 'a');
    net.get('b').reportUnreachable('a');
    expect(net.get('b').lead).toBe('a');
  });

  it('check-quorum: an isolated leader steps down within two election timeouts', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    net.isolate('a');
    for (let i = 0; i < 2 * lead.electionTimeout + 1; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(lead.state).toBe('follower');
  });

  it('a restarted node keeps its vote for the term (hard state is honoured)', () => {
    const r = new Raft({
      id: 'b',
      random: seededRandom(1),
      hardState: { term: 5, vote: 'a', commit: 1 },
      entries: Raft.bootstrap(['a', 'b', 'c']).entries,
    });
    r.step({ type: MessageType.Vote, from: 'c', to: 'b', term: 5, index: 10, logTerm: 4 });
    const rd = r.ready();
    const resp = rd.messages.find((m) => m.type === MessageType.VoteResp)!;
    expect(resp.reject).toBe(true);
  });

  it('rejects bad configuration with a typed error', () => {
    expect(() => new Raft({ id: '', random: Math.random })).toThrow(ConfigError);
    expect(() => new Raft({ id: 'a', random: Math.random, electionTick: 2, heartbeatTick: 2 })).toThrow(/electionTick/);
    expect(() => new Raft({ id: 'a', random: Math.random, readOnly: 'lease', checkQuorum: false })).toThrow(/checkQuorum/);
    expect(() => Raft.bootstrap([])).toThrow(ConfigError);
    expect(() => Raft.bootstrap(['a', 'a'])).toThrow(/unique/);
    expect(Raft.bootstrap(['c', 'a', 'b']).entries[0].data).toEqual(Raft.bootstrap(['a', 'b', 'c']).entries[0].data);
  });
});

describe('replication', () => {
  it('commits only entries of the current term by counting (Figure 8)', () => {
    // a holds an uncommitted entry from term 2; b and c do not. a wins term 4 and replicates.
    const boot = Raft.bootstrap(['a', 'b', 'c']);
    const net = new Net(['a', 'b', 'c'], undefined, { maxEntriesPerMsg: 1 });
    net.nodes.set('a', new Raft({ id: 'a', random: seededRandom(9), hardState: { term: 3, vote: '', commit: 1 }, entries: [...boot.entries, ...ents(2, 2, 2)], maxEntriesPerMsg: 1 }));
    for (const id of ['b', 'c']) {
      net.nodes.set(id, new Raft({ id, random: seededRandom(id.charCodeAt(0)), hardState: { term: 3, vote: '', commit: 1 }, entries: boot.entries }));
    }
    const a = net.get('a');
    net.flush();
    a.campaign();
    const seen: number[] = [];
    net.flush();
    for (let i = 0; i < 50 && net.queue.length; i++) {
      const q = net.queue;
      net.queue = [];
      for (const m of q) net.get(m.to).step(m);
      net.flush();
      seen.push(a.log.committed);
    }
    expect(a.state).toBe('leader');
    expect(a.log.committed).toBe(3);
    // The old-term entry 2 commits only together with the leader's own entry 3.
    expect(seen).not.toContain(2);
  });

  it('fast backtracking skips a whole divergent term in one round trip', () => {
    const boot = Raft.bootstrap(['a', 'b', 'c']);
    const net = new Net(['a', 'b', 'c']);
    const hs = { term: 5, vote: '', commit: 1 };
    net.nodes.set('a', new Raft({ id: 'a', random: seededRandom(1), hardState: hs, entries: [...boot.entries, ...ents(2, 51, 2)] }));
    net.nodes.set('b', new Raft({ id: 'b', random: seededRandom(2), hardState: hs, entries: [...boot.entries, ...ents(2, 101, 3)] }));
    net.nodes.set('c', new Raft({ id: 'c', random: seededRandom(3), hardState: hs, entries: [...boot.entries, ...ents(2, 51, 2)] }));
    let rejects = 0;
    net.filter = (m) => {
      if (m.type === MessageType.AppResp && m.from === 'b' && m.reject) rejects++;
      return false;
    };
    elect(net, 'a');
    net.stabilize();
    expect(rejects).toBe(1);
    expect(net.get('b').log.lastIndex()).toBe(net.get('a').log.lastIndex());
    expect(net.get('b').log.term(51)).toBe(2);
  });

  it('flow control: at most maxInflightMsgs appends are in flight to a silent follower', () => {
    const net = new Net(['a', 'b', 'c'], undefined, { maxInflightMsgs: 3 });
    const lead = elect(net, 'a');
    let appsToB = 0;
    net.filter = (m) => {
      if (m.type === MessageType.App && m.to === 'b' && m.entries?.length) appsToB++;
      return m.from === 'b'; // b's acks never arrive
    };
    for (let i = 0; i < 20; i++) {
      lead.propose(data(`p${i}`));
      net.stabilize();
    }
    expect(appsToB).toBe(3);
    expect(lead.log.committed).toBe(lead.log.lastIndex()); // c alone completes the quorum
  });

  it('batches many proposals into one append (group commit)', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    let apps = 0;
    net.filter = (m) => {
      if (m.type === MessageType.App && m.entries?.length) apps++;
      return false;
    };
    const r = lead.proposeBatch(Array.from({ length: 100 }, (_, i) => data(`b${i}`)));
    net.stabilize();
    expect(r).toHaveLength(100);
    expect(apps).toBe(2); // one append per follower
    expect(net.applied.get('c')!.filter((e) => e.type === EntryType.Normal && e.data.length).map(text)).toHaveLength(100);
  });
});

describe('reads', () => {
  it('ReadIndex answers only after a quorum confirms leadership', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    const states: string[] = [];
    net.isolate('a');
    lead.readIndex('r1');
    const rd = lead.ready();
    expect(rd.readStates).toEqual([]);
    lead.advance();
    net.stabilize();
    net.heal();
    lead.tick(); // heartbeat carries the pending read context
    net.flush();
    let got: { index: number; context: string }[] = [];
    // collect via a fresh ready after delivering the heartbeat round
    for (let i = 0; i < 5; i++) {
      const q = net.queue;
      net.queue = [];
      for (const m of q) net.get(m.to).step(m);
      if (lead.hasReady()) {
        const r = lead.ready();
        got = got.concat(r.readStates);
        for (const m of r.messages) net.queue.push(m);
        lead.advance();
      }
      net.flush();
    }
    states.push(...got.map((g) => g.context));
    expect(states).toEqual(['r1']);
    expect(got[0].index).toBe(lead.log.committed);
  });

  it('lease reads answer at once while a quorum acked recent heartbeats, and fall back when it lapses', () => {
    const net = new Net(['a', 'b', 'c'], undefined, { readOnly: 'lease' });
    for (let i = 0; i < 12; i++) net.tickAll(); // lease mode: nodes refuse votes for one election timeout after start
    const lead = elect(net, 'a');
    lead.tick(); // a stamped heartbeat round
    net.stabilize();
    lead.readIndex('fast');
    let rd = lead.ready();
    expect(rd.readStates).toEqual([{ index: lead.log.committed, context: 'fast' }]);
    expect(rd.messages.filter((m) => m.type === MessageType.Heartbeat)).toEqual([]);
    lead.advance();
    // Isolated for most of an election timeout: the lease has lapsed, the read waits for a quorum.
    net.isolate('a');
    for (let i = 0; i < lead.electionTimeout - 2; i++) {
      lead.tick();
      net.stabilize();
    }
    expect(lead.state).toBe('leader');
    lead.readIndex('slow');
    rd = lead.ready();
    expect(rd.readStates).toEqual([]);
    lead.advance();
  });

  it('a follower ReadIndex is forwarded and answered with the leader commit index', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    lead.propose(data('x'));
    net.stabilize();
    const b = net.get('b');
    b.readIndex('fr');
    b.ready().messages.forEach((m) => net.queue.push(m));
    b.advance();
    let rs: { index: number; context: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const q = net.queue;
      net.queue = [];
      for (const m of q) net.get(m.to).step(m);
      for (const [id, r] of net.nodes) {
        if (!r.hasReady()) continue;
        const rd = r.ready();
        if (id === 'b') rs = rs.concat(rd.readStates);
        net.queue.push(...rd.messages);
        r.advance();
      }
    }
    expect(rs).toEqual([{ index: lead.log.committed, context: 'fr' }]);
  });
});

describe('leadership transfer and membership', () => {
  it('transfers leadership to a caught-up voter', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    const term = lead.term;
    lead.transferLeadership('b');
    expect(() => lead.propose(data('x'))).toThrow(ProposalDroppedError);
    net.stabilize();
    expect(net.get('b').state).toBe('leader');
    expect(net.get('b').term).toBe(term + 1);
    expect(lead.state).toBe('follower');
  });

  it('adds a learner that catches up without voting, promotes it, then removes the old leader', () => {
    const net = new Net(['a', 'b', 'c', 'd'], ['a', 'b', 'c']);
    const lead = elect(net, 'a');
    for (let i = 0; i < 10; i++) lead.propose(data(`x${i}`));
    net.stabilize();
    lead.proposeConfChange({ type: 'addLearner', node: 'd' });
    // One change at a time.
    expect(() => lead.proposeConfChange({ type: 'addLearner', node: 'e' })).toThrow(ProposalDroppedError);
    net.stabilize();
    const d = net.get('d');
    expect(d.log.lastIndex()).toBe(lead.log.lastIndex());
    expect(lead.conf()).toEqual({ voters: ['a', 'b', 'c'], learners: ['d'] });
    // A learner never campaigns.
    for (let i = 0; i < 50; i++) d.tick();
    expect(d.state).toBe('follower');
    lead.proposeConfChange({ type: 'addVoter', node: 'd' });
    net.stabilize();
    expect(lead.conf()).toEqual({ voters: ['a', 'b', 'c', 'd'], learners: [] });
    expect(() => lead.proposeConfChange({ type: 'addVoter', node: 'd' })).toThrow(ConfigError);
    lead.proposeConfChange({ type: 'removeNode', node: 'a' });
    net.stabilize();
    expect(lead.state).toBe('follower');
    for (let i = 0; i < 40 && !['b', 'c', 'd'].some((id) => net.get(id).state === 'leader'); i++) {
      net.tickAll();
      net.stabilize();
    }
    const next = ['b', 'c', 'd'].map((id) => net.get(id)).find((r) => r.state === 'leader')!;
    expect(next.conf().voters).toEqual(['b', 'c', 'd']);
    const { index } = next.propose(data('after'));
    net.stabilize();
    expect(net.get('d').log.committed).toBeGreaterThanOrEqual(index);
  });

  it('refuses malformed proposals and conf changes before they reach the log', () => {
    const net = new Net(['a', 'b', 'c']);
    const lead = elect(net, 'a');
    const last = lead.log.lastIndex();
    expect(() => lead.propose('x' as unknown as Uint8Array)).toThrow(ConfigError);
    expect(() => lead.proposeBatch([data('ok'), 5 as unknown as Uint8Array])).toThrow(ConfigError);
    expect(() => lead.proposeConfChange({ type: 'addVoter', node: '' })).toThrow(ConfigError);
    expect(() => lead.proposeConfChange({ type: 'nope', node: 'x' } as never)).toThrow(ConfigError);
    expect(() => lead.proposeConfChange({ type: 'removeNode', node: 'zz' })).toThrow(/not a member/);
    expect(lead.log.lastIndex()).toBe(last);
  });

  it('sends a snapshot to a new member when the log is compacted', () => {
    const net = new Net(['a', 'b', 'c', 'd'], ['a', 'b', 'c']);
    const lead = elect(net, 'a');
    for (let i = 0; i < 20; i++) lead.propose(data(`x${i}`));
    net.stabilize();
    const meta = lead.snapshotMeta();
    net.disks.get('a')!.snap = { meta, data: new Uint8Array([1]) };
    lead.compact(meta);
    expect(lead.log.firstIndex()).toBe(meta.index + 1);
    let snaps = 0;
    net.filter = (m) => {
      if (m.type === MessageType.Snap) snaps++;
      return false;
    };
    lead.proposeConfChange({ type: 'addLearner', node: 'd' });
    net.stabilize();
    expect(snaps).toBe(1);
    const d = net.get('d');
    expect(net.disks.get('d')!.snap?.meta.index).toBe(meta.index);
    expect(d.log.lastIndex()).toBe(lead.log.lastIndex());
    expect(d.conf().learners).toEqual(['d']);
  });
});

describe('timings', () => {
  it('maps Consul raft_multiplier to ticks and rejects nonsense', async () => {
    const { raftMultiplierTimings, DEFAULT_TIMINGS } = await import('../src/index.js');
    expect(raftMultiplierTimings(1)).toEqual({ tickMs: 100, electionTicks: 10, heartbeatTicks: 1 });
    expect(raftMultiplierTimings(5).tickMs).toBe(500);
    expect(DEFAULT_TIMINGS.tickMs).toBe(50);
    expect(() => raftMultiplierTimings(0)).toThrow(ConfigError);
    expect(() => raftMultiplierTimings(NaN)).toThrow(/raft_multiplier/);
  });
});
