#!/usr/bin/env node
// KV throughput of the dev agent (the built `conclave agent -dev`, as a separate process) next to an empty Node
// HTTP server measured in the same run with the same load tool: wrk -t2, 16 and 64 connections, GET and PUT.
// Usage: node tools/bench/agent-kv.mjs [--duration 10] [--connections 16,64]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const duration = Number(opt('duration', '10'));
const connections = opt('connections', '16,64').split(',').map(Number);
const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-'));
const putLua = join(dir, 'put.lua');
writeFileSync(putLua, 'wrk.method = "PUT"\nwrk.body = string.rep("x", 100)\n');

function wrk(url, conns, script) {
  const argv = ['-t2', `-c${conns}`, `-d${duration}s`, '--latency', ...(script ? ['-s', script] : []), url];
  const out = execFileSync('wrk', argv, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`wrk saw ${non2xx} non-2xx responses from ${url}`);
  return { rps, p99 };
}

async function waitReady(url) {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not ready: ${url}`);
}

// Baseline: an empty Node HTTP server that reads the body and answers "true", in its own process like the agent
// (this script blocks on wrk, so nothing can be served from here).
const emptyPort = 17500 + Math.floor(Math.random() * 1000);
const emptySrc = `
const s = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 4 }); res.end('true'); });
});
s.keepAliveTimeout = 60000;
s.listen(${emptyPort}, '127.0.0.1');`;
const empty = spawn(process.execPath, ['-e', emptySrc], { stdio: 'ignore' });
const emptyUrl = `http://127.0.0.1:${emptyPort}`;
await waitReady(emptyUrl);

const httpPort = 18500 + Math.floor(Math.random() * 1000);
const agent = spawn(process.execPath, [bin, 'agent', '-dev', '-http-port', String(httpPort), '-dns-port', '-1', '-serf-lan-port', String(httpPort + 1), '-log-level', 'warn'], {
  stdio: 'ignore',
});
const agentUrl = `http://127.0.0.1:${httpPort}`;
await waitReady(`${agentUrl}/v1/status/leader`);
await fetch(`${agentUrl}/v1/kv/bench/key`, { method: 'PUT', body: 'x'.repeat(100) });

const rows = [];
try {
  for (const c of connections) {
    for (const [op, script, path] of [
      ['GET', undefined, '/v1/kv/bench/key'],
      ['PUT', putLua, '/v1/kv/bench/key'],
    ]) {
      const base = wrk(emptyUrl + path, c, script);
      const ours = wrk(agentUrl + path, c, script);
      rows.push({ op, conns: c, emptyRps: base.rps, agentRps: ours.rps, ratio: ours.rps / base.rps, agentP99: ours.p99 });
    }
  }
} finally {
  agent.kill('SIGTERM');
  empty.kill('SIGTERM');
}

console.log(`\nKV through the dev agent's HTTP API vs an empty Node HTTP server (wrk -t2, ${duration}s, 100-byte values)\n`);
console.log('| op  | conns | empty server req/s | conclave req/s | ratio | conclave p99 |');
console.log('|-----|------:|-------------------:|---------------:|------:|-------------:|');
for (const r of rows) {
  console.log(
    `| ${r.op.padEnd(3)} | ${String(r.conns).padStart(5)} | ${r.emptyRps.toFixed(0).padStart(18)} | ${r.agentRps.toFixed(0).padStart(14)} | ${(r.ratio * 100).toFixed(0).padStart(4)}% | ${r.agentP99.padStart(12)} |`,
  );
}
