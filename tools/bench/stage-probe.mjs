// Preloaded into a Conclave server by `cluster-kv.mjs --probe` (`node --import <this file> conclave.js agent ...`):
// where the time of a write goes, stage by stage, without a line of it in the agent. It wraps methods of the
// built @conclave/raft classes and node:http (the same module instances the agent loads) and records into
// histograms (µs):
//   leader, per entry:  queue (propose() → appended to the core), persist (→ own write+fsync done),
//                       ack (appended → first follower's AppendEntries ack arrives: the quorum of 3),
//                       ack wait (ack arrived → the loop steps it), to ready (stepped → the Ready that
//                       applies it starts), apply (→ propose() resolves), total (propose() → resolved);
//   follower, per App:  inbox (arrived → stepped), persist (stepped → written+fsynced), reply (→ ack handed
//                       to the transport), and the loop's Ready count, entries per append, append time;
//   every process:      HTTP request → response finish per method/consistency, event-loop delay, GC pauses
//                       by kind, CPU and run-queue wait (time runnable but not on a CPU, from schedstat).
// SIGUSR2 writes everything measured since the last SIGUSR2 to $STAGE_PROBE_DIR/<pid>.json and starts over, so
// the bench brackets each row with two signals. With STAGE_PROBE_CPU=1 it also profiles the CPU over the same
// window (node:inspector) into <pid>-<n>.cpuprofile. Timestamps and bookkeeping cost ~1–2 µs per write.
import { createHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { Session } from 'node:inspector';

const { RaftNode, DiskStorage, WsTransport, MessageType: MT } = await import('@conclave/raft');

const outDir = process.env.STAGE_PROBE_DIR ?? '/tmp';
const now = () => performance.now();
const hists = new Map();
/** Records ms as µs into the named histogram. */
function rec(name, ms) {
  let h = hists.get(name);
  if (!h) hists.set(name, (h = createHistogram()));
  h.record(Math.max(1, Math.round(ms * 1000)));
}

// ---- leader: one record per entry index, filled in as the entry passes each stage
const entries = new Map(); // index -> { propose, flush, persisted, ackArrive, ackStep, ready }
let ackedUpTo = 0;
const proposeAt = new WeakMap(); // data -> propose() time
const arrivedAt = new WeakMap(); // message -> transport arrival time
let node; // the RaftNode of this process

const origStart = RaftNode.prototype.start;
RaftNode.prototype.start = function (...a) {
  node = this;
  return origStart.apply(this, a);
};

const origPropose = RaftNode.prototype.propose;
RaftNode.prototype.propose = function (data) {
  const t = now();
  proposeAt.set(data, t);
  return origPropose.call(this, data).then((r) => {
    const e = entries.get(r.index);
    entries.delete(r.index);
    const done = now();
    if (e && e.flush !== undefined) {
      rec('leader: queue (propose → appended)', e.flush - t);
      if (e.persisted !== undefined) rec('leader: persist (own write+fsync)', e.persisted - e.flush);
      if (e.ackArrive !== undefined) {
        rec('leader: ack (appended → follower ack arrives)', e.ackArrive - e.flush);
        rec('leader: ack wait (arrived → stepped)', e.ackStep - e.ackArrive);
        if (e.ready !== undefined) rec('leader: to ready (stepped → applying Ready)', e.ready - Math.max(e.ackStep, e.persisted ?? 0));
      }
      if (e.ready !== undefined) rec('leader: apply (Ready start → resolved)', done - e.ready);
    }
    rec('leader: total (propose → resolved)', done - t);
    return r;
  });
};

const origFlush = RaftNode.prototype.flushProposals;
RaftNode.prototype.flushProposals = function () {
  const batch = this.proposals;
  const before = this.raft.log.lastIndex();
  origFlush.call(this);
  const t = now();
  const after = this.raft.log.lastIndex();
  rec('leader: proposals per append', Math.max(0, after - before) / 1000);
  for (let i = 0; i < batch.length && before + 1 + i <= after; i++) entries.set(before + 1 + i, { flush: t });
};

const origHandleReady = RaftNode.prototype.handleReady;
RaftNode.prototype.handleReady = function (rd) {
  const t = now();
  for (const c of rd.committedEntries) {
    const e = entries.get(c.index);
    if (e && e.ready === undefined) e.ready = t;
  }
  if (!this.isLeader() && rd.entries.length) rec('follower: entries per Ready', rd.entries.length / 1000);
  return origHandleReady.call(this, rd);
};

const origOnMessage = RaftNode.prototype.onMessage;
RaftNode.prototype.onMessage = function (m) {
  const t = now();
  const arrived = arrivedAt.get(m);
  if (m.type === MT.AppResp && !m.reject && this.raft?.state === 'leader') {
    for (let i = Math.max(ackedUpTo, (m.index ?? 0) - 100_000) + 1; i <= (m.index ?? 0); i++) {
      const e = entries.get(i);
      if (e && e.ackArrive === undefined) {
        e.ackArrive = arrived ?? t;
        e.ackStep = t;
      }
    }
    if ((m.index ?? 0) > ackedUpTo) ackedUpTo = m.index;
  }
  if (m.type === MT.App && m.entries?.length && arrived !== undefined) {
    rec('follower: inbox (App arrived → stepped)', t - arrived);
    followerApps.set(m.entries[m.entries.length - 1].index, { step: t });
  }
  return origOnMessage.call(this, m);
};

// ---- follower: App stepped → persisted → ack sent
const followerApps = new Map(); // last index of an App -> { step, persisted }
const origAppend = DiskStorage.prototype.append;
DiskStorage.prototype.append = async function (ents, hs, sync) {
  const t = now();
  await origAppend.call(this, ents, hs, sync);
  const done = now();
  rec(sync ? 'disk: append with fsync' : 'disk: append without fsync', done - t);
  const leader = node?.isLeader();
  for (const e of ents) {
    if (leader) {
      const r = entries.get(e.index);
      if (r) r.persisted = done;
    } else {
      const f = followerApps.get(e.index);
      if (f) {
        rec('follower: persist (stepped → written+fsynced)', done - f.step);
        f.persisted = done;
      }
    }
  }
};

const origStartT = WsTransport.prototype.start;
WsTransport.prototype.start = function (handlers) {
  return origStartT.call(this, {
    ...handlers,
    onMessage: (m) => {
      arrivedAt.set(m, now());
      handlers.onMessage(m);
    },
  });
};
const origSend = WsTransport.prototype.send;
WsTransport.prototype.send = function (m) {
  if (m.type === MT.AppResp && !m.reject) {
    const f = followerApps.get(m.index);
    if (f?.persisted !== undefined) {
      rec('follower: reply (persisted → ack sent)', now() - f.persisted);
      followerApps.delete(m.index);
    }
  }
  if (followerApps.size > 10_000) followerApps.clear();
  return origSend.call(this, m);
};

// ---- HTTP: request event → response finished, by method and consistency mode
const origEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (ev, req, res) {
  if (ev === 'request' && req.url?.startsWith('/v1/kv/')) {
    const t = now();
    const mode = req.url.includes('consistent') ? ' ?consistent' : req.url.includes('stale') ? ' ?stale' : '';
    const name = `http: ${req.method}${mode} (request → response finished)`;
    res.once('finish', () => rec(name, now() - t));
  }
  return origEmit.apply(this, arguments);
};

// ---- process-wide
const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) rec(`gc: ${gcKind(e.detail?.kind ?? e.kind)}`, e.duration);
}).observe({ entryTypes: ['gc'] });
function gcKind(k) {
  return { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental marking', 8: 'weak callbacks' }[k] ?? `kind ${k}`;
}

/** [on-CPU ns, run-queue wait ns] of the main thread. */
function schedstat() {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run, wait];
  } catch {
    return [NaN, NaN];
  }
}

