// `conclave watch -type key` end to end against a real dev agent: the handler runs once for the first result
// (null for a missing key), once per change of the key, never for another key; a failing handler is logged and the
// watch goes on. Without a handler the result is printed once as JSON and the command exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { CONCLAVE_BIN, runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';

const RECORD_SCRIPT = `#!/bin/sh
n=$(ls "$WATCH_DIR/calls" | grep -c '\\.json$')
cat > "$WATCH_DIR/calls/tmp"
echo "$CONSUL_INDEX" > "$WATCH_DIR/calls/$n.index"
mv "$WATCH_DIR/calls/tmp" "$WATCH_DIR/calls/$n.json"
if grep -q "$(printf fail | base64)" "$WATCH_DIR/calls/$n.json"; then
  echo "handler refuses this value" >&2
  exit 3
fi
`;

let agent: AgentProcess;
let dir: string;
let watcher: ChildProcess | undefined;
let watcherOutput = '';

const env = () => ({ CONSUL_HTTP_ADDR: agent.httpAddr, CONSUL_HTTP_TOKEN: '', WATCH_DIR: dir });

function calls(): Array<{ raw: string; value: unknown; index: bigint }> {
  const files = readdirSync(join(dir, 'calls'))
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => parseInt(a) - parseInt(b));
  return files.map((f) => {
    const raw = readFileSync(join(dir, 'calls', f), 'utf8');
    const indexFile = join(dir, 'calls', f.replace('.json', '.index'));
    return { raw, value: JSON.parse(raw), index: existsSync(indexFile) ? BigInt(readFileSync(indexFile, 'utf8').trim()) : -1n };
  });
}

const valueOf = (v: unknown) => (v === null ? null : Buffer.from((v as { Value: string }).Value, 'base64').toString());

async function kvPut(key: string, value: string, query = ''): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}/v1/kv/${key}${query}`, { method: 'PUT', body: value });
  expect(await res.text()).toBe('true');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-watch-key-'));
  mkdirSync(join(dir, 'calls'));
  writeFileSync(join(dir, 'record.sh'), RECORD_SCRIPT);
  chmodSync(join(dir, 'record.sh'), 0o755);
  agent = await startDevAgent(['-node', 'watch-node']);
}, 60000);

afterAll(async () => {
  if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
  await agent?.stop('SIGTERM');
});

describe('conclave watch -type key with a handler', () => {
  it('runs once for the first result, once per change, not for an unrelated key, and survives a failing run', async () => {
    watcher = spawn(process.execPath, [CONCLAVE_BIN, 'watch', '-type', 'key', '-key', 'app/config', join(dir, 'record.sh')], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watcher.stdout!.on('data', (d: Buffer) => (watcherOutput += d.toString()));
    watcher.stderr!.on('data', (d: Buffer) => (watcherOutput += d.toString()));
    const exited = new Promise<number | null>((resolve) => watcher!.once('exit', (code) => resolve(code)));
    const waitCalls = (n: number) => waitFor(`${n} handler runs; output:\n${watcherOutput}`, async () => (calls().length >= n ? calls() : undefined), { timeoutMs: 20000, intervalMs: 100 });

    // A missing key: the first result still runs the handler, with null.
    let seen = await waitCalls(1);
    expect(seen[0]!.raw).toBe('null\n');
    expect(seen[0]!.index).toBeGreaterThan(0n);

    await kvPut('app/config', 'v1');
    seen = await waitCalls(2);
    expect(seen[1]!.value).toMatchObject({ Key: 'app/config', Flags: 0 });
    expect(valueOf(seen[1]!.value)).toBe('v1');
    expect(seen[1]!.index).toBe(BigInt((seen[1]!.value as { ModifyIndex: number }).ModifyIndex));

    // Another key changes, then ours: the next run is for ours (an extra run for app/other would come first).
    await kvPut('app/other', 'x');
    await kvPut('app/config', 'v2');
    seen = await waitCalls(3);
    expect(seen.map((c) => valueOf(c.value))).toEqual([null, 'v1', 'v2']);

    // A handler that exits non-zero is logged; the watch keeps going and runs it on the next change.
    await kvPut('app/config', 'fail');
    seen = await waitCalls(4);
    expect(valueOf(seen[3]!.value)).toBe('fail');
    await waitFor('the failure to be logged', async () => watcherOutput.includes('Failed to run watch handler'), { timeoutMs: 10000, intervalMs: 100 });
    expect(watcherOutput).toContain('handler refuses this value');
    expect(watcherOutput).toContain('exit status 3');

    const res = await fetch(`http://${agent.httpAddr}/v1/kv/app/config`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    seen = await waitCalls(5);
    expect(seen.map((c) => valueOf(c.value))).toEqual([null, 'v1', 'v2', 'fail', null]);
    // Indexes only move forward.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.index).toBeGreaterThan(seen[i - 1]!.index);

    watcher.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(calls()).toHaveLength(5);
  });
});

