#!/usr/bin/env node
// KV throughput of the built @conclave/http-api over a real StateMachine, next to an empty Node HTTP server
// measured in the same run with the same load tool (wrk -t2; 16 and 64 connections; GET and PUT).
// Each server runs as its own child process (this script re-executed with --serve), so the orchestrator and
// wrk do not share the server's event loop. The KV server's log is the simplest honest one: every write is
// applied to the StateMachine at the next index (no fsync, no Raft) — it measures the HTTP layer and the
// state machine; the lead's tools/bench/agent-kv.mjs measures the full agent.
// Usage: npx tsup in packages/{catalog,kv,http-api}, then
//        node tools/bench/http-kv.mjs [--duration 10] [--connections 16,64]
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};

if (args[0] === '--serve') {
  await serve(args[1]);
} else {
  await main();
}

async function serve(kind) {
  let server;
  if (kind === 'empty') {
    // The baseline: reads the request body like any PUT handler must, answers a tiny JSON body.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '4' });
        res.end('true');
      });
    });
    server.keepAliveTimeout = 120_000;
  } else {
    const { createHttpApi } = await import('@conclave/http-api');
    const { StateMachine } = await import('@conclave/state');
    const state = new StateMachine();
    let index = 0;
    const notImplemented = async () => {
      throw new Error('not part of this benchmark');
    };
    const agent = new Proxy({}, { get: () => notImplemented });
    // The dev agent's write path without the agent: a single-node log applying at the next index.
    const log = {
      propose: async (cmd) => {
        const at = ++index;
        return { index: at, result: state.apply(cmd, at) };
      },
      barrier: async () => {},
      lastIndex: () => index,
    };
    const api = createHttpApi({
      state,
      log,
      leadership: () => ({ knownLeader: true, lastContactMs: 0, leaderAddress: '127.0.0.1:8300' }),
      peers: () => ['127.0.0.1:8300'],
      agent,
      datacenter: 'dc1',
      nodeName: 'bench',
    });
    server = api.server;
  }
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${server.address().port}\n`);
  });
  // CPU time spent by this server process, asked for by the orchestrator around each load run.
  process.on('message', (m) => {
    if (m === 'cpu') process.send(process.cpuUsage());
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

/** Server CPU microseconds (user + system) so far. */
function cpuOf(child) {
  return new Promise((resolve) => {
    child.once('message', (u) => resolve(u.user + u.system));
    child.send('cpu');
  });
}

function startChild(kind) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', kind], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

async function main() {
  const duration = Number(opt('duration', '10'));
  const connections = opt('connections', '16,64').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'conclave-http-bench-'));
  const putLua = join(dir, 'put.lua');
  writeFileSync(putLua, 'wrk.method = "PUT"\nwrk.body = string.rep("x", 100)\n');

  const wrk = (url, conns, script) => {
    const argv = ['-t2', `-c${conns}`, `-d${duration}s`, '--latency', ...(script ? ['-s', script] : []), url];
    const out = execFileSync('wrk', argv, { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
    const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const total = Number(/(\d+) requests in/.exec(out)[1]);
    return { rps, p99, non2xx, total };
  };
  /** wrk against one server, with that server's CPU time per request (steadier than req/s on a busy box). */
  const measure = async (server, url, conns, script) => {
    const before = await cpuOf(server.child);
    const r = wrk(url, conns, script);
    const after = await cpuOf(server.child);
    return { ...r, cpuUs: (after - before) / r.total };
  };

  const loadBefore = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
  const kv = await startChild('kv');
  const empty = await startChild('empty');
  try {
    const key = `http://127.0.0.1:${kv.port}/v1/kv/bench/key`;
    const put = await fetch(key, { method: 'PUT', body: 'x'.repeat(100) });
    if ((await put.text()) !== 'true') throw new Error('KV server did not accept the seed PUT');
    const rows = [];
    for (const method of ['GET', 'PUT']) {
      for (const c of connections) {
        const script = method === 'PUT' ? putLua : undefined;
        // A short warm-up so JIT and connection setup are out of the measured window.
        execFileSync('wrk', ['-t2', `-c${c}`, '-d2s', ...(script ? ['-s', script] : []), key], { stdio: 'ignore' });
        const a = await measure(kv, key, c, script);
        const b = await measure(empty, `http://127.0.0.1:${empty.port}/v1/kv/bench/key`, c, script);
        rows.push({ method, c, a, b });
      }
    }
    const line = (cols) => '| ' + cols.join(' | ') + ' |';
    console.log(`load average before: ${loadBefore}`);
    console.log(
      line(['op', 'conns', 'http-api req/s', 'p99', 'CPU µs/req', 'empty req/s', 'p99', 'CPU µs/req', 'req/s ratio', 'CPU ratio', 'aim (req/s)']),
    );
    console.log(line(Array(11).fill('---')));
    for (const { method, c, a, b } of rows) {
      const ratio = a.rps / b.rps;
      const aim = method === 'GET' ? 0.6 : 0.3;
      console.log(
        line([
          method,
          String(c),
          a.rps.toFixed(0) + (a.non2xx ? ` (${a.non2xx} non-2xx!)` : ''),
          a.p99,
          a.cpuUs.toFixed(1),
          b.rps.toFixed(0),
          b.p99,
          b.cpuUs.toFixed(1),
          (ratio * 100).toFixed(0) + '%',
          ((b.cpuUs / a.cpuUs) * 100).toFixed(0) + '%',
          `${aim * 100}% ${ratio >= aim ? 'met' : 'missed'}`,
        ]),
      );
    }
  } finally {
    kv.child.kill('SIGTERM');
    empty.child.kill('SIGTERM');
  }
}
