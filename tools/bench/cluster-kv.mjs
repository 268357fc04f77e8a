#!/usr/bin/env node
// A 3-server Conclave cluster and a 3-member etcd cluster on 127.0.0.1, loaded in the same run with the same
// tool and settings: KV writes/s and latency (p50, p99, max) at 16/64/256 connections (wrk, PUT through the
// leader's HTTP API / etcd's JSON gateway), linearizable reads (?consistent / etcd's default) at 64 connections,
// reads at 256 connections in each of Consul's consistency modes (default and ?stale against etcd's
// serializable range, ?consistent against its linearizable one), leader failover time (kill -9 of the leader to
// the first acknowledged write through another server), and memory (RSS) of an idle client agent and of a
// server holding 100,000 keys. Beside the read rows, a bare Node HTTP server answering the same bytes (the floor
// for one Node thread on this machine at this load).
// Usage: node tools/bench/cluster-kv.mjs [--duration 10] [--connections 16,64,256|none] [--keys 100000] [--failovers 5]
//   [--raft-multiplier 1] [--linearizable-connections 64|none] [--read-connections 256|none]
//   [--node-options "--max-semi-space-size=32"] [--probe [--probe-cpu]] [--warmup 2]
// --threads N: wrk's threads (default 1; the issue-20 table used 2). On 2 cores, two wrk threads beside a busy single-threaded server report
//   latencies that include time inside wrk: against a bare Node server at 256 connections, -t2 and -t1 drove the
//   same 27.5k req/s, with p99 390–490 ms against 11–13 ms. The table's "wrk mean / bound" column checks every
//   row by Little's law: with at most `conns` requests outstanding, the mean time one is outstanding is at most
//   conns ÷ throughput; a wrk mean above that bound is the load generator's own delay, not the server's.
// --warmup S: before each measured row, the same load for S seconds, not counted, on each system alike (0: none).
//   A process's first burst at a new number of connections (accepting them, V8 compiling the paths they take, the
//   young generation growing) is not its steady state: without it, whichever row came first at 256 connections
//   took a p99 of hundreds of milliseconds, the bare Node server's too (docs/benchmarks.md, 7 Dec 13:55).
// Each failover round kills the current leader with SIGKILL, times the first acknowledged write through a
// survivor, then restarts the killed member on its data directory and waits until it has caught up.
// --node-options: Node flags for the three Conclave servers (split on spaces).
// --probe: the servers run with stage-probe.mjs preloaded; after the table, every Conclave row's time per stage
// of a write (leader and follower), HTTP time, event-loop delay, GC pauses, CPU and run-queue wait per process.
// --probe-cpu also writes a CPU profile of each process per row into the probe directory (printed).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, opt, rssMb, sleep, until } from './lib.mjs';

const duration = Number(opt('duration', '10'));
const connectionsOpt = opt('connections', '16,64,256');
const connections = connectionsOpt === 'none' ? [] : connectionsOpt.split(',').map(Number);
const failovers = Number(opt('failovers', '5'));
const warmup = Number(opt('warmup', '2'));
const threads = opt('threads', '1');
const raftMultiplier = opt('raft-multiplier', '1');
const keyCount = Number(opt('keys', '100000'));
const list = (name, def) => (opt(name, def) === 'none' ? [] : opt(name, def).split(',').map(Number));
const linearizableConns = list('linearizable-connections', '64');
const readConns = list('read-connections', '256');
const nodeOptions = opt('node-options', '').split(' ').filter(Boolean);
const probe = flag('probe') || flag('probe-cpu');
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'conclave-cluster-bench-'));
const procs = [];
const probeModule = fileURLToPath(new URL('./stage-probe.mjs', import.meta.url));
const probeDir = join(dir, 'probe');
mkdirSync(probeDir);

