#!/usr/bin/env node
// Raft commit benchmark: three RaftNode processes on 127.0.0.1 (WsTransport, DiskStorage with fdatasync),
// closed-loop proposers on the leader, 100-byte commands. Also: leader-kill to first commit, and the
// memory of a follower core holding 1,000,000 entries. Baseline measured in the same run: raw
// 100-byte write+fdatasync on the same disk (the ceiling for one-at-a-time durable commits).
//
//   cd packages/raft && npx tsup && cd ../.. && node tools/bench/raft-commit.mjs [--seconds 5] [--failovers 3] [--entries 1000000]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, writeSync, fdatasyncSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const role = process.env.RAFT_BENCH_ROLE;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : NaN);

if (role === 'node') await runNode();
else if (role === 'mem') await runMem();
else await main();

// ---------------------------------------------------------------- a cluster member (child process)
async function runNode() {
  const { RaftNode, DiskStorage, WsTransport } = await import('@conclave/raft');
  const id = process.env.ID;
  const peers = JSON.parse(process.env.PEERS);
  const port = Number(peers[id].split(':')[1]);
  const transport = new WsTransport({ id, port, peers });
  let applied = 0;
  const node = new RaftNode({
    id,
    storage: new DiskStorage({ dir: process.env.DIR }),
    transport,
    fsm: {
      apply: () => ++applied,
      snapshot: () => new TextEncoder().encode(String(applied)),
      restore: (b) => {
        applied = Number(new TextDecoder().decode(b));
      },
    },
    bootstrap: Object.keys(peers),
  });
  let watch = false;
  node.on('state', async (s) => {
    if (s !== 'leader' || !watch) return;
    watch = false;
    try {
      await node.propose(new Uint8Array(100));
      process.send({ type: 'failover', at: Date.now(), id });
    } catch (e) {
      process.send({ type: 'failover-error', error: String(e) });
    }
  });
  await node.start();
  process.on('message', async (m) => {
    if (m.cmd === 'status') process.send({ type: 'status', id, leader: node.isLeader(), applied: node.appliedIndex() });
    if (m.cmd === 'watch') watch = true;
    if (m.cmd === 'exit') process.exit(0);
    if (m.cmd === 'load') process.send({ type: 'load', ...(await load(node, m.concurrency, m.seconds)) });
    if (m.cmd === 'reads') process.send({ type: 'reads', ...(await load(node, m.concurrency, m.seconds, true)) });
  });
  process.send({ type: 'ready', id });
}

