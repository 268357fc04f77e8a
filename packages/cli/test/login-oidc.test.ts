// `conclave login -type=oidc` against a dev agent with ACLs on and a small OIDC provider (test-support's, HTTPS
// with a test CA). The test plays the browser: it reads the auth URL the command prints, GETs it (the provider
// redirects at once to the command's callback listener with a code and the state) and follows that redirect; the
// command then finishes the login and writes the token sink. No browser is launched: the environment has no
// DISPLAY, so the command only prints the URL.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { makeTestCa, type TestCa } from '@conclave/test-support/test-tls';
import { startOidcProvider, type TestOidcProvider } from '@conclave/test-support/test-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { freePort, startAgent, type TestAgent } from './support/run.js';

let agent: TestAgent;
let pki: TestCa;
let idp: TestOidcProvider;
let dir = '';
let root = '';

const api = (method: string, path: string, token: string, body?: unknown) => agent.api(method, path, token, body);

/** Runs the command in-process; `printed` resolves with stdout once it holds the auth URL. */
function startLogin(argv: string[]) {
  let out = '';
  let err = '';
  let sawUrl!: (url: string) => void;
  const printed = new Promise<string>((resolve) => (sawUrl = resolve));
  const stdout = new Writable({
    write(chunk, _enc, done) {
      out += chunk.toString();
      const m = /^ {4}(https:\/\/\S+)$/m.exec(out);
      if (m) sawUrl(m[1]!);
      done();
    },
  });
  const stderr = new Writable({
    write(chunk, _enc, done) {
      err += chunk.toString();
      done();
    },
  });
  const code = runCli(argv, { stdout, stderr, stdin: Readable.from([]), env: { CONSUL_HTTP_ADDR: agent.httpAddr, CONSUL_HTTP_TOKEN: 'stale' } });
  return { printed, code, output: () => ({ out, err }) };
}

/** The browser: GET the auth URL (trusting the test CA), then the provider's redirect to the callback listener. */
async function browse(authUrl: string): Promise<{ status: number; body: string; location: string }> {
  const location = await new Promise<string>((resolve, reject) =>
    https
      .get(authUrl, { ca: pki.ca, agent: false }, (res) => {
        res.resume();
        res.headers.location ? resolve(res.headers.location) : reject(new Error(`authorize answered ${res.statusCode}`));
      })
      .on('error', reject),
  );
  // localhost is the CLI's redirect host; the listener is on 127.0.0.1 (a browser tries both families).
  const res = await fetch(location.replace('//localhost:', '//127.0.0.1:'));
  return { status: res.status, body: await res.text(), location };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-login-oidc-'));
  pki = makeTestCa();
  idp = await startOidcProvider(pki, { clientId: 'conclave-cli', clientSecret: 'cli-secret', claims: { sub: 'bob', groups: ['ops'] } });
  agent = await startAgent('oidc-cli', undefined, ['-hcl', 'acl { enabled = true\ndefault_policy = "deny" }']);
  root = (await api('PUT', '/v1/acl/bootstrap', '')).json.SecretID;
  const method = await api('PUT', '/v1/acl/auth-method', root, {
    Name: 'sso',
    Type: 'oidc',
    Config: {
      OIDCDiscoveryURL: idp.base,
      OIDCDiscoveryCACert: pki.ca,
      OIDCClientID: 'conclave-cli',
      OIDCClientSecret: 'cli-secret',
      AllowedRedirectURIs: ['http://localhost:8550/oidc/callback'],
      ClaimMappings: { sub: 'user' },
      ListClaimMappings: { groups: 'groups' },
    },
  });
  expect(method.status).toBe(200);
  expect((await api('PUT', '/v1/acl/binding-rule', root, { AuthMethod: 'sso', Selector: '"ops" in list.groups', BindType: 'node', BindName: '${value.user}-laptop' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave login -type=oidc', () => {
  it('prints the auth URL, takes the provider\'s redirect on its listener and writes the token', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const sink = join(dir, 'token');
    const run = startLogin(['login', '-type=oidc', '-method=sso', `-token-sink-file=${sink}`, `-oidc-callback-listen-addr=127.0.0.1:${port}`, '-meta', 'via=cli']);
    const authUrl = await run.printed;
    expect(run.output().out.startsWith(`Complete the login via your OIDC provider. Open the following link in your browser:\n\n    ${authUrl}\n`)).toBe(true);
    const q = new URL(authUrl).searchParams;
    expect(q.get('redirect_uri')).toBe(`http://localhost:${port}/oidc/callback`);
    const page = await browse(authUrl);
    expect(page.location.startsWith(`http://localhost:${port}/oidc/callback?code=`)).toBe(true);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Signed in via your OIDC provider');
    expect(await run.code).toBe(0);
    expect(run.output().err).toBe('');
    const secret = readFileSync(sink, 'utf8');
    const self = await api('GET', '/v1/acl/token/self', secret);
    expect(self.status).toBe(200);
    expect(self.json).toMatchObject({ AuthMethod: 'sso', NodeIdentities: [{ NodeName: 'bob-laptop', Datacenter: 'dc1' }], Description: 'token created via login: {"via":"cli"}' });
  });

  it('reports a login the server refuses, and a provider error sent to the listener', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const run = startLogin(['login', '-type=oidc', '-method=sso', `-token-sink-file=${join(dir, 'never')}`, `-oidc-callback-listen-addr=127.0.0.1:${port}`]);
    const authUrl = await run.printed;
    idp.nextClaims = { groups: ['dev'] };
    await browse(authUrl);
    expect(await run.code).toBe(1);
    expect(run.output().err.trim()).toBe('Error logging in: Unexpected response code: 403 (Permission denied)');

    const port2 = await freePort();
    const denied = startLogin(['login', '-type=oidc', '-method=sso', `-token-sink-file=${join(dir, 'never')}`, `-oidc-callback-listen-addr=127.0.0.1:${port2}`]);
    const state = new URL(await denied.printed).searchParams.get('state');
    const res = await fetch(`http://127.0.0.1:${port2}/oidc/callback?error=access_denied&error_description=user+said+no&state=${state}`);
    expect(res.status).toBe(400);
    expect(await denied.code).toBe(1);
    expect(denied.output().err.trim()).toBe('Error logging in: the OIDC provider refused the login: access_denied: user said no');

    const unknown = startLogin(['login', '-type=oidc', '-method=nope', `-token-sink-file=${join(dir, 'never')}`, `-oidc-callback-listen-addr=127.0.0.1:${port2}`]);
    expect(await unknown.code).toBe(1);
    expect(unknown.output().err.trim()).toBe('Error logging in: Unexpected response code: 403 (ACL not found: auth method "nope" not found)');
  });
});
