#!/usr/bin/env node
// Snapshots of a large state, the old way next to the streamed way, measured in the same run: for each step
// the peak RSS over the steady state (the process's VmHWM after /proc/self/clear_refs, so a peak inside one
// synchronous call is not missed) and the longest event-loop stall as main-thread CPU time between two
// calls of a 5 ms timer (10 ms resolution). Neither needs a quiet machine, unlike a latency table; the
// wall-clock event-loop delay (perf_hooks, includes waiting for a CPU) and wall time are printed too.
//
//   save     GET /v1/snapshot:   old = one msgpack map, gzipSync'd tar; new = prepareSnapshotArchive + async gzip
//   restore  PUT /v1/snapshot → state:  old = gunzipSync + unpack;  new = readSnapshotArchiveAsync + restoreStream
//            (the whole body in memory, as the endpoint did until the streamed restore)
//   api      PUT /v1/snapshot on the leader, streamed: the body (read from the archive file) through
//            receiveSnapshotArchive into a temporary file, then, as RaftNode.restoreSnapshot does, the state
//            machine's prepareRestore and DiskStorage.prepareInstall both read that file, and both commit
//   raft     Raft's own snapshot to disk:  old = pack + DiskStorage.saveSnapshot;  new = saveSnapshotStream
//   install  a follower's InstallSnapshot of the raft step's snapshot file, sent by a WsTransport in the same
//            process (streamed from DiskStorage.openSnapshot): old = the snapshot in one buffer (as the
//            transport assembled it) + installSnapshot + restoreStream of the buffer; new = received into a
//            file chunk by chunk, installed from it, restored from the stored snapshot as a stream
//
// "peak − after" is the peak over the RSS once the step is done (after a GC): for a restore, whose steady
// state is the new state, it is what the step held beyond that state.
// Each (step, way) runs in a fresh process that first builds the state (--mb of KV, --value bytes a key).
// Usage: node tools/bench/snapshot-stream.mjs [--mb 256] [--value 1024] [--ways old,new] [--steps save,api,raft,install]
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pack } from 'msgpackr';
import { StateMachine, buildSnapshotArchive, prepareSnapshotArchive, readSnapshotArchive, readSnapshotArchiveAsync, receiveSnapshotArchive } from '@conclave/state';
import { DiskStorage, MessageType, WsTransport } from '@conclave/raft';
import { opt } from './lib.mjs';

const mb = Number(opt('mb', '256'));
const valueBytes = Number(opt('value', '1024'));
const step = opt('step', '');
const way = opt('way', '');
const dir = opt('dir', '');

/** CPU time (user + system) of the main thread so far, in ms (10 ms clock ticks). */
function mainThreadCpuMs() {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function vmKb(field) {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

/** A state of `mb` MB of KV values (hex text: compressible about 2:1, like typical config). */
function buildState() {
  const sm = new StateMachine();
  const n = Math.ceil((mb * 1024 * 1024) / valueBytes);
  const chunk = Buffer.alloc(valueBytes);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < valueBytes; j++) chunk[j] = 48 + ((i * 31 + j * 7) % 16);
    sm.apply({ type: 'kv.set', Key: `bench/${String(i).padStart(9, '0')}`, Value: Buffer.from(chunk), Flags: '0' }, i + 1);
  }
  return sm;
}

/** The old state.bin: one msgpack map of every table (state-machine.ts before streaming). */
function oldSnapshot(sm) {
  return pack({ version: 1, lastIndex: sm.lastIndex, catalog: sm.catalog.snapshot(), kv: sm.kv.snapshot(), sessions: sm.sessions.snapshot() });
}