function lua(name, text) {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}
const value = 'x'.repeat(100);
const conclavePut = lua('conclave-put.lua', `wrk.method = "PUT"\nwrk.body = "${value}"\ncounter = 0\nrequest = function()\n  counter = counter + 1\n  return wrk.format(nil, "/v1/kv/bench/" .. (counter % 1000))\nend\n`);
const b64 = (s) => Buffer.from(s).toString('base64');
const etcdPut = lua(
  'etcd-put.lua',
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\ncounter = 0\nrequest = function()\n  counter = counter + 1\n  local k = "bench/" .. (counter % 1000)\n  return wrk.format(nil, "/v3/kv/put", nil, '{"key":"' .. b64(k) .. '","value":"${b64(value)}"}')\nend\n` +
    `local b='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'\nfunction b64(data)\n  return ((data:gsub('.', function(x)\n    local r,b2='',x:byte()\n    for i=8,1,-1 do r=r..(b2%2^i-b2%2^(i-1)>0 and '1' or '0') end\n    return r;\n  end)..'0000'):gsub('%d%d%d?%d?%d?%d?', function(x)\n    if (#x < 6) then return '' end\n    local c=0\n    for i=1,6 do c=c+(x:sub(i,i)=='1' and 2^(6-i) or 0) end\n    return b:sub(c+1,c+1)\n  end)..({ '', '==', '=' })[#data%3+1])\nend\n`,
);
const etcdGet = lua('etcd-get.lua', `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '{"key":"${b64('bench/1')}"}'\n`);
const etcdGetSerializable = lua(
  'etcd-get-serializable.lua',
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '{"key":"${b64('bench/1')}","serializable":true}'\n`,
);

/** wrk's latency ("1.23ms", "850.00us", "1.05s", "2.00m") in milliseconds. */
function ms(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]] : NaN;
}

/** The --warmup load before a row, not counted. */
function warm(url, conns, script) {
  if (warmup > 0) execFileSync('wrk', [`-t${threads}`, `-c${conns}`, `-d${warmup}s`, ...(script ? ['-s', script] : []), url], { encoding: 'utf8' });
}

/** A measured row (after its warm-up). */
function wrk(url, conns, script) {
  warm(url, conns, script);
  return measure(url, conns, script);
}

function measure(url, conns, script) {
  const out = execFileSync('wrk', [`-t${threads}`, `-c${conns}`, `-d${duration}s`, '--latency', ...(script ? ['-s', script] : []), url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const mean = ms(/Latency\s+([\d.]+\w+)/.exec(out)?.[1]);
  const p50 = ms(/50%\s+([\d.]+\w+)/.exec(out)?.[1]);
  const p99 = ms(/99%\s+([\d.]+\w+)/.exec(out)?.[1]);
  // Thread Stats: "Latency   avg   stdev   max   +/- stdev"
  const max = ms(/Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+\w+)/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  return { rps, p50, p99, max, mean, bound: (conns / rps) * 1000, bad: non2xx, errors };
}



// ---------- Conclave ----------
const base = 20000 + Math.floor(Math.random() * 20000);
// 256 load connections come from one address: lift Consul's per-client connection limit (default 200), as one
// would for a load test (etcd has no such limit).
const limits = join(dir, 'limits.json');
writeFileSync(limits, JSON.stringify({ limits: { http_max_conns_per_client: 4096 } }));
function conclave(i, server, extra = []) {
  const p = (k) => base + i * 10 + k;
  const argv = [bin, 'agent', '-node', `n${i}`, '-data-dir', join(dir, `n${i}`), '-bind', '127.0.0.1', '-client', '127.0.0.1',
    '-serf-lan-port', String(p(1)), '-server-port', String(p(2)), '-http-port', String(p(3)), '-dns-port', '-1',
    '-raft-multiplier', raftMultiplier, '-log-level', 'warn', '-config-file', limits, '-retry-join', `127.0.0.1:${base + 10 + 1}`, '-retry-interval', '1s',
    ...(server ? ['-server', '-bootstrap-expect', '3'] : []), ...extra];
  const pre = server ? [...nodeOptions, ...(probe ? ['--import', probeModule] : [])] : [];
  const env = probe ? { ...process.env, STAGE_PROBE_DIR: probeDir, STAGE_PROBE_CPU: flag('probe-cpu') ? '1' : '' } : process.env;
  const proc = spawn(process.execPath, [...pre, ...argv], { stdio: 'ignore', env });
  procs.push(proc);
  return { i, proc, http: `http://127.0.0.1:${p(3)}`, server: `127.0.0.1:${p(2)}`, restart: () => conclave(i, server, extra) };
}
const servers = [1, 2, 3].map((i) => conclave(i, true));
await until(async () => (await (await fetch(`${servers[0].http}/v1/status/leader`)).json()) !== '', 30000, 'conclave leader');
const leaderOf = async () => {
  const addr = await (await fetch(`${servers.find((s) => s.proc.exitCode === null && !s.dead).http}/v1/status/leader`)).json();
  return servers.find((s) => s.server === addr);
};
let leader = await leaderOf();
await fetch(`${leader.http}/v1/kv/bench/1`, { method: 'PUT', body: value });

// ---------- etcd ----------
const ep = (i, k) => base + 100 + i * 10 + k;
const cluster = [1, 2, 3].map((i) => `e${i}=http://127.0.0.1:${ep(i, 2)}`).join(',');
const startEtcd = (i) => {
  const proc = spawn('etcd', ['--name', `e${i}`, '--data-dir', join(dir, `e${i}`), '--listen-client-urls', `http://127.0.0.1:${ep(i, 1)}`,
    '--advertise-client-urls', `http://127.0.0.1:${ep(i, 1)}`, '--listen-peer-urls', `http://127.0.0.1:${ep(i, 2)}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${ep(i, 2)}`, '--initial-cluster', cluster, '--initial-cluster-state', 'new',
    '--log-level', 'error'], { stdio: 'ignore' });
  procs.push(proc);
  return { i, proc, url: `http://127.0.0.1:${ep(i, 1)}`, restart: () => startEtcd(i) };
};
const etcds = [1, 2, 3].map(startEtcd);
const etcdLeader = async () => {
  for (const e of etcds) {
    if (e.dead) continue;
    try {
      const st = await (await fetch(`${e.url}/v3/maintenance/status`, { method: 'POST', body: '{}' })).json();
      if (st.leader && st.header?.member_id === st.leader) return e;
    } catch {}
  }
  return undefined;
};
let eLeader = await until(etcdLeader, 30000, 'etcd leader');
await fetch(`${eLeader.url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('bench/1'), value: b64(value) }) });

/** Every live server's probe figures since the last call (the probe starts over at each SIGUSR2). */
async function probeDump() {
  const live = servers.filter((s) => !s.dead && s.proc.exitCode === null);
  for (const s of live) rmSync(join(probeDir, `${s.proc.pid}.json`), { force: true });
  for (const s of live) s.proc.kill('SIGUSR2');
  const files = live.map((s) => join(probeDir, `${s.proc.pid}.json`));
  await until(() => files.every((f) => existsSync(f)), 20000, 'probe figures');
  await sleep(50); // written in one call; let it finish
  return live.map((s, k) => ({ node: `n${s.i}`, ...JSON.parse(readFileSync(files[k], 'utf8')) }));
}

/** A Conclave row: wrk, bracketed by probe dumps when probing (the first one discards what came before). */
async function ourRow(url, c, script) {
  warm(url, c, script);
  if (probe) await probeDump();
  const r = measure(url, c, script);
  if (probe) r.probe = await probeDump();
  return r;
}

const rows = [];
const loadBefore = loadavg();
try {
  for (const c of connections) {
    const ours = await ourRow(`${leader.http}/v1/kv/bench/x`, c, conclavePut);
    const theirs = wrk(`${eLeader.url}/v3/kv/put`, c, etcdPut);
    rows.push(['write', c, ours, theirs]);
  }
  for (const c of linearizableConns) {
    const ours = await ourRow(`${leader.http}/v1/kv/bench/1?consistent`, c);
    const theirs = wrk(`${eLeader.url}/v3/kv/range`, c, etcdGet);
    rows.push(['linearizable read', c, ours, theirs]);
  }
  // The floor for a read on this machine at this load: a bare Node HTTP server (one thread, like the agent)
  // answering the same bytes with no work at all. On a loaded 2-core machine its own tail is long.
  const bare = [];
  if (readConns.length) {
    const body = await (await fetch(`${leader.http}/v1/kv/bench/1`)).text();
    const port = base + 200;
    const server = `require('node:http').createServer({ keepAlive: true }, (q, r) => { r.writeHead(200, ['Content-Type', 'application/json', 'X-Consul-Index', '2', 'X-Consul-KnownLeader', 'true', 'X-Consul-LastContact', '0']); r.end(process.env.BODY); }).listen(${port}, '127.0.0.1')`;
    const proc = spawn(process.execPath, ['-e', server], { stdio: 'ignore', env: { ...process.env, BODY: body } });
    procs.push(proc);
    await until(async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 10000, 'bare node server');
    for (const c of readConns) bare.push([c, wrk(`http://127.0.0.1:${port}/v1/kv/bench/1`, c)]);
    proc.kill('SIGKILL');
  }
  for (const c of readConns) {
    const serializable = wrk(`${eLeader.url}/v3/kv/range`, c, etcdGetSerializable);
    rows.push(['default read (etcd serializable)', c, await ourRow(`${leader.http}/v1/kv/bench/1`, c), serializable]);
    rows.push(['?stale read (etcd serializable)', c, await ourRow(`${leader.http}/v1/kv/bench/1?stale`, c), serializable]);
    const linearizable = wrk(`${eLeader.url}/v3/kv/range`, c, etcdGet);
    rows.push(['?consistent read (etcd linearizable)', c, await ourRow(`${leader.http}/v1/kv/bench/1?consistent`, c), linearizable]);
  }
  const loadAfterRows = loadavg();

  // Failover rounds: kill -9 the leader, time until a write through a survivor is acknowledged, restart the
  // killed member on its data and wait for it to catch up. Conclave first, then etcd, so they never overlap.
  const ourFailovers = [];
  for (let round = 0; round < failovers; round++) {
    leader = await until(leaderOf, 20000, 'conclave leader');
    const t0 = performance.now();
    leader.proc.kill('SIGKILL');
    leader.dead = true;
    const survivor = servers.find((s) => !s.dead);
    await until(async () => (await (await fetch(`${survivor.http}/v1/kv/failover`, { method: 'PUT', body: String(round) })).text()) === 'true', 30000, 'conclave failover');
    ourFailovers.push(performance.now() - t0);
    const back = leader.restart();
    servers[servers.indexOf(leader)] = back;
    await until(async () => (await (await fetch(`${back.http}/v1/kv/failover?stale`)).json())?.[0]?.Value === b64(String(round)), 30000, 'restarted server caught up');
    await sleep(2000);
  }
  const etcdFailovers = [];
  for (let round = 0; round < failovers; round++) {
    eLeader = await until(etcdLeader, 20000, 'etcd leader');
    const e0 = performance.now();
    eLeader.proc.kill('SIGKILL');
    eLeader.dead = true;
    const eSurvivor = etcds.find((e) => !e.dead);
    await until(async () => {
      const r = await fetch(`${eSurvivor.url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('failover'), value: b64(String(round)) }), signal: AbortSignal.timeout(500) });
      return r.ok;
    }, 30000, 'etcd failover');
    etcdFailovers.push(performance.now() - e0);
    const back = eLeader.restart();
    etcds[etcds.indexOf(eLeader)] = back;
    await until(async () => {
      const r = await (await fetch(`${back.url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('failover'), serializable: true }) })).json();
      return r.kvs?.[0]?.value === b64(String(round));
    }, 30000, 'restarted etcd member caught up');
    await sleep(2000);
  }

  // Memory: an idle client agent, and a server after loading keys (through the surviving leader).
  const client = conclave(9, false);
  await until(async () => (await fetch(`${client.http}/v1/agent/self`)).ok, 20000, 'client');
  await sleep(3000);
  const clientRss = rssMb(client.proc.pid);
  leader = await until(leaderOf, 20000, 'leader after failover');
  const batch = 64;
  for (let k = 0; k < keyCount; k += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, keyCount - k) }, (_, j) => fetch(`${leader.http}/v1/kv/mem/${k + j}`, { method: 'PUT', body: value })));
  }
  await sleep(2000);
  const serverRss = Math.max(...servers.filter((s) => !s.dead).map((s) => rssMb(s.proc.pid)));

  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\n3 servers on 127.0.0.1, raft_multiplier ${raftMultiplier}${nodeOptions.length ? ` (node ${nodeOptions.join(' ')})` : ''} vs etcd ${execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0].split(': ')[1]} (3 members); wrk -t${threads}, ${duration}s per row after ${warmup}s of warm-up, 100-byte values; load average before ${la(loadBefore)}, after the rows ${la(loadAfterRows)}\n`);
  console.log('| operation | conns | conclave req/s | p50 | p99 | max | wrk mean / bound | etcd req/s | p50 | p99 | max | wrk mean / bound | req/s ratio | p99 ratio |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  const lb = (r) => `${r.mean.toFixed(1)} / ${r.bound.toFixed(1)} ms`;
  const f = (v) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : '?');
  for (const [op, c, o, t] of rows) {
    const note = o.bad || t.bad ? ` (non-2xx: conclave ${o.bad}, etcd ${t.bad})` : '';
    console.log(
      `| ${op} | ${c} | ${o.rps.toFixed(0)} | ${f(o.p50)} | ${f(o.p99)} | ${f(o.max)} | ${lb(o)} | ${t.rps.toFixed(0)} | ${f(t.p50)} | ${f(t.p99)} | ${f(t.max)} | ${lb(t)} | ${((o.rps / t.rps) * 100).toFixed(0)}% | ${((o.p99 / t.p99) * 100).toFixed(0)}%${note} |`,
    );
  }
  for (const [c, b] of bare) console.log(`| bare Node HTTP server, same answer (the floor) | ${c} | ${b.rps.toFixed(0)} | ${f(b.p50)} | ${f(b.p99)} | ${f(b.max)} | ${lb(b)} | | | | | | | |`);
  if (probe) printProbe(rows);
  console.log(`\n| measure | conclave | etcd |\n|---|--:|--:|`);
  const spread = (xs) => {
    if (!xs.length) return 'n/a';
    const v = [...xs].sort((a, b) => a - b);
    return `${v[Math.floor((v.length - 1) / 2)].toFixed(0)} ms (${v[0].toFixed(0)}–${v.at(-1).toFixed(0)})`;
  };
  console.log(`| kill -9 leader → first acknowledged write, median (min–max) of ${failovers} | ${spread(ourFailovers)} | ${spread(etcdFailovers)} |`);
  console.log(`| RSS, idle client agent | ${clientRss.toFixed(0)} MB | |`);
  console.log(`| RSS, server holding ${keyCount} keys | ${serverRss.toFixed(0)} MB | |`);
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  // Data directories (etcd preallocates 64 MB of WAL per member) go too, unless CPU profiles were asked for.
  if (!flag('probe-cpu')) {
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per probed row: each server's stages (ms), then its process figures. */
function printProbe(probed) {
  for (const [op, c, o] of probed) {
    if (!o.probe) continue;
    console.log(`\n#### probe: ${op}, ${c} connections (ms; leader first)\n`);
    const nodes = [...o.probe].sort((a, b) => Number(b.leader) - Number(a.leader));
    console.log('| node | stage | count | p50 | p90 | p99 | max | mean |');
    console.log('|---|---|--:|--:|--:|--:|--:|--:|');
    for (const n of nodes) {
      for (const [name, s] of Object.entries(n.stages).sort(([a], [b]) => a.localeCompare(b))) {
        const counted = name.includes('per ');
        const v = (x) => (counted ? String(Math.round(x * 1000)) : x.toFixed(3));
        console.log(`| ${n.node}${n.leader ? ' (leader)' : ''} | ${name} | ${s.count} | ${v(s.p50)} | ${v(s.p90)} | ${v(s.p99)} | ${v(s.max)} | ${v(s.mean)} |`);
      }
    }
    console.log('\n| node | CPU ms/s | main thread on CPU ms/s | main thread runnable, waiting for a CPU ms/s | event-loop delay p50 / p99 / max ms |');
    console.log('|---|--:|--:|--:|--:|');
    for (const n of nodes) {
      const d = n.eventLoopDelay;
      console.log(`| ${n.node}${n.leader ? ' (leader)' : ''} | ${n.cpuMsPerS.toFixed(0)} | ${n.mainThreadCpuMsPerS.toFixed(0)} | ${n.runQueueWaitMsPerS.toFixed(0)} | ${d.p50.toFixed(1)} / ${d.p99.toFixed(1)} / ${d.max.toFixed(1)} |`);
    }
  }
  if (flag('probe-cpu')) console.log(`\nCPU profiles (one per process and row, *.cpuprofile): ${probeDir}`);
}
