#!/usr/bin/env node
// Fault campaigns against real agents (issue 19): servers and a client agent each in its own network namespace
// (lab.mjs), workloads through the HTTP API of every server and the client agent (workloads/), a seeded schedule
// of nemeses (nemeses.mjs), and a verdict per workload. See docs/reliability.md.
//
//   sudo npm run faults -- --time 60 --nemesis all --seed 1
//       [--nemesis isolate-leader,kill-leader,...] [--servers 3] [--clients 6] [--interval 6] [--lab 0]
//       [--workloads register,append-set,locks,watch,catalog] [--system conclave|etcd]
//
// With `--nemesis all` every nemesis runs at least once (the run lasts at least as long as that takes), then the
// schedule keeps drawing nemeses at random until --time is spent. The same --seed replays the same schedule
// (which nemesis, which servers, which side, how far a clock jumps) and the same client choices.
// Exit 0: no anomaly; 1: an anomaly (printed with its history and the command that replays it); 2: this machine
// cannot run the lab (said why).
import { seededRandom } from '../../packages/raft/dist/index.js';
import { ConclaveCluster } from './conclave-cluster.mjs';
import { EtcdCluster } from './etcd-cluster.mjs';
import { sleep } from './http.mjs';
import { Lab, probe } from './lab.mjs';
import { NEMESES, NEMESIS_ORDER } from './nemeses.mjs';
import { AppendSetWorkload } from './workloads/append-set.mjs';
import { CatalogWorkload } from './workloads/catalog.mjs';
import { LocksWorkload } from './workloads/locks.mjs';
import { RegisterWorkload } from './workloads/register.mjs';
import { WatchWorkload } from './workloads/watch.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const system = opt('system', 'conclave');
const seed = Number(opt('seed', String(Math.floor(Math.random() * 1e6))));
const minSeconds = Number(opt('time', '60'));
const nemesisArg = opt('nemesis', 'all');
const serverCount = Number(opt('servers', '3'));
const clientCount = Number(opt('clients', '6'));
const intervalS = Number(opt('interval', '6'));
const labId = Number(opt('lab', '0'));
const workloadNames = opt('workloads', system === 'etcd' ? 'register' : 'register,append-set,locks,watch,catalog').split(',');
const replay = `npm run faults -- ${args.filter((a, i) => a !== '--seed' && args[i - 1] !== '--seed').join(' ')} --seed ${seed}`;
const log = (s) => console.log(`faults: ${s}`);

const features = probe(labId);
if (!features.netns) {
  console.error(`faults: this machine cannot run the lab: ${features.why.netns}`);
  process.exit(2);
}
features.slowDisk = false;
features.why.slowDisk = features.why.dmDelay;

// ---------------------------------------------------------------- schedule
const rng = seededRandom(seed);
const wanted = nemesisArg === 'all' ? NEMESIS_ORDER : nemesisArg.split(',');
for (const n of wanted) if (n !== 'none' && !NEMESES[n]) throw new Error(`unknown nemesis ${n}; known: ${NEMESIS_ORDER.join(', ')}, none, all`);
const skipped = [];
const runnable = wanted.filter((n) => {
  if (n === 'none') return false;
  const nem = NEMESES[n];
  if (nem.needs && !features[nem.needs]) return !skipped.push({ nemesis: n, why: features.why[nem.needs] });
  if (nem.conclaveOnly && system !== 'conclave') return !skipped.push({ nemesis: n, why: `not written for ${system}` });
  return true;
});
for (const s of skipped) log(`SKIPPED nemesis ${s.nemesis}: ${s.why}`);
const seconds = Math.max(minSeconds, runnable.length * 2 * intervalS + intervalS);