async function child() {
  const sm = step === 'restore' || step === 'api' || step === 'install' ? new StateMachine() : buildState();
  global.gc();
  await new Promise((r) => setTimeout(r, 200));
  global.gc();
  const steady = vmKb('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // A timer that must keep firing, like Raft ticks and HTTP reads would. Between two of its calls it notes
  // the CPU time the main thread used: the longest such gap is the longest stall the loop would have on an
  // idle core, whatever the machine's load (wall-clock delay also counts waiting for a CPU).
  let lastCpu = mainThreadCpuMs();
  let maxStallCpuMs = 0;
  const tick = setInterval(() => {
    const now = mainThreadCpuMs();
    maxStallCpuMs = Math.max(maxStallCpuMs, now - lastCpu);
    lastCpu = now;
  }, 5);
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  if (step === 'save') {
    const out = join(dir, `${way}.tgz`);
    if (way === 'old') writeFileSync(out, buildSnapshotArchiveOld(sm));
    else await (await prepareSnapshotArchive(sm.snapshotStream(), sm.lastIndex, { tmpDir: dir })).pipeTo(createWriteStream(out));
  } else if (step === 'restore') {
    const body = await readFile(join(dir, `${way}.tgz`));
    if (way === 'old') sm.restore(readSnapshotArchive(body).state);
    else await sm.restoreStream((await readSnapshotArchiveAsync(body)).state);
    if (sm.kv.stats().keys === 0) throw new Error('restored nothing');
  } else if (step === 'api') {
    const received = await receiveSnapshotArchive(createReadStream(join(dir, 'new.tgz'), { highWaterMark: 64 << 10 }), { tmpDir: dir });
    const storage = new DiskStorage({ dir: join(dir, 'raft-api') });
    await storage.load();
    const meta = { index: received.meta.Index + 1, term: 1, conf: { voters: ['a'], learners: [] } };
    const [swap, install] = await Promise.all([sm.prepareRestore(received.open()), storage.prepareInstall(meta, received.open())]);
    await install.commit();
    swap(meta.index);
    await received.discard();
    await storage.close();
    if (sm.kv.stats().keys === 0) throw new Error('restored nothing');
  } else if (step === 'install') {
    await installSnapshot(sm);
    if (sm.kv.stats().keys === 0) throw new Error('restored nothing');
  } else if (step === 'raft') {
    const storage = new DiskStorage({ dir: join(dir, `raft-${way}`) });
    await storage.load();
    const meta = { index: sm.lastIndex, term: 1, conf: { voters: ['a'], learners: [] } };
    if (way === 'old') await storage.saveSnapshot({ meta, data: oldSnapshot(sm) });
    else await storage.saveSnapshotStream(meta, sm.snapshotStream());
    await storage.close();
  }
  const wall = performance.now() - t0;
  // Let the loop turn so a stall at the very end is measured too.
  await new Promise((r) => setTimeout(r, 30));
  clearInterval(tick);
  h.disable();
  const peak = vmKb('VmHWM');
  global.gc();
  await new Promise((r) => setTimeout(r, 200));
  global.gc();
  const after = vmKb('VmRSS');
  process.stdout.write(
    JSON.stringify({ steadyMb: steady / 1024, peakMb: peak / 1024, afterMb: after / 1024, maxDelayMs: h.max / 1e6, p99DelayMs: h.percentile(99) / 1e6, maxStallCpuMs, wallMs: wall }) + '\n',
  );
}

/** A follower's side of InstallSnapshot, the sender (a leader's transport reading its stored snapshot) in this process too. */
async function installSnapshot(sm) {
  const source = new DiskStorage({ dir: join(dir, 'raft-new') });
  await source.load();
  const recvDir = join(dir, `install-${way}`);
  const storage = new DiskStorage({ dir: recvDir });
  await storage.load();
  let done;
  const installed = new Promise((resolve, reject) => (done = { resolve, reject }));
  const receiver = new WsTransport({ id: 'f', snapshotDir: recvDir });
  await receiver.start({
    onUnreachable: () => undefined,
    onMessage: (m) => {
      if (m.type !== MessageType.Snap) return;
      (async () => {
        const snap = m.snapshot;
        if (way === 'old') {
          // What the transport did before: the whole snapshot assembled in one buffer.
          const parts = [];
          for await (const c of snap.source.open()) parts.push(c);
          const data = Buffer.concat(parts);
          await snap.source.discard();
          await storage.installSnapshot({ meta: snap.meta, data });
          await sm.restoreStream(data, snap.meta.index);
        } else {
          await storage.installSnapshot(snap);
          await snap.source.discard();
          const stored = await storage.openSnapshot();
          await sm.restoreStream(stored.chunks, snap.meta.index);
        }
      })().then(done.resolve, done.reject);
    },
  });
  const sender = new WsTransport({ id: 'l', peers: { f: `127.0.0.1:${receiver.address().port}` } });
  await sender.start({ onMessage: () => undefined, onUnreachable: () => undefined });
  const stream = await source.openSnapshot();
  const ok = await sender.sendSnapshotStream({ type: MessageType.Snap, from: 'l', to: 'f', term: 1, snapshot: { meta: stream.meta } }, stream);
  if (!ok) throw new Error('the snapshot was not sent');
  await installed;
  await sender.close();
  await receiver.close();
  await storage.close();
  await source.close();
}

function buildSnapshotArchiveOld(sm) {
  // buildSnapshotArchive is the old whole-buffer writer (kept for small archives); fed the old state.bin.
  return buildSnapshotArchive(oldSnapshot(sm), sm.lastIndex);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'conclave-snapbench-'));
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  const before = loadavg();
  try {
    // --ways new / --steps: a subset (for a 1 GB state: --ways new --steps save,api,raft,install; the buffered
    // restore refuses a state.bin over 1 GiB). The api and install rows read what the save and raft rows wrote.
    const ways = opt('ways', 'old,new').split(',');
    const only = opt('steps', '') ? opt('steps', '').split(',') : undefined;
    const steps = [
      ['save', 'old'], ['save', 'new'], ['restore', 'old'], ['restore', 'new'], ['api', 'new'],
      ['raft', 'old'], ['raft', 'new'], ['install', 'old'], ['install', 'new'],
    ].filter(([st, w]) => ways.includes(w) && (!only || only.includes(st)));
    for (const [s, w] of steps) {
      {
        const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', self, '--step', s, '--way', w, '--dir', work, '--mb', String(mb), '--value', String(valueBytes)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        rows.push({ step: s, way: w, ...JSON.parse(out.trim().split('\n').pop()) });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const after = loadavg();
  console.log(`snapshot of ${mb} MB of KV (${valueBytes}-byte values), node ${process.version}; load average ${before[0].toFixed(2)} before, ${after[0].toFixed(2)} after`);
  console.log('| step | way | steady RSS MB | peak RSS MB | after MB | peak − steady MB | peak − after MB | longest stall, main-thread CPU ms | max event-loop delay ms | p99 delay ms | wall ms |');
  console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(
      `| ${r.step} | ${r.way} | ${r.steadyMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${r.afterMb.toFixed(0)} | ${(r.peakMb - r.steadyMb).toFixed(0)} | ${(r.peakMb - r.afterMb).toFixed(0)} | ${r.maxStallCpuMs} | ${r.maxDelayMs.toFixed(0)} | ${r.p99DelayMs.toFixed(0)} | ${r.wallMs.toFixed(0)} |`,
    );
  }
}

if (step) await child();
else await main();
