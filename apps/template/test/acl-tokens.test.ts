// The built conclave-template and `conclave watch` against a built `conclave agent -dev` with ACLs on and
// default_policy deny: a token that can read just what they need works whichever way it is given (-token /
// -consul-token, CONSUL_HTTP_TOKEN, a token file), and without one they are refused, saying so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@conclave/test-support/wait-for';
import { CONCLAVE_BIN, startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

const TEMPLATE_BIN = fileURLToPath(new URL('../bin/conclave-template.js', import.meta.url));
const ROOT = randomUUID();
const NARROW = randomUUID();
/** Reads app/ but not web: enough for the key, not for the service. */
const KEYS_ONLY = randomUUID();
const ACL = `acl {\n  enabled = true\n  default_policy = "deny"\n  tokens { initial_management = "${ROOT}" }\n}`;

let agent: AgentProcess;
let dir: string;

/** Runs a built CLI to its end; the environment holds no token unless `env` gives one. */
function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env, CONSUL_HTTP_TOKEN: '', CONSUL_HTTP_TOKEN_FILE: '', CONSUL_TOKEN: '', ...env };
    execFile(process.execPath, [bin, ...args], { env: clean, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`http://${agent.httpAddr}${path}`, {
    method,
    headers: { 'X-Consul-Token': ROOT },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function tokenFor(secret: string, name: string, rules: string): Promise<void> {
  await api('PUT', '/v1/acl/policy', { Name: name, Rules: rules });
  await api('PUT', '/v1/acl/token', { SecretID: secret, Description: name, Policies: [{ Name: name }] });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-acl-clis-'));
  agent = await startDevAgent(['-node', 'acl-clis', '-hcl', ACL]);
  // The initial management token is created once the agent leads.
  await waitFor('the initial management token', async () => (await fetch(`http://${agent.httpAddr}/v1/acl/token/self`, { headers: { 'X-Consul-Token': ROOT } })).status === 200, {
    timeoutMs: 15_000,
    intervalMs: 100,
  });
  // consul-template reads the key and the service's health; `consul watch` also asks the agent who it is
  // (/v1/agent/self: agent:read), as Consul's does.
  await tokenFor(NARROW, 'template-needs', 'key_prefix "app/" { policy = "read" }\nservice "web" { policy = "read" }\nnode_prefix "" { policy = "read" }\nagent_prefix "" { policy = "read" }');
  await tokenFor(KEYS_ONLY, 'keys-only', 'key_prefix "app/" { policy = "read" }');
  await api('PUT', '/v1/kv/app/mode', 'blue');
  await api('PUT', '/v1/kv/secret/pw', 'hunter2');
  await api('PUT', '/v1/catalog/register', { Node: 'web-node', Address: '10.9.0.5', Service: { Service: 'web', Port: 80 } });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave-template with ACLs', () => {
  const tpl = () => {
    const src = join(dir, 'app.ctmpl');
    writeFileSync(src, '{{ key "app/mode" }}{{ range service "web" }} {{ .Address }}:{{ .Port }}{{ end }}\n');
    return src;
  };

  it('renders with a token that reads just what the template needs, given by flag, environment or file', { timeout: 60_000 }, async () => {
    const src = tpl();
    const file = join(dir, 'token');
    writeFileSync(file, `${NARROW}\n`, { mode: 0o600 });
    const ways: Array<[string, string[], Record<string, string>]> = [
      ['flag', ['-consul-token', NARROW], {}],
      ['env', [], { CONSUL_HTTP_TOKEN: NARROW }],
      ['file', ['-consul-token-file', file], {}],
      ['env file', [], { CONSUL_HTTP_TOKEN_FILE: file }],
    ];
    for (const [way, args, env] of ways) {
      const out = join(dir, `out-${way.replace(' ', '-')}`);
      const r = await run(TEMPLATE_BIN, ['-consul-addr', agent.httpAddr, '-once', '-template', `${src}:${out}`, ...args], env);
      expect(r.code, `${way}: ${r.out}`).toBe(0);
      expect(readFileSync(out, 'utf8'), way).toBe('blue 10.9.0.5:80\n');
    }
  });

  it('is refused without a token, and with one that cannot read a dependency, naming it and the 403', { timeout: 60_000 }, async () => {
    const src = tpl();
    for (const [who, args] of [
      ['anonymous', []],
      ['keys only', ['-consul-token', KEYS_ONLY]],
    ] as const) {
      const out = join(dir, `refused-${who.replace(' ', '-')}`);
      const r = await run(TEMPLATE_BIN, ['-consul-addr', agent.httpAddr, '-once', '-consul-retry=false', '-template', `${src}:${out}`, ...args]);
      expect(r.code, `${who}: ${r.out}`).not.toBe(0);
      expect(r.out, who).toMatch(/403/);
      expect(r.out, who).toMatch(/Permission denied/);
      expect(r.out, who).toMatch(who === 'anonymous' ? /app\/mode|web/ : /web/);
    }
  });
});

describe('conclave watch with ACLs', () => {
  it('prints the key with a narrow token by -token, CONSUL_HTTP_TOKEN or -token-file, and is refused without', { timeout: 60_000 }, async () => {
    const file = join(dir, 'watch-token');
    writeFileSync(file, NARROW, { mode: 0o600 });
    const base = ['watch', '-http-addr', agent.httpAddr, '-type', 'key', '-key', 'app/mode'];
    for (const [way, args, env] of [
      ['flag', ['-token', NARROW], {}],
      ['env', [], { CONSUL_HTTP_TOKEN: NARROW }],
      ['file', ['-token-file', file], {}],
    ] as Array<[string, string[], Record<string, string>]>) {
      const r = await run(CONCLAVE_BIN, [...base, ...args], env);
      expect(r.code, `${way}: ${r.out}`).toBe(0);
      const value = JSON.parse(r.out) as { Key: string; Value: string };
      expect(Buffer.from(value.Value, 'base64').toString(), way).toBe('blue');
    }
    const refused = await run(CONCLAVE_BIN, base);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/Error querying Consul agent: .*403/);
  });
});