// ---------------------------------------------------------------- cluster
const lab = new Lab(labId);
const cluster = system === 'etcd' ? new EtcdCluster(lab, { servers: serverCount }) : new ConclaveCluster(lab, { servers: serverCount, clientAgents: 1, features });
cluster.startAll();
async function waitLeader(ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await cluster.leader();
    if (l) return l;
    if (Date.now() > deadline) return undefined;
    await sleep(200);
  }
}
if (!(await waitLeader(60_000))) {
  console.error('faults: no leader within 60 s\n' + cluster.endpoints().map((s) => `--- ${s.name}\n${s.log}`).join('\n'));
  process.exit(1);
}
await sleep(2000); // the client agent joins, autopilot settles
log(`seed ${seed}; ${system}, ${serverCount} servers${cluster.clients?.length ? ` + ${cluster.clients.length} client agent` : ''} in namespaces, leader ${(await cluster.leader())?.name}; ${seconds} s, nemeses ${runnable.join(', ') || 'none'}; workloads ${workloadNames.join(', ')}; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// ---------------------------------------------------------------- workloads
const makers = { register: () => new RegisterWorkload(), 'append-set': () => new AppendSetWorkload(), locks: () => new LocksWorkload(), watch: () => new WatchWorkload(), catalog: () => new CatalogWorkload() };
const workloads = workloadNames.map((w) => {
  if (!makers[w]) throw new Error(`unknown workload ${w}; known: ${Object.keys(makers).join(', ')}`);
  return makers[w]();
});
const t0 = performance.now();
const end = Date.now() + seconds * 1000;
let nemesisDone = false;
// Clients stop when --time is spent and the nemesis schedule is through (a slow election must not cut it short).
const running = () => Date.now() < end || !nemesisDone;
let seqN = 0;
const acks = []; // acknowledged writes of every workload {call, ret}: availability and recovery
const ctx = { cluster, lab, now: () => performance.now() - t0, seq: () => seqN++, ack: (call, ret) => acks.push({ call, ret }) };

async function client(c) {
  const crng = seededRandom(seed * 7919 + c + 1);
  // The register gets half of the operations: its checker is the strongest; the rest share the other half.
  const weights = workloads.map((w) => (w.name === 'register' ? Math.max(1, workloads.length - 1) : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  while (running()) {
    let pick = crng() * total;
    const w = workloads.find((_, i) => (pick -= weights[i]) < 0) ?? workloads[0];
    const eps = cluster.endpoints();
    const h = eps[Math.floor(crng() * eps.length)];
    try {
      await w.step(ctx, c, crng, h);
    } catch {
      // An operation whose outcome is unknown is recorded as such by the workload itself.
    }
  }
}

// ---------------------------------------------------------------- nemesis
const faults = [];
async function fullyRecovered() {
  // Every server names the same leader and answers a ?consistent read.
  const leaders = new Set();
  for (const s of cluster.servers) {
    const l = await cluster.leaderSeenBy(s).catch(() => undefined);
    if (!l) return false;
    leaders.add(l);
    if ((await cluster.kvGet(s, 'k0').catch(() => undefined)) === undefined) return false;
  }
  return leaders.size === 1;
}
async function nemesis() {
  await sleep(intervalS * 1000);
  const queue = [...runnable];
  while (queue.length || (Date.now() + 2 * intervalS * 1000 <= end && runnable.length)) {
    const kind = queue.shift() ?? runnable[Math.floor(rng() * runnable.length)];
    const leader = await waitLeader(30_000);
    if (!leader) {
      log(`no leader before ${kind}; waiting`);
      continue;
    }
    const f = { kind, at: ctx.now(), healedAt: NaN, recoveredAt: NaN };
    faults.push(f);
    try {
      const r = await NEMESES[kind].start({ lab, cluster, leader, rng, log });
      f.target = r.target;
      log(`${(f.at / 1000).toFixed(1)} s: ${kind} ${r.target}`);
      await sleep(intervalS * 1000);
      await r.heal();
    } catch (err) {
      f.error = String(err?.stack ?? err);
      log(`${kind} failed to run: ${f.error}`);
    }
    f.healedAt = ctx.now();
    const until = Date.now() + intervalS * 1000;
    while (Date.now() < until || Number.isNaN(f.recoveredAt)) {
      if (Number.isNaN(f.recoveredAt) && (await fullyRecovered())) f.recoveredAt = ctx.now();
      if (Date.now() > until + 60_000) break;
      await sleep(100);
    }
    f.windowEnd = ctx.now();
  }
}

const background = workloads.flatMap((w) => (w.background ? w.background(ctx) : []));
await Promise.all([...Array.from({ length: clientCount }, (_, c) => client(c)), nemesis().finally(() => (nemesisDone = true))]);

// ---------------------------------------------------------------- heal everything, final reads
lab.healAll();
for (const s of cluster.servers) {
  try {
    cluster.resetClock?.(s);
    cluster.freeDisk?.(s);
  } catch {}
  if (!cluster.alive(s)) cluster.start(s);
}
const finalLeader = await waitLeader(60_000);
if (!finalLeader) log('no leader 60 s after healing everything');
await sleep(3000);
for (const w of workloads) await w.final(ctx);
await Promise.all(background);

// ---------------------------------------------------------------- report
const results = workloads.map((w) => w.check());
const totalS = ctx.now() / 1000;
const unavailableIn = (from, to) => {
  const busy = new Set(acks.filter((a) => a.ret >= from && a.ret < to).map((a) => Math.floor(a.ret / 1000)));
  let n = 0;
  for (let s = Math.floor(from / 1000); s < Math.floor(to / 1000); s++) if (!busy.has(s)) n++;
  return n;
};
const firstAckAfter = (t) => Math.min(...acks.filter((a) => a.call > t).map((a) => a.ret)) - t;
console.log(`\n${results.map((r) => r.stats).join('\n')}`);
console.log('\n| nemesis | target | window (s) | fault → a write acknowledged (ms) | heal → a write acknowledged (ms) | heal → full recovery (ms) | unavailable s/min in its window |');
console.log('|---|---|--:|--:|--:|--:|--:|');
for (const f of faults) {
  const win = (f.windowEnd ?? ctx.now()) - f.at;
  const un = unavailableIn(f.at, f.windowEnd ?? ctx.now());
  console.log(`| ${f.kind} | ${f.target ?? f.error} | ${(win / 1000).toFixed(1)} | ${firstAckAfter(f.at).toFixed(0)} | ${firstAckAfter(f.healedAt).toFixed(0)} | ${Number.isNaN(f.recoveredAt) ? 'never' : (f.recoveredAt - f.healedAt).toFixed(0)} | ${((60 * un) / (win / 1000)).toFixed(1)} |`);
}
for (const s of skipped) console.log(`| ${s.nemesis} | SKIPPED: ${s.why} | | | | | |`);
const un = unavailableIn(0, ctx.now());
const lost = results.reduce((a, r) => a + (r.lost ?? 0), 0);
console.log(`\nseconds without an acknowledged write: ${un} of ${Math.floor(totalS)} (${((60 * un) / totalS).toFixed(1)} per minute); acknowledged writes lost: ${lost}${workloadNames.includes('register') ? ' (+ the register verdict)' : ''}`);
const anomalies = results.flatMap((r) => r.anomalies);
for (const f of faults.filter((x) => x.error)) anomalies.push({ what: `the ${f.kind} nemesis failed to run`, history: [f.error] });
if (anomalies.length === 0) {
  console.log(`verdict: no anomaly (${workloads.map((w) => w.name).join(', ')}); seed ${seed}`);
  process.exit(0);
}
for (const a of anomalies) {
  console.log(`\nANOMALY: ${a.what}`);
  for (const h of a.history) console.log(`  ${typeof h === 'string' ? h : JSON.stringify(h)}`);
}
console.log(`\nverdict: ${anomalies.length} anomalies; replay the schedule with: ${replay}`);
for (const s of cluster.servers) if (s.log.trim()) console.log(`--- ${s.name} log tail\n${s.log.slice(-3000)}`);
process.exit(1);