let since = { t: now(), cpu: process.cpuUsage(), sched: schedstat() };
let profile;
let dumps = 0;
async function startProfile() {
  if (process.env.STAGE_PROBE_CPU !== '1') return;
  profile = new Session();
  profile.connect();
  const post = (m, p) => new Promise((res, rej) => profile.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  profile.stopInto = async (file) => {
    const { profile: p } = await post('Profiler.stop');
    writeFileSync(file, JSON.stringify(p));
    profile.disconnect();
  };
}

function summary(h) {
  const us = (v) => Math.round(v) / 1000; // µs -> ms with 3 decimals
  return { count: h.count, p50: us(h.percentile(50)), p90: us(h.percentile(90)), p99: us(h.percentile(99)), max: us(h.max), mean: us(h.mean) };
}

process.on('SIGUSR2', async () => {
  const n = ++dumps;
  const t = now();
  const cpu = process.cpuUsage(since.cpu);
  const sched = schedstat();
  const wallS = (t - since.t) / 1000;
  const out = {
    pid: process.pid,
    leader: node?.isLeader() ?? false,
    wallS,
    cpuMsPerS: (cpu.user + cpu.system) / 1000 / wallS,
    mainThreadCpuMsPerS: (sched[0] - since.sched[0]) / 1e6 / wallS,
    runQueueWaitMsPerS: (sched[1] - since.sched[1]) / 1e6 / wallS,
    eventLoopDelay: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
    stages: Object.fromEntries([...hists].map(([k, h]) => [k, summary(h)])),
  };
  if (profile) await profile.stopInto(join(outDir, `${process.pid}-${n}.cpuprofile`));
  writeFileSync(join(outDir, `${process.pid}.json`), JSON.stringify(out));
  hists.clear();
  eld.reset();
  since = { t: now(), cpu: process.cpuUsage(), sched: schedstat() };
  await startProfile();
});
