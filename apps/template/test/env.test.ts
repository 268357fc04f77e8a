// conclave-env (envconsul) end to end: the built binary runs a real command with KV keys and catalog services
// of a built `conclave agent -dev` as environment variables, restarts it with the new environment when a key
// changes, forwards signals and exits with the command's code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';
import { buildEnvironment } from '@conclave/template/internal';

const ENV_BIN = fileURLToPath(new URL('../bin/conclave-env.js', import.meta.url));

// Logs the variables it was given, then waits; SIGTERM makes it exit 3.
const SCRIPT = `#!/bin/sh
echo "start $$ host=$DB_HOST port=$PORT web=$WEB_ADDRESS:$WEB_PORT tags=$WEB_TAG home=\${HOME:-none}" >> "$LOG"
trap 'echo "term $$" >> "$LOG"; exit 3' TERM
while :; do sleep 0.05; done
`;

let agent: AgentProcess;
let dir: string;
const procs: ChildProcess[] = [];

async function api(method: string, path: string, body?: string): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, { method, body });
  expect(res.status).toBe(200);
}

const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-env-'));
  writeFileSync(join(dir, 'child.sh'), SCRIPT);
  chmodSync(join(dir, 'child.sh'), 0o755);
  agent = await startDevAgent(['-node', 'env-1']);
  await api('PUT', '/v1/kv/app/env/db/host', 'h1');
  await api('PUT', '/v1/kv/app/env/port', '80');
  await api('PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'web', ID: 'web-1', Address: '10.0.0.5', Port: 8080, Tags: ['a', 'b'] }));
}, 60000);

afterAll(async () => {
  // A failed test can leave a process running: stop it gracefully first so that it stops its own child.
  const alive = procs.filter((p) => p.exitCode === null && p.signalCode === null);
  for (const p of alive) p.kill('SIGINT');
  await Promise.all(alive.map((p) => new Promise((r) => {
    const t = setTimeout(() => { p.kill('SIGKILL'); r(undefined); }, 5000);
    p.once('exit', () => { clearTimeout(t); r(undefined); });
  })));
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave-env', () => {
  it('exports KV prefixes and services, restarts on change, forwards signals, exits with the code', async () => {
    const log = join(dir, 'env.log');
    // -pristine passes nothing of this process's environment, so the script's LOG comes from Consul too.
    await api('PUT', '/v1/kv/app/env/log', log);
    const proc = spawn(process.execPath, [ENV_BIN, '-consul-addr', agent.httpAddr, '-prefix', 'app/env', '-service', 'web', '-sanitize', '-upcase', '-pristine', '-exec-kill-timeout', '5s', join(dir, 'child.sh')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: '/root' },
    });
    procs.push(proc);
    let out = '';
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((r) => proc.once('exit', r));
    await waitFor('started', async () => lines(log).length === 1, { timeoutMs: 15000, intervalMs: 50 }).catch(() => {
      throw new Error(out);
    });
    expect(lines(log)[0]).toMatch(/^start \d+ host=h1 port=80 web=10\.0\.0\.5:8080 tags=a,b home=none$/);
    const pid = lines(log)[0]!.split(' ')[1];
    await api('PUT', '/v1/kv/app/env/db/host', 'h2');
    await waitFor('restarted', async () => lines(log).length === 3, { timeoutMs: 15000, intervalMs: 50 });
    expect(lines(log)[1]).toBe(`term ${pid}`);
    expect(lines(log)[2]).toMatch(/^start \d+ host=h2 port=80 /);
    const pid2 = lines(log)[2]!.split(' ')[1];
    proc.kill('SIGTERM');
    expect(await exit).toBe(3);
    expect(lines(log).at(-1)).toBe(`term ${pid2}`);
  });
});