describe('conclave watch -shell=false', () => {
  it('execs the handler arguments as they are, without a shell', async () => {
    const out = join(dir, 'direct.json');
    const child = spawn(process.execPath, [CONCLAVE_BIN, 'watch', '-type', 'key', '-key', 'direct/k', '-shell=false', '/bin/sh', '-c', `cat > ${out}; echo "$0|$1" >> ${out}`, 'first arg'], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // With a shell the words would be re-split; exec'd directly, "first arg" arrives as $0 of the inner sh.
      await waitFor('the handler to run', async () => existsSync(out) && readFileSync(out, 'utf8').includes('|'), { timeoutMs: 20000, intervalMs: 100 });
      expect(readFileSync(out, 'utf8')).toBe('null\nfirst arg|\n');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('conclave watch without a handler', () => {
  it('prints the result once as indented JSON and exits 0, uint64 flags exact', async () => {
    await kvPut('print/me', 'hello', '?flags=16210313421097356768');
    const r = await runCli(['watch', '-type', 'key', '-key', 'print/me'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    "Key": "print/me",\n');
    expect(r.stdout).toContain('"Flags": 16210313421097356768,');
    expect(JSON.parse(r.stdout)).toMatchObject({ Key: 'print/me', Value: Buffer.from('hello').toString('base64') });
  });

  it('prints null for a missing key and for an empty prefix', async () => {
    expect(await runCli(['watch', '-type', 'key', '-key', 'no/such/key'], env())).toMatchObject({ code: 0, stdout: 'null\n' });
    expect(await runCli(['watch', '-type', 'keyprefix', '-prefix', 'no/such/'], env())).toMatchObject({ code: 0, stdout: 'null\n' });
  });

  it('prints a keyprefix, services and nodes', async () => {
    await kvPut('tree/a', '1');
    await kvPut('tree/b', '2');
    const tree = await runCli(['watch', '-type', 'keyprefix', '-prefix', 'tree/'], env());
    expect(tree.code).toBe(0);
    expect((JSON.parse(tree.stdout) as Array<{ Key: string }>).map((p) => p.Key)).toEqual(['tree/a', 'tree/b']);
    const services = await runCli(['watch', '-type', 'services'], env());
    expect(JSON.parse(services.stdout)).toMatchObject({ consul: [] });
    const nodes = await runCli(['watch', '-type', 'nodes'], env());
    expect((JSON.parse(nodes.stdout) as Array<{ Node: string }>).map((n) => n.Node)).toEqual(['watch-node']);
  });

  it('filters a service by repeated -tag and -passingonly true', async () => {
    const reg = async (body: unknown) => {
      const res = await fetch(`http://${agent.httpAddr}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    };
    await reg({ ID: 'api1', Name: 'api', Tags: ['a', 'b'], Port: 1, Check: { TTL: '10m', Status: 'passing' } });
    await reg({ ID: 'api2', Name: 'api', Tags: ['a'], Port: 2, Check: { TTL: '10m', Status: 'passing' } });
    await reg({ ID: 'api3', Name: 'api', Tags: ['a', 'b'], Port: 3, Check: { TTL: '10m', Status: 'critical' } });
    const r = await runCli(['watch', '-type', 'service', '-service', 'api', '-tag', 'a', '-tag', 'b', '-passingonly', 'true'], env());
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ Service: { ID: string } }>).map((e) => e.Service.ID)).toEqual(['api1']);
  });

  it('refuses bad definitions with Consul messages and exit 1', async () => {
    const cases: Array<[string[], string]> = [
      [['watch'], 'Watch type must be specified'],
      [['watch', '-type', 'nope'], 'Unsupported watch type: nope'],
      [['watch', '-type', 'key'], 'Must specify a single key to watch'],
      [['watch', '-type', 'service'], 'Must specify a single service to watch'],
      [['watch', '-type', 'checks', '-service', 'db', '-state', 'any'], 'Cannot specify service and state'],
      [['watch', '-type', 'event', '-stale'], 'Invalid parameters: [stale]'],
      [['watch', '-type', 'key', '-key', 'k', '-bogus'], 'flag provided but not defined: -bogus'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, env());
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    const down = await runCli(['watch', '-type', 'nodes', '-http-addr', '127.0.0.1:1'], env());
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Error querying Consul agent');
  });
});
