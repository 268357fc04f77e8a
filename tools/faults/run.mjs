#!/usr/bin/env node
// Fault campaigns against real agents (issue 19): servers in their own network namespaces (lab.mjs), a register
// workload through the HTTP API (writes, CAS by ModifyIndex, ?consistent reads, default reads), a nemesis that
// breaks the network or the processes on a schedule, and a linearizability verdict over what the clients saw.
//
//   sudo npm run faults -- --time 60 --nemesis isolate-leader [--servers 3] [--keys 4] [--clients 6] [--interval 8]
//
// Nemeses: isolate-leader (its packets to and from the other servers dropped; clients still reach it), kill-leader
// (kill -9, restarted after the interval), pause-leader (SIGSTOP past the election timeout, then SIGCONT), none,
// all (in turn). Exit 0 when every key's history is linearizable and no acknowledged write is lost, 1 on an anomaly
// (printed with its history), 2 when this machine cannot run the lab (said why).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLinearizable } from '../../packages/linearizability/dist/index.js';
import { Lab, probe } from './lab.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const seconds = Number(opt('time', '60'));
const nemesisName = opt('nemesis', 'isolate-leader');
const serverCount = Number(opt('servers', '3'));
const keyCount = Number(opt('keys', '4'));
const clientCount = Number(opt('clients', '6'));
const intervalS = Number(opt('interval', '8'));
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const NEMESES = ['isolate-leader', 'kill-leader', 'pause-leader'];

const features = probe();
if (!features.netns || !features.nft) {
  console.error(`faults: this machine cannot run the lab:\n  ${features.why.join('\n  ')}`);
  process.exit(2);
}
for (const w of features.why) console.log(`faults: note: ${w}`);