describe('buildEnvironment (envconsul naming)', () => {
  it('keeps keys as they are unless told to sanitize or upcase; the last instance of a service wins', () => {
    const kv = [{ Key: 'db/host', Value: 'h' }, { Key: 'folder/', Value: '' }];
    const svc = [
      { ServiceName: 'web', ServiceID: 'w1', ServiceAddress: 'a1', ServiceTags: ['x'], ServicePort: 1 },
      { ServiceName: 'web', ServiceID: 'w2', ServiceAddress: 'a2', ServiceTags: null, ServicePort: 2 },
    ];
    expect(buildEnvironment([{ kind: 'prefix', value: kv }], {})).toEqual({ 'db/host': 'h' });
    expect(buildEnvironment([{ kind: 'prefix', value: kv }, { kind: 'service', value: svc }], { sanitize: true, upcase: true })).toEqual({
      DB_HOST: 'h',
      WEB_ID: 'w2',
      WEB_NAME: 'web',
      WEB_ADDRESS: 'a2',
      WEB_TAG: '',
      WEB_PORT: '2',
    });
  });
});

describe('conclave-env configuration files', () => {
  it("reads envconsul's format: prefix and service blocks with key formats, no_prefix, exec {} and its env", async () => {
    const log = join(dir, 'config.log');
    writeFileSync(join(dir, 'print.sh'), '#!/bin/sh\necho "db=$APP_DB_HOST other=$APP_OTHER_X host=$WEB_HOST port=$WEB_PORT id=$WEB_ID home=${HOME:-none}" >> "$LOG"\n');
    chmodSync(join(dir, 'print.sh'), 0o755);
    await api('PUT', '/v1/kv/app/cfg/db/host', 'c1');
    await api('PUT', '/v1/kv/app/other/x', 'ox');
    const cfg = join(dir, 'env.hcl');
    writeFileSync(
      cfg,
      `consul {\n  address = "${agent.httpAddr}"\n}\n` +
        `prefix {\n  path = "app/cfg"\n  format = "APP_{{ key }}"\n}\n` +
        `prefix {\n  path = "app/other"\n  no_prefix = false\n}\n` +
        `service {\n  query = "web"\n  format_address = "WEB_HOST"\n  format_port = "{{ service }}_{{ key }}"\n}\n` +
        `sanitize = true\nupcase = true\npristine = true\n` +
        `exec {\n  command = "${join(dir, 'print.sh')}"\n  kill_timeout = "5s"\n  env {\n    custom = ["LOG=${log}"]\n  }\n}\n`,
    );
    const proc = spawn(process.execPath, [ENV_BIN, '-config', cfg], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: '/root' } });
    procs.push(proc);
    let out = '';
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    expect(code, out).toBe(0);
    expect(lines(log)).toEqual(['db=c1 other=ox host=10.0.0.5 port=8080 id=web-1 home=none']);
  });

  it('refuses a bad key format and unknown keys with the file and key named', async () => {
    const cfg = join(dir, 'bad.hcl');
    for (const [text, message] of [
      ['prefix {\n  path = "a"\n  format = "{{ key "\n}\n', 'bad.hcl: prefix[0].format:'],
      ['prefixes {\n  path = "a"\n}\n', 'bad.hcl: prefixes: unknown key "prefixes"'],
    ]) {
      writeFileSync(cfg, text!);
      const proc = spawn(process.execPath, [ENV_BIN, '-config', cfg, 'true'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      expect(await new Promise((r) => proc.once('exit', r))).toBe(15);
      expect(out).toContain(message);
    }
  });
});

describe('buildEnvironment key formats', () => {
  it('applies format, replaceKey and the service formats as envconsul does', () => {
    const kv = [{ Key: 'a/b', Value: '1' }, { Key: 'old', Value: '2' }];
    const svc = [{ ServiceName: 'pg', ServiceID: 'p1', ServiceAddress: 'h', ServiceTags: ['t'], ServicePort: 5432 }];
    expect(
      buildEnvironment(
        [
          { kind: 'prefix', value: kv, prefix: { path: 'x/y', format: 'custom_{{ key | replaceKey "old" "new" }}' } },
          { kind: 'service', value: svc, service: { query: 'pg', formatAddress: 'pg/host', formatPort: '{{ service }}/{{ key }}_number' } },
        ],
        {},
      ),
    ).toEqual({ 'custom_a/b': '1', custom_new: '2', 'pg/id': 'p1', 'pg/name': 'pg', 'pg/host': 'h', 'pg/tag': 't', 'pg/port_number': '5432' });
    expect(buildEnvironment([{ kind: 'prefix', value: kv, prefix: { path: 'x/y', noPrefix: false } }], { sanitize: true })).toEqual({ x_y_a_b: '1', x_y_old: '2' });
  });
});