async function load(node, concurrency, seconds, reads = false) {
  const payload = new Uint8Array(100).fill(120);
  const lat = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          if (reads) await node.readBarrier();
          else await node.propose(payload);
          lat.push(performance.now() - s);
        } catch {
          errors++;
          await sleep(10);
        }
      }
    }),
  );
  const el = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { commits: lat.length, perSec: lat.length / el, p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

// ---------------------------------------------------------------- follower memory (child process)
async function runMem() {
  const { Raft, seededRandom, MessageType } = await import('@conclave/raft/internal');
  const n = Number(process.env.ENTRIES);
  const boot = Raft.bootstrap(['l', 'f', 'x']);
  const r = new Raft({ id: 'f', random: seededRandom(1), hardState: boot.hardState, entries: boot.entries, electionTick: 1000000 });
  const drain = () => {
    while (r.hasReady()) {
      r.ready();
      r.advance();
    }
  };
  drain();
  global.gc?.();
  const before = process.memoryUsage();
  const batch = 1000;
  let last = 1;
  const term = 2;
  for (let i = 0; i < n; i += batch) {
    const entries = [];
    // Payloads are views into one buffer per batch, as msgpackr decodes a received frame.
    const shared = new Uint8Array(16 * batch).fill(i & 255);
    for (let j = 0; j < batch && last < n + 1; j++) {
      last++;
      entries.push({ index: last, term, type: 0, data: shared.subarray(j * 16, j * 16 + 16) });
    }
    r.step({ type: MessageType.App, from: 'l', to: 'f', term, index: entries[0].index - 1, logTerm: entries[0].index - 1 === 1 ? 1 : term, entries, commit: 1 });
    drain();
  }
  global.gc?.();
  const after = process.memoryUsage();
  process.send({ type: 'mem', entries: r.log.lastIndex() - 1, rssBefore: before.rss, rss: after.rss, heap: after.heapUsed });
}

// ---------------------------------------------------------------- the orchestrator
async function main() {
  const seconds = arg('seconds', 5);
  const failovers = arg('failovers', 3);
  const entries = arg('entries', 1_000_000);
  const self = fileURLToPath(import.meta.url);
  const root = mkdtempSync(join(tmpdir(), 'raft-bench-'));
  const rows = [];

  // Baseline: one durable 100-byte append at a time on this disk.
  {
    const f = join(root, 'fsync.bin');
    const fd = openSync(f, 'a');
    const buf = Buffer.alloc(100, 1);
    const lat = [];
    const end = performance.now() + Math.min(seconds, 3) * 1000;
    const t0 = performance.now();
    while (performance.now() < end) {
      const s = performance.now();
      writeSync(fd, buf);
      fdatasyncSync(fd);
      lat.push(performance.now() - s);
    }
    closeSync(fd);
    lat.sort((a, b) => a - b);
    rows.push(['baseline: write+fdatasync 100 B', 1, Math.round(lat.length / ((performance.now() - t0) / 1000)), pct(lat, 50), pct(lat, 99)]);
  }

  const ids = ['n1', 'n2', 'n3'];
  const ports = await freePorts(3);
  const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
  const procs = new Map();
  const spawn = (id) =>
    new Promise((resolve) => {
      const dir = join(root, id);
      const p = fork(self, [], { env: { ...process.env, RAFT_BENCH_ROLE: 'node', ID: id, PEERS: JSON.stringify(peers), DIR: dir }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      procs.set(id, p);
      p.once('message', () => resolve(p));
    });
  const ask = (p, cmd, type, extra = {}) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === type) {
          p.off('message', on);
          resolve(m);
        }
      };
      p.on('message', on);
      p.send({ cmd, ...extra });
    });
  const findLeader = async () => {
    for (let i = 0; i < 500; i++) {
      for (const [id, p] of procs) {
        if (!p.connected) continue;
        const s = await ask(p, 'status', 'status');
        if (s.leader) return id;
      }
      await sleep(20);
    }
    throw new Error('no leader');
  };

  try {
    await Promise.all(ids.map(spawn));
    let lead = await findLeader();
    await ask(procs.get(lead), 'load', 'load', { concurrency: 16, seconds: 1 }); // warm-up
    for (const c of [1, 16, 256]) {
      lead = await findLeader();
      const r = await ask(procs.get(lead), 'load', 'load', { concurrency: c, seconds });
      rows.push([`raft 3 nodes, fsync, ${c} proposer${c > 1 ? 's' : ''}`, c, Math.round(r.perSec), r.p50, r.p99]);
    }

    for (const role of ['leader', 'follower']) {
      lead = await findLeader();
      const target = role === 'leader' ? lead : ids.find((i) => i !== lead);
      const r = await ask(procs.get(target), 'reads', 'reads', { concurrency: 256, seconds });
      rows.push([`readBarrier (ReadIndex) on the ${role}, 256 readers`, 256, Math.round(r.perSec), r.p50, r.p99]);
    }

    const fo = [];
    for (let t = 0; t < failovers; t++) {
      lead = await findLeader();
      const others = ids.filter((i) => i !== lead);
      const got = new Promise((resolve) => {
        for (const id of others) procs.get(id).on('message', (m) => m.type === 'failover' && resolve(m));
      });
      for (const id of others) procs.get(id).send({ cmd: 'watch' });
      const t0 = Date.now();
      procs.get(lead).kill('SIGKILL');
      const m = await got;
      fo.push(m.at - t0);
      await spawn(lead);
      await sleep(1000);
    }
    fo.sort((a, b) => a - b);

    const mem = await new Promise((resolve) => {
      const p = fork(self, [], { env: { ...process.env, RAFT_BENCH_ROLE: 'mem', ENTRIES: String(entries) }, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      p.once('message', (m) => {
        p.kill();
        resolve(m);
      });
    });

    const fmt = (x) => (typeof x === 'number' && !Number.isInteger(x) ? x.toFixed(2) : String(x));
    console.log('\n| workload | proposers | commits/s | p50 ms | p99 ms |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.map(fmt).join(' | ')} |`);
    console.log(`\nleader kill -> first commit under a new leader (default timings, ${failovers} trials): ${fo.map((x) => `${x} ms`).join(', ')}; median ${pct(fo, 50)} ms`);
    console.log(
      `follower core holding ${mem.entries.toLocaleString('en-US')} entries (16-byte payloads, before compaction): RSS ${(mem.rss / 2 ** 20).toFixed(0)} MB (${(mem.rssBefore / 2 ** 20).toFixed(0)} MB empty), heap ${(mem.heap / 2 ** 20).toFixed(0)} MB`,
    );
  } finally {
    for (const p of procs.values()) if (p.connected) p.send({ cmd: 'exit' });
    await sleep(1500);
    for (const p of procs.values()) p.kill('SIGKILL');
    await sleep(200);
    rmSync(root, { recursive: true, force: true });
  }
}

async function freePorts(n) {
  const { createServer } = await import('node:net');
  const out = [];
  const servers = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    out.push(s.address().port);
    servers.push(s);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return out;
}
