// Issue 6, Done-when: leader election between three processes with sessions + acquire against a real dev
// agent. Exactly one holds the lock at any time; kill -9 the holder; its session's TTL runs out (2 x 10 s
// without renewals), the session is invalidated, and another contender acquires after the lock-delay.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevAgent, sleep, type AgentProcess } from './support/agent-process.js';

// A contender: creates a session (TTL 10s, lock-delay 1s), renews it every 2s, tries to acquire the key
// whenever it changes (or every 5s), and reports LEADER/LOST with its clock.
const CONTENDER = `
const base = process.env.BASE, me = process.env.NAME, key = '/v1/kv/election/leader';
const put = async (p, body) => { const r = await fetch(base + p, { method: 'PUT', body }); const t = await r.text(); if (!r.ok) throw new Error(r.status + ' ' + t); return t; };
const { ID } = JSON.parse(await put('/v1/session/create', JSON.stringify({ Name: me, TTL: '10s', LockDelay: '1s' })));
console.log('SESSION ' + me + ' ' + ID);
setInterval(() => put('/v1/session/renew/' + ID).catch((e) => console.log('RENEWFAIL ' + e.message)), 2000);
let leader = false, index = 0;
for (;;) {
  if (!leader && (await put(key + '?acquire=' + ID, me)) === 'true') { leader = true; console.log('LEADER ' + me + ' ' + Date.now()); }
  const r = await fetch(base + key + '?index=' + index + '&wait=5s');
  index = Number(r.headers.get('x-consul-index'));
  const body = r.status === 200 ? await r.json() : (await r.text(), []);
  if (leader && body[0]?.Session !== ID) { leader = false; console.log('LOST ' + me + ' ' + Date.now()); }
}
`;

interface Contender {
  name: string;
  proc: ChildProcess;
  out: string;
  session?: string;
}

let agent: AgentProcess;
const contenders: Contender[] = [];

beforeAll(async () => {
  agent = await startDevAgent();
});
afterAll(async () => {
  for (const c of contenders) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await agent?.stop();
});

function startContender(name: string): Contender {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER], {
    env: { ...process.env, BASE: `http://${agent.httpAddr}`, NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const c: Contender = { name, proc, out: '' };
  proc.stdout!.on('data', (d: Buffer) => {
    c.out += d.toString();
    const m = /SESSION \S+ (\S+)/.exec(c.out);
    if (m) c.session = m[1];
  });
  proc.stderr!.on('data', (d: Buffer) => (c.out += d.toString()));
  contenders.push(c);
  return c;
}

const leaders = () => contenders.filter((c) => (c.out.match(/^LEADER /gm) ?? []).length > (c.out.match(/^LOST /gm) ?? []).length);

async function holder(): Promise<{ session: string | undefined; lockIndex: number }> {
  const r = await fetch(`http://${agent.httpAddr}/v1/kv/election/leader`);
  if (r.status !== 200) return { session: undefined, lockIndex: 0 };
  const [e] = (await r.json()) as Array<{ Session?: string; LockIndex: number }>;
  return { session: e!.Session, lockIndex: e!.LockIndex };
}

async function liveSessions(): Promise<string[]> {
  const r = await fetch(`http://${agent.httpAddr}/v1/session/list`);
  return ((await r.json()) as Array<{ ID: string }>).map((s) => s.ID);
}

describe('leader election with sessions and acquire', () => {
  it('keeps exactly one leader, and fails over after the killed holder’s session TTL and lock-delay', { timeout: 90_000 }, async () => {
    for (const n of ['a', 'b', 'c']) startContender(n);
    // Everyone has a session and exactly one leads; the key names it.
    for (let i = 0; i < 100 && (contenders.some((c) => !c.session) || leaders().length === 0); i++) await sleep(100);
    expect(contenders.every((c) => c.session)).toBe(true);
    const first = leaders();
    expect(first).toHaveLength(1);
    const h1 = await holder();
    expect(h1).toEqual({ session: first[0]!.session, lockIndex: 1 });

    // Observed for a while: still exactly one, the same one (renewals keep its session alive).
    for (let i = 0; i < 10; i++) {
      await sleep(300);
      expect(leaders().map((c) => c.name)).toEqual([first[0]!.name]);
      expect((await holder()).session).toBe(first[0]!.session);
    }

    // kill -9 the holder: nobody releases the lock; only its session's TTL can end it.
    const killedAt = Date.now();
    first[0]!.proc.kill('SIGKILL');
    // The invalidation happened after stillLiveAt (a list sent then still had the session) and before
    // invalidatedAt (a list answered then no longer had it); polling under load widens that window.
    let stillLiveAt = killedAt;
    let invalidatedAt = 0;
    let takeover: { session: string | undefined; lockIndex: number } | undefined;
    for (let i = 0; i < 600; i++) {
      await sleep(100);
      // Claims are read before the key: a contender that said LEADER must still hold it, and never two do.
      const claimed = leaders().filter((c) => c !== first[0]);
      const h = await holder();
      expect(claimed.length).toBeLessThanOrEqual(1);
      for (const c of claimed) expect(h.session).toBe(c.session);
      if (!invalidatedAt) {
        const askedAt = Date.now();
        if ((await liveSessions()).includes(first[0]!.session!)) stillLiveAt = askedAt;
        else invalidatedAt = Date.now();
      }
      if (h.session && h.session !== first[0]!.session) {
        takeover = h;
        break;
      }
    }
    expect(takeover).toBeDefined();
    expect(invalidatedAt).toBeGreaterThan(0);
    for (let i = 0; i < 50 && leaders().filter((c) => c !== first[0]).length === 0; i++) await sleep(100);
    const next = leaders().filter((c) => c !== first[0]);
    expect(next).toHaveLength(1);
    expect(next[0]!.session).toBe(takeover!.session);
    expect(takeover!.lockIndex).toBe(2);
    const leaderLine = new RegExp(`^LEADER ${next[0]!.name} (\\d+)$`, 'm').exec(next[0]!.out)!;
    const acquiredAt = Number(leaderLine[1]);
    // The session outlived its last renewal by 2 x TTL (renewals were every 2 s, so at least 20 - 2 s after
    // the kill), and the new leader acquired only after the invalidation plus the 1 s lock-delay.
    expect(invalidatedAt - killedAt).toBeGreaterThanOrEqual(17_000);
    expect(acquiredAt).toBeGreaterThanOrEqual(stillLiveAt + 500);
    // The survivors' sessions are alive, the killed one is gone.
    const live = await liveSessions();
    expect(live).not.toContain(first[0]!.session);
    for (const c of contenders.filter((x) => x !== first[0])) expect(live).toContain(c.session);
  });
});
