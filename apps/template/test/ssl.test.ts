// conclave-template against an agent that serves only HTTPS with verify_incoming: consul-template's
// `consul { ssl { ... } }` block and its -consul-ssl-* flags, with certificates made by `conclave tls`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CONCLAVE_BIN, freePort, startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

const TEMPLATE_BIN = fileURLToPath(new URL('../bin/conclave-template.js', import.meta.url));
const execFileP = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'conclave-template-ssl-'));
const f = (name: string) => join(dir, name);
let agent: AgentProcess;
let httpsPort: number;

beforeAll(async () => {
  for (const args of [['ca', 'create'], ['cert', 'create', '-server'], ['cert', 'create', '-cli']]) {
    execFileSync(process.execPath, [CONCLAVE_BIN, 'tls', ...args], { cwd: dir });
  }
  httpsPort = await freePort();
  writeFileSync(
    f('agent.json'),
    JSON.stringify({
      ports: { https: httpsPort },
      tls: {
        defaults: { ca_file: f('consul-agent-ca.pem'), cert_file: f('dc1-server-consul-0.pem'), key_file: f('dc1-server-consul-0-key.pem') },
        https: { verify_incoming: true },
      },
    }),
  );
  agent = await startDevAgent(['-config-file', f('agent.json')]);
  await fetch(`http://${agent.httpAddr}/v1/kv/app/greeting`, { method: 'PUT', body: 'over tls' });
  writeFileSync(f('in.tpl'), '{{ key "app/greeting" }}\n');
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const render = (args: string[]) =>
  execFileP(process.execPath, [TEMPLATE_BIN, '-once', ...args], { env: { ...process.env, CONSUL_HTTP_ADDR: '' }, timeout: 30_000 }).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );

describe('conclave-template over HTTPS', () => {
  it('renders with a consul { ssl { ... } } block (client certificate, CA, server name)', async () => {
    writeFileSync(
      f('ct.hcl'),
      `consul {
  address = "127.0.0.1:${httpsPort}"
  ssl {
    enabled     = true
    verify      = true
    ca_cert     = "${f('consul-agent-ca.pem')}"
    cert        = "${f('dc1-cli-consul-0.pem')}"
    key         = "${f('dc1-cli-consul-0-key.pem')}"
    server_name = "server.dc1.consul"
  }
}
template {
  source      = "${f('in.tpl')}"
  destination = "${f('out-config.txt')}"
}
`,
    );
    expect(await render(['-config', f('ct.hcl')])).toMatchObject({ code: 0 });
    expect(readFileSync(f('out-config.txt'), 'utf8')).toBe('over tls\n');
  });

  it('renders with the -consul-ssl-* flags', async () => {
    const r = await render([
      '-consul-addr',
      `127.0.0.1:${httpsPort}`,
      '-consul-ssl',
      '-consul-ssl-ca-cert',
      f('consul-agent-ca.pem'),
      '-consul-ssl-cert',
      f('dc1-cli-consul-0.pem'),
      '-consul-ssl-key',
      f('dc1-cli-consul-0-key.pem'),
      '-consul-ssl-server-name',
      'server.dc1.consul',
      '-template',
      `${f('in.tpl')}:${f('out-flags.txt')}`,
    ]);
    expect(r).toMatchObject({ code: 0 });
    expect(readFileSync(f('out-flags.txt'), 'utf8')).toBe('over tls\n');
  });
});