const lab = new Lab();
const root = mkdtempSync(join(tmpdir(), 'conclave-faults-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
const servers = Array.from({ length: serverCount }, (_, i) => ({ ...lab.addHost(`s${i + 1}`), proc: undefined, log: '' }));

function startServer(s) {
  const others = servers.filter((o) => o !== s).flatMap((o) => ['-retry-join', o.ip]);
  const argv = ['netns', 'exec', s.ns, process.execPath, bin, 'agent', '-server', '-bootstrap-expect', String(serverCount), '-node', s.name, '-bind', s.ip, '-client', s.ip, '-data-dir', join(root, s.name), '-raft-multiplier', '1', '-retry-interval', '1s', '-dns-port', '-1', '-log-level', 'warn', ...others];
  s.proc = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  s.proc.stdout.on('data', (d) => (s.log += d));
  s.proc.stderr.on('data', (d) => (s.log += d));
}
process.once('exit', () => {
  for (const s of servers) s.proc?.kill('SIGKILL');
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function http(s, method, path, body, timeoutMs = 2000) {
  const res = await fetch(`http://${s.ip}:8500${path}`, { method, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text(), index: Number(res.headers.get('x-consul-index') ?? 0) };
}
async function leaderOf() {
  for (const s of servers) {
    try {
      const r = await http(s, 'GET', '/v1/status/leader', undefined, 1000);
      const addr = JSON.parse(r.text);
      if (addr) return servers.find((x) => addr.startsWith(`${x.ip}:`));
    } catch {}
  }
  return undefined;
}

for (const s of servers) startServer(s);
const startDeadline = Date.now() + 60_000;
while (!(await leaderOf())) {
  if (Date.now() > startDeadline) {
    console.error('faults: no leader within 60 s\n' + servers.map((s) => `--- ${s.name}\n${s.log}`).join('\n'));
    process.exit(1);
  }
  await sleep(200);
}
console.log(`faults: ${serverCount} servers up in namespaces, leader ${(await leaderOf()).name}; ${seconds} s of ${nemesisName}`);

// ---------------------------------------------------------------- workload
const history = [];
const staleReads = { total: 0 };
const acks = []; // acknowledged writes {call, ret} (availability and recovery)
let opId = 0;
const t0 = performance.now();
const now = () => performance.now() - t0;
const end = Date.now() + seconds * 1000;
const keys = Array.from({ length: keyCount }, (_, i) => `k${i}`);

async function client(c) {
  let n = 0;
  while (Date.now() < end) {
    const s = servers[Math.floor(Math.random() * servers.length)];
    const key = keys[Math.floor(Math.random() * keys.length)];
    const path = `/v1/kv/faults/${key}`;
    const r = Math.random();
    const call = now();
    try {
      if (r < 0.35) {
        const value = `c${c}-${n++}`;
        const res = await http(s, 'PUT', path, value).catch(() => undefined);
        const ok = res?.status === 200 && res.text === 'true';
        history.push({ id: opId++, call, ret: ok ? now() : Infinity, op: { k: 'put', key, value }, out: ok ? 'ok' : undefined });
        if (ok) acks.push({ call, ret: now() });
      } else if (r < 0.65) {
        const read = await http(s, 'GET', `${path}?consistent`);
        if (read.status !== 200 && read.status !== 404) continue;
        const from = read.status === 404 ? null : Buffer.from(JSON.parse(read.text)[0].Value ?? '', 'base64').toString();
        const readRet = now();
        history.push({ id: opId++, call, ret: readRet, op: { k: 'get', key }, out: from });
        const index = read.status === 404 ? 0 : JSON.parse(read.text)[0].ModifyIndex;
        const to = `c${c}-${n++}`;
        const call2 = now();
        const res = await http(s, 'PUT', `${path}?cas=${index}`, to).catch(() => undefined);
        const known = res?.status === 200 && (res.text === 'true' || res.text === 'false');
        history.push({ id: opId++, call: call2, ret: known ? now() : Infinity, op: { k: 'cas', key, from, to }, out: known ? res.text === 'true' : undefined });
        if (known && res.text === 'true') acks.push({ call: call2, ret: now() });
      } else if (r < 0.9) {
        const res = await http(s, 'GET', `${path}?consistent`);
        if (res.status !== 200 && res.status !== 404) continue;
        const out = res.status === 404 ? null : Buffer.from(JSON.parse(res.text)[0].Value ?? '', 'base64').toString();
        history.push({ id: opId++, call, ret: now(), op: { k: 'get', key }, out });
      } else {
        // Default-consistency reads are Consul's "leader" mode: not linearizable by design; counted, not checked.
        await http(s, 'GET', path).catch(() => undefined);
        staleReads.total++;
      }
    } catch {
      // A read that got no answer changed nothing: it is left out of the history.
    }
  }
}

// ---------------------------------------------------------------- nemesis
const faults = [];
async function nemesis() {
  let turn = 0;
  await sleep(intervalS * 1000);
  while (Date.now() + 2 * intervalS * 1000 < end) {
    const kind = nemesisName === 'all' ? NEMESES[turn++ % NEMESES.length] : nemesisName;
    if (kind === 'none') return;
    const leader = await leaderOf();
    if (!leader) {
      await sleep(1000);
      continue;
    }
    const f = { kind, target: leader.name, at: now(), healedAt: 0, newLeaderAfterMs: NaN, recoveredAfterMs: NaN };
    faults.push(f);
    if (kind === 'isolate-leader') lab.cut(leader, servers.filter((s) => s !== leader));
    else if (kind === 'kill-leader') leader.proc.kill('SIGKILL');
    else if (kind === 'pause-leader') spawn('ip', ['netns', 'pids', leader.ns]).stdout.on('data', (d) => String(d).trim().split('\n').forEach((p) => process.kill(Number(p), 'SIGSTOP')));
    await sleep(intervalS * 1000);
    if (kind === 'isolate-leader') lab.heal(leader);
    else if (kind === 'kill-leader') startServer(leader);
    else if (kind === 'pause-leader') spawn('ip', ['netns', 'pids', leader.ns]).stdout.on('data', (d) => String(d).trim().split('\n').forEach((p) => process.kill(Number(p), 'SIGCONT')));
    f.healedAt = now();
    await sleep(intervalS * 1000);
  }
}

await Promise.all([...Array.from({ length: clientCount }, (_, c) => client(c)), nemesis()]);
lab.healAll();
for (const s of servers) if (s.proc.exitCode !== null) startServer(s);
await sleep(3000);
// Final reads after the cluster is whole again: every acknowledged write must be visible (or overwritten).
for (const key of keys) {
  for (const s of servers) {
    const call = now();
    try {
      const res = await http(s, 'GET', `/v1/kv/faults/${key}?consistent`, undefined, 5000);
      if (res.status === 200 || res.status === 404) {
        history.push({ id: opId++, call, ret: now(), op: { k: 'get', key }, out: res.status === 404 ? null : Buffer.from(JSON.parse(res.text)[0].Value ?? '', 'base64').toString() });
      }
    } catch {}
  }
}

// ---------------------------------------------------------------- report
for (const f of faults) {
  // Recovery: the first write issued after the moment that was acknowledged (in-flight writes do not count).
  const first = (t) => Math.min(...acks.filter((a) => a.call > t).map((a) => a.ret)) - t;
  f.newLeaderAfterMs = first(f.at);
  f.recoveredAfterMs = first(f.healedAt);
}
const secondsTotal = Math.ceil(now() / 1000);
const busy = new Set(acks.map((a) => Math.floor(a.ret / 1000)));
const unavailable = Array.from({ length: secondsTotal }, (_, i) => i).filter((i) => !busy.has(i)).length;
const verdict = checkLinearizable(history, 5_000_000);
const byKind = (k) => history.filter((h) => h.op.k === k);
console.log(`\nops: ${history.length} (put ${byKind('put').length}, cas ${byKind('cas').length}, consistent get ${byKind('get').length}), unknown outcome ${history.filter((h) => h.ret === Infinity).length}, default reads ${staleReads.total}`);
console.log('\n| fault | target | fault to a write acknowledged (ms) | heal to a write acknowledged (ms) |');
console.log('|---|---|--:|--:|');
for (const f of faults) console.log(`| ${f.kind} | ${f.target} | ${f.newLeaderAfterMs.toFixed(0)} | ${f.recoveredAfterMs.toFixed(0)} |`);
console.log(`\nseconds without an acknowledged write: ${unavailable} of ${secondsTotal} (${((60 * unavailable) / secondsTotal).toFixed(1)} per minute)`);
if (verdict.ok === true) {
  console.log('verdict: linearizable (every key), no acknowledged write lost');
  process.exit(0);
}
if (verdict.ok === 'unknown') {
  console.log(`verdict: unknown (the search on key ${verdict.key} ran out of steps)`);
  process.exit(1);
}
console.log(`verdict: NOT linearizable on key ${verdict.key}; its history:`);
for (const h of verdict.ops.sort((a, b) => a.call - b.call)) console.log(JSON.stringify(h));
process.exit(1);
