// The nemeses: each breaks something for one fault window and returns how to heal it. Every random choice
// (which servers, which side, which direction, how far the clock jumps) comes from the run's seeded source, so
// `--seed N` replays the same schedule. `needs` names the lab feature a nemesis cannot run without: when the
// machine lacks it, the nemesis is reported as skipped with the reason, never passed.
import { spawnSync } from 'node:child_process';
import { openSync, writeSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './http.mjs';

const shuffle = (list, rng) => {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const names = (hs) => hs.map((h) => h.name).join(',');
const signalAll = (h, sig) => {
  const pids = (spawnSync('ip', ['netns', 'pids', h.ns], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
  for (const p of pids) {
    try {
      process.kill(Number(p), sig);
    } catch {}
  }
};
/** Client agents stay with the first group of a partition: they are hosts like the servers. */
const withClients = (cluster, group) => [...group, ...cluster.clients];

export const NEMESES = {
  'isolate-leader': {
    needs: 'nft',
    async start({ lab, cluster, leader }) {
      lab.split([leader], cluster.servers.filter((s) => s !== leader));
      lab.apply();
      return { target: leader.name, heal: async () => lab.healAll() };
    },
  },
  'partition-halves': {
    needs: 'nft',
    async start({ lab, cluster, rng }) {
      const order = shuffle(cluster.servers, rng);
      const a = order.slice(0, Math.floor(order.length / 2));
      const b = order.slice(a.length);
      lab.split(withClients(cluster, a), b);
      lab.apply();
      return { target: `${names(a)} / ${names(b)}`, heal: async () => lab.healAll() };
    },
  },
  'partition-random': {
    // A random cut (any sizes, the leader on either side); client agents land on a random side.
    needs: 'nft',
    async start({ lab, cluster, rng }) {
      const order = shuffle(cluster.servers, rng);
      const k = 1 + Math.floor(rng() * (order.length - 1));
      const a = order.slice(0, k);
      const b = order.slice(k);
      const side = rng() < 0.5 ? withClients(cluster, a) : a;
      lab.split(side, side === a ? withClients(cluster, b) : b);
      lab.apply();
      return { target: `${names(a)} / ${names(b)}`, heal: async () => lab.healAll() };
    },
  },
  bridge: {
    // One server sees both sides; the two sides do not see each other.
    needs: 'nft',
    async start({ lab, cluster, rng }) {
      const order = shuffle(cluster.servers, rng);
      const bridge = order[0];
      const rest = order.slice(1);
      const a = rest.slice(0, Math.ceil(rest.length / 2));
      const b = rest.slice(a.length);
      lab.split(a, b);
      lab.apply();
      return { target: `${names(a)} / ${names(b)} via ${bridge.name}`, heal: async () => lab.healAll() };
    },
  },
  'one-way': {
    // The leader's packets to the others vanish, or the others' packets to it: it still hears (or still
    // speaks), so heartbeats alone cannot tell anyone what is wrong.
    needs: 'nft',
    async start({ lab, cluster, leader, rng }) {
      const inbound = rng() < 0.5;
      for (const s of cluster.servers) if (s !== leader) inbound ? lab.block(s, leader) : lab.block(leader, s);
      lab.apply();
      return { target: `${leader.name} ${inbound ? 'deaf (hears nothing)' : 'mute (is heard by nobody)'}`, heal: async () => lab.healAll() };
    },
  },
  'kill-leader': {
    async start({ cluster, leader }) {
      cluster.kill(leader);
      return { target: leader.name, heal: async () => cluster.start(leader) };
    },
  },
  'pause-leader': {
    async start({ leader }) {
      signalAll(leader, 'SIGSTOP');
      return { target: leader.name, heal: async () => signalAll(leader, 'SIGCONT') };
    },
  },
  'restart-all': {
    // kill -9 every server at once, all restarted a second later: recovery from each server's disk alone.
    async start({ cluster }) {
      for (const s of cluster.servers) cluster.kill(s);
      await sleep(1000);
      for (const s of cluster.servers) cluster.start(s);
      return { target: names(cluster.servers), heal: async () => {} };
    },
  },
  'clock-jump': {
    // One server's wall clock jumps by minutes (forwards or back) for the window, then back. Raft's timers
    // run on the monotonic clock and ?consistent reads confirm leadership with a heartbeat round (ReadIndex),
    // so consistent reads must stay linearizable; what reads the wall clock (session TTLs, hold deadlines) moves.
    needs: 'faketime',
    conclaveOnly: true, // the etcd lab has neither libfaketime nor a tmpfs per server
    async start({ cluster, rng }) {
      const s = cluster.servers[Math.floor(rng() * cluster.servers.length)];
      const by = Math.round((rng() < 0.5 ? -1 : 1) * (60 + rng() * 540));
      writeFileSync(s.clockFile, `${by >= 0 ? '+' : ''}${by}\n`);
      return { target: `${s.name} ${by >= 0 ? '+' : ''}${by} s`, heal: async () => writeFileSync(s.clockFile, '+0\n') };
    },
  },
  'clock-drift': {
    // One server's wall clock runs at twice the real rate (a step of +1 s every second) for the window, then
    // steps back to the real time.
    needs: 'faketime',
    conclaveOnly: true, // the etcd lab has neither libfaketime nor a tmpfs per server
    async start({ cluster, rng }) {
      const s = cluster.servers[Math.floor(rng() * cluster.servers.length)];
      let off = 0;
      const timer = setInterval(() => writeFileSync(s.clockFile, `+${++off}\n`), 1000);
      return {
        target: `${s.name} x2`,
        heal: async () => {
          clearInterval(timer);
          writeFileSync(s.clockFile, '+0\n');
        },
      };
    },
  },
  'disk-full': {
    // One server's data directory (its own tmpfs) is filled to the last byte, leader or follower at random;
    // it must refuse what it cannot persist, never corrupt its log, and catch up once the space returns.
    needs: 'tmpfs',
    conclaveOnly: true, // the etcd lab has neither libfaketime nor a tmpfs per server
    async start({ cluster, leader, rng }) {
      const s = rng() < 0.5 ? leader : cluster.servers.find((x) => x !== leader);
      const filler = join(s.dir, 'filler');
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(1 << 20);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {}
      const small = Buffer.alloc(512);
      try {
        for (;;) writeSync(fd, small);
      } catch {}
      closeSync(fd);
      return { target: `${s.name}${s === leader ? ' (leader)' : ''}`, heal: async () => rmSync(filler, { force: true }) };
    },
  },
  'slow-disk': {
    needs: 'slowDisk',
    async start() {
      throw new Error('unreachable: slow-disk is always skipped');
    },
  },
  membership: {
    // A membership change during a partition: one server is cut off, a new server joins the majority side and
    // is promoted to voter by autopilot, the partition heals, then the new server leaves gracefully.
    needs: 'nft',
    conclaveOnly: true,
    async start({ lab, cluster, leader, rng, log }) {
      const others = cluster.servers.filter((s) => s !== leader);
      const cut = others[Math.floor(rng() * others.length)];
      lab.split([cut], cluster.servers.filter((s) => s !== cut));
      lab.apply();
      const added = cluster.addServer();
      lab.split([cut], [added]);
      lab.apply();
      return {
        target: `${cut.name} cut off, ${added.name} joins`,
        heal: async () => {
          lab.healAll();
          const voters = await cluster.voters();
          log(`membership: voters before ${added.name} leaves: ${voters?.join(',')}`);
          await cluster.removeServer(added);
        },
      };
    },
  },
};

export const NEMESIS_ORDER = ['isolate-leader', 'partition-halves', 'partition-random', 'bridge', 'one-way', 'kill-leader', 'pause-leader', 'restart-all', 'clock-jump', 'clock-drift', 'disk-full', 'slow-disk', 'membership'];
