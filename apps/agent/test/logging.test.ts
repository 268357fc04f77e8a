// The agent's log against the built binary: -log-json and -log-file with rotation and pruning, -syslog's
// warning, log_level changed by a reload, and `conclave monitor` at its own level until interrupted or until
// the agent goes away.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONCLAVE_BIN, runCli, startDevAgent, type AgentProcess } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent } from './support/cluster.js';

let agent: AgentProcess | undefined;
let monitor: ChildProcess | undefined;
const dirs: string[] = [];
afterEach(async () => {
  if (monitor && monitor.exitCode === null) monitor.kill('SIGKILL');
  monitor = undefined;
  await agent?.stop();
  agent = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'conclave-logs-'));
  dirs.push(d);
  return d;
}

async function register(name: string): Promise<void> {
  const res = await fetch(`http://${agent!.httpAddr}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: name, Port: 80 }) });
  expect(res.status).toBe(200);
  await res.text();
}

function startMonitor(args: string[]): { proc: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [CONCLAVE_BIN, 'monitor', ...args], {
    env: { ...process.env, CONSUL_HTTP_ADDR: agent!.httpAddr },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  monitor = proc;
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out: () => out, exited };
}

describe('agent logging', () => {
  it('writes hclog JSON to stderr and to consul.log in the -log-file directory, rotating and pruning archives', async () => {
    const dir = tempDir();
    agent = await startDevAgent(['-log-json', '-log-file', dir + '/', '-log-rotate-bytes', '1000', '-log-rotate-max-files', '2']);
    for (let i = 0; i < 30; i++) await register(`svc-${i}`);
    await waitFor('the last service synced', async () => agent!.output().includes('"service":"svc-29"'), { timeoutMs: 10000, intervalMs: 50 });

    const files = readdirSync(dir).sort();
    const archives = files.filter((f) => f !== 'consul.log');
    expect(files).toContain('consul.log');
    expect(archives).toHaveLength(2);
    for (const a of archives) expect(a).toMatch(/^consul-\d{19}\.log$/);
    const lines = [...archives, 'consul.log'].flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      expect(Object.keys(r).slice(0, 4)).toEqual(['@level', '@message', '@module', '@timestamp']);
      expect(r['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    // More than three files' worth was written: the oldest archives, which held the start, were pruned.
    expect(lines.some((l) => l.includes('Started HTTP server'))).toBe(false);
    expect(records.at(-1)).toMatchObject({ '@level': 'info', '@message': 'Synced service', '@module': 'agent', service: 'svc-29' });
    // Each file stopped at the first line that reached 1000 bytes.
    for (const a of archives) expect(readFileSync(join(dir, a)).length).toBeLessThan(1000 + 300);
    // stderr carries the same JSON lines.
    expect(agent.output()).toMatch(/^\{"@level":"info","@message":"Started HTTP server","@module":"agent","@timestamp":"[^"]+","address":"127\.0\.0\.1:\d+","network":"tcp"\}$/m);
  });

  it('writes text lines to a named log file, and warns that syslog is not supported', async () => {
    const dir = tempDir();
    const file = join(dir, 'agent.log');
    agent = await startDevAgent(['-log-file', file, '-syslog']);
    await register('web');
    await waitFor('web synced', async () => readFileSync(file, 'utf8').includes('Synced service: service=web'), { timeoutMs: 10000, intervalMs: 50 });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[WARN\]  agent: enable_syslog\/-syslog: Conclave does not log to syslog/m);
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[INFO\]  agent: Synced service: service=web$/m);
  });

  it('refuses a log file it cannot open, naming it', async () => {
    const dir = tempDir();
    const res = await runCli(['agent', '-dev', '-http-port', '0', '-dns-port', '-1', '-serf-lan-port', '0', '-log-file', join(dir, 'missing', 'consul.log')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`==> Failed to setup logging: open ${join(dir, 'missing', 'consul.log')}: no such file or directory`);
  });

  it('changes log_level on reload', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'log.json');
    writeFileSync(cfg, JSON.stringify({ log_level: 'info' }));
    agent = await startDevAgent(['-config-file', cfg]);
    await register('before');
    await waitFor('before synced', async () => agent!.output().includes('Synced service: service=before'), { timeoutMs: 10000, intervalMs: 50 });
    expect(agent.output()).not.toContain('[DEBUG]');

    writeFileSync(cfg, JSON.stringify({ log_level: 'debug' }));
    expect((await runCli(['reload'], { CONSUL_HTTP_ADDR: agent.httpAddr })).code).toBe(0);
    await register('after');
    await waitFor('a debug line', async () => agent!.output().includes('[DEBUG] agent: added local registration for service: service=after'), {
      timeoutMs: 10000,
      intervalMs: 50,
    });
    expect(agent.output()).toContain('[INFO]  agent: Updating log level: from=info to=debug');
  });
});

describe("Consul's lines", () => {
  it('a bootstrapping server logs Raft, Serf, leadership and anti-entropy as Consul does', async () => {
    const spec = await allocate('s1', true, tempDir());
    const s1 = await startClusterAgent(spec, ['-bootstrap']);
    try {
      await waitFor('node info synced', async () => s1.output().includes('Synced node info'), { timeoutMs: 20000, intervalMs: 50 });
      const lines = s1
        .output()
        .split('\n')
        .filter((l) => /^\d{4}-/.test(l))
        .map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /, ''));
      const node = `Node at 127.0.0.1:${spec.ports.server}`;
      const expected = [
        '[INFO]  agent.server.serf.lan: serf: EventMemberJoin: s1 127.0.0.1',
        `[INFO]  agent.server.raft: entering follower state: follower="${node} [Follower]" leader-address= leader-id=`,
        '[WARN]  agent.server.raft: heartbeat timeout reached, starting election: last-leader-addr= last-leader-id=',
        `[INFO]  agent.server.raft: entering candidate state: node="${node} [Candidate]" term=2`,
        '[INFO]  agent.server.raft: election won: term=2 tally=1',
        `[INFO]  agent.server.raft: entering leader state: leader="${node} [Leader]"`,
        '[INFO]  agent.server: cluster leadership acquired',
        '[INFO]  agent.server: New leader elected: payload=s1',
        '[INFO]  agent: Synced node info',
      ];
      // In this order, among the other lines.
      expect(lines.filter((l) => expected.includes(l))).toEqual(expected);
    } finally {
      await stopAgent(s1);
    }
  });
});

describe('conclave monitor', () => {
  it('prints the agent log at its own level until SIGINT, which exits 0', async () => {
    agent = await startDevAgent([]); // the agent logs at info
    const m = startMonitor(['-log-level', 'debug']);
    // The monitor is subscribed once a line logged after it connected shows up; keep acting until one does.
    let n = 0;
    await waitFor('the monitor sees a sync', async () => {
      await register(`web-${n++}`);
      return m.out().includes('[INFO]  agent: Synced service: service=web-');
    }, { timeoutMs: 15000, intervalMs: 100 });
    expect(m.out()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[DEBUG\] agent: added local registration for service: service=web-\d+$/m);
    expect(agent.output()).not.toContain('[DEBUG]');
    m.proc.kill('SIGINT');
    expect(await m.exited).toBe(0);
  });

  it('prints JSON with -log-json, and says so when the agent goes away (exit 1)', async () => {
    agent = await startDevAgent([]);
    const m = startMonitor(['-log-json']);
    let n = 0;
    await waitFor('the monitor sees a sync', async () => {
      await register(`api-${n++}`);
      return m.out().includes('"@message":"Synced service"');
    }, { timeoutMs: 15000, intervalMs: 100 });
    const line = m.out().split('\n').find((l) => l.includes('"Synced service"'))!;
    expect(JSON.parse(line)).toMatchObject({ '@level': 'info', '@module': 'agent', service: expect.stringMatching(/^api-\d+$/) });
    await agent.stop();
    agent = undefined;
    expect(await m.exited).toBe(1);
    expect(m.out()).toContain('\nRemote side ended the monitor! This usually means that the\nremote side has exited or crashed.\n');
  });

  it('refuses an unknown level with the agent answer', async () => {
    agent = await startDevAgent([]);
    const res = await runCli(['monitor', '-log-level', 'loud'], { CONSUL_HTTP_ADDR: agent.httpAddr });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Error starting monitor: Unexpected response code: 400 (Unknown log level: loud)');
  });
});
