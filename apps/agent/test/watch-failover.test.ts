// The article's last chapter, end to end: `conclave watch -type service -service master.db -passingonly <script>`
// runs a failover script; when the master's check fails the script gets JSON without the old master, registers the
// replica with the `master` tag, and DNS answers `master.db.service.consul` with the replica's address.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { CONCLAVE_BIN, dig, startDevAgent, type AgentProcess } from './support/agent-process.js';

interface HealthEntry {
  Service: { ID: string; Service: string; Tags: string[]; Address: string; Port: number };
  Checks: Array<{ CheckID: string; Status: string }>;
}

// What /user/local/bin/mysql-failover.sh does in the article, reduced to its decisions: record the input, and when
// no passing master is left, promote the replica by registering it with the `master` tag.
const FAILOVER_SCRIPT = `#!/bin/sh
set -e
n=$(ls "$WATCH_DIR/calls" | grep -c '\\.json$' || true)
cat > "$WATCH_DIR/calls/tmp"
echo "$CONSUL_INDEX" > "$WATCH_DIR/calls/$n.index"
mv "$WATCH_DIR/calls/tmp" "$WATCH_DIR/calls/$n.json"
if [ "$(cat "$WATCH_DIR/calls/$n.json")" = "[]" ]; then
  echo "no passing master: promoting db-replica"
  "$NODE_BIN" "$CONCLAVE_BIN" services register "$WATCH_DIR/replica-as-master.json"
fi
`;

let agent: AgentProcess;
let dir: string;
let watcher: ChildProcess | undefined;
let watcherOutput = '';

async function put(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
}

function call(n: number): { entries: HealthEntry[]; raw: string; index: string } | undefined {
  const file = join(dir, 'calls', `${n}.json`);
  if (!existsSync(file)) return undefined;
  const raw = readFileSync(file, 'utf8');
  return { raw, entries: JSON.parse(raw) as HealthEntry[], index: readFileSync(join(dir, 'calls', `${n}.index`), 'utf8').trim() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-watch-failover-'));
  mkdirSync(join(dir, 'calls'));
  writeFileSync(join(dir, 'mysql-failover.sh'), FAILOVER_SCRIPT);
  chmodSync(join(dir, 'mysql-failover.sh'), 0o755);
  writeFileSync(
    join(dir, 'replica-as-master.json'),
    JSON.stringify({ service: { id: 'db-replica', name: 'db', tags: ['master'], address: '127.0.0.3', port: 3306, check: { ttl: '10m', status: 'passing' } } }),
  );
  agent = await startDevAgent(['-node', 'db-host']);
}, 60000);

afterAll(async () => {
  if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
  await agent?.stop('SIGTERM');
});

describe('failover driven by a watch on master.db', () => {
  it('promotes the replica when the master fails and DNS follows', async () => {
    await put('/v1/agent/service/register', { ID: 'db-master', Name: 'db', Tags: ['master'], Address: '127.0.0.2', Port: 3306, Check: { TTL: '10m', Status: 'passing' } });
    await put('/v1/agent/service/register', { ID: 'db-replica', Name: 'db', Tags: ['slave'], Address: '127.0.0.3', Port: 3306, Check: { TTL: '10m', Status: 'passing' } });
    const before = await waitFor('master.db to resolve', async () => {
      const r = await dig(agent.dnsPort, 'master.db.service.consul');
      return r.answer.length > 0 ? r : undefined;
    }, { timeoutMs: 15000, intervalMs: 100 });
    expect(before.answer.map((a) => a[4])).toEqual(['127.0.0.2']);

    watcher = spawn(
      process.execPath,
      [CONCLAVE_BIN, 'watch', '-type', 'service', '-service', 'master.db', '-passingonly', join(dir, 'mysql-failover.sh')],
      {
        env: { ...process.env, CONSUL_HTTP_ADDR: agent.httpAddr, CONSUL_HTTP_TOKEN: '', WATCH_DIR: dir, NODE_BIN: process.execPath, CONCLAVE_BIN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    watcher.stdout!.on('data', (d: Buffer) => (watcherOutput += d.toString()));
    watcher.stderr!.on('data', (d: Buffer) => (watcherOutput += d.toString()));
    const exited = new Promise<number | null>((resolve) => watcher!.once('exit', (code) => resolve(code)));

    // The first result always runs the handler: the passing master alone.
    const first = await waitFor(`the first handler run; watch output:\n${watcherOutput}`, async () => call(0), { timeoutMs: 20000, intervalMs: 100 });
    expect(first.entries.map((e) => [e.Service.ID, e.Service.Tags, e.Service.Address])).toEqual([['db-master', ['master'], '127.0.0.2']]);
    expect(first.entries[0]!.Checks.every((c) => c.Status === 'passing')).toBe(true);
    expect(first.raw.endsWith('\n')).toBe(true);
    expect(BigInt(first.index)).toBeGreaterThan(0n);

    // The master's check fails.
    await put('/v1/agent/check/fail/service:db-master?note=mysqld%20is%20down');

    const second = await waitFor(`the handler run after the failure; watch output:\n${watcherOutput}`, async () => call(1), { timeoutMs: 20000, intervalMs: 100 });
    expect(second.entries).toEqual([]);
    expect(second.entries.some((e) => e.Service.ID === 'db-master')).toBe(false);
    expect(BigInt(second.index)).toBeGreaterThan(BigInt(first.index));

    // The script promoted the replica; the watch sees the new master, and so does DNS.
    const third = await waitFor(`the handler run after the promotion; watch output:\n${watcherOutput}`, async () => call(2), { timeoutMs: 20000, intervalMs: 100 });
    expect(third.entries.map((e) => [e.Service.ID, e.Service.Tags, e.Service.Address])).toEqual([['db-replica', ['master'], '127.0.0.3']]);
    expect(BigInt(third.index)).toBeGreaterThan(BigInt(second.index));
    expect(watcherOutput).toContain('no passing master: promoting db-replica');

    const after = await waitFor('master.db to answer the replica', async () => {
      const r = await dig(agent.dnsPort, 'master.db.service.consul');
      return r.answer.length === 1 && r.answer[0]![4] === '127.0.0.3' ? r : undefined;
    }, { timeoutMs: 15000, intervalMs: 100 });
    expect(after.status).toBe('NOERROR');
    expect(after.answer.map((a) => [a[0], a[3], a[4]])).toEqual([['master.db.service.consul.', 'A', '127.0.0.3']]);

    // The watch runs until told to stop, then exits 0; it never ran the handler for the old master again.
    watcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (let n = 3; call(n); n++) expect(call(n)!.entries.every((e) => e.Service.ID === 'db-replica')).toBe(true);
  });
});
