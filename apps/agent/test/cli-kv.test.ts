// `conclave kv ...` end to end: the built binary against a real dev agent, checked with plain HTTP reads.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONCLAVE_BIN, freePort, startDevAgent, type AgentProcess } from './support/agent-process.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `conclave <args>` with optional stdin; CONSUL_HTTP_ADDR points at the test agent unless overridden. */
function conclave(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, CONSUL_HTTP_ADDR: agent.httpAddr, CONSUL_HTTP_TOKEN: '', CONSUL_HTTP_TOKEN_FILE: '', ...opts.env };
    const child = spawn(process.execPath, [CONCLAVE_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

async function rawGet(key: string): Promise<Array<{ Key: string; Value: string | null; Flags: number; ModifyIndex: number; CreateIndex: number }>> {
  const res = await fetch(`http://${agent.httpAddr}/v1/kv/${key}`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

/** Flags text straight from the JSON body, so uint64 values are compared exactly. */
async function rawFlags(key: string): Promise<string> {
  const text = await (await fetch(`http://${agent.httpAddr}/v1/kv/${key}`)).text();
  return /"Flags":\s*(\d+)/.exec(text)![1]!;
}

/** Setup writes go straight to the HTTP API, so only the command under test is spawned. */
async function rawPut(key: string, value: string, flags?: string): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}/v1/kv/${key}${flags ? `?flags=${flags}` : ''}`, { method: 'PUT', body: value });
  expect(await res.json()).toBe(true);
}

let agent: AgentProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-cli-kv-'));
  agent = await startDevAgent(['-node', 'kv-node']);
}, 60000);

afterAll(async () => {
  await agent?.stop('SIGTERM');
});

describe('conclave kv put/get', () => {
  it('writes and reads a value with Consul messages, and fails on a missing key', async () => {
    const put = await conclave(['kv', 'put', 'app/config', 'hello world']);
    expect(put).toEqual({ code: 0, stdout: 'Success! Data written to: app/config\n', stderr: '' });
    expect(Buffer.from((await rawGet('app/config'))[0]!.Value!, 'base64').toString()).toBe('hello world');
    const [got, missing, noKey] = await Promise.all([
      conclave(['kv', 'get', 'app/config']),
      conclave(['kv', 'get', 'no/such/key']),
      conclave(['kv', 'get']),
    ]);
    expect(got).toEqual({ code: 0, stdout: 'hello world\n', stderr: '' });
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'Error! No key exists at: no/such/key\n' });
    expect(noKey).toEqual({ code: 1, stdout: '', stderr: 'Error! Missing KEY argument\n' });
  });

  it('keeps uint64 flags exact and prints the -detailed block', async () => {
    const put = await conclave(['kv', 'put', '-flags', '16210313421097356768', 'locks/sem', 'x']);
    expect(put.code).toBe(0);
    expect(await rawFlags('locks/sem')).toBe('16210313421097356768');
    const [pair] = await rawGet('locks/sem');
    const got = await conclave(['kv', 'get', '-detailed', 'locks/sem']);
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(
      [
        `CreateIndex      ${pair!.CreateIndex}`,
        'Flags            16210313421097356768',
        'Key              locks/sem',
        'LockIndex        0',
        `ModifyIndex      ${pair!.ModifyIndex}`,
        'Session          -',
        'Value            x',
        '',
      ].join('\n'),
    );
  });

  it('check-and-set succeeds only at the current ModifyIndex', async () => {
    await rawPut('cas/key', 'v1');
    const idx = (await rawGet('cas/key'))[0]!.ModifyIndex;
    const [stale, noIndex] = await Promise.all([
      conclave(['kv', 'put', '-cas', '-modify-index', String(idx + 1000), 'cas/key', 'v2']),
      conclave(['kv', 'put', '-cas', 'cas/key', 'v3']),
    ]);
    expect(stale).toEqual({ code: 1, stdout: '', stderr: 'Error! Did not write to cas/key: CAS failed\n' });
    expect(noIndex).toEqual({ code: 1, stdout: '', stderr: 'Must specify -modify-index with -cas!\n' });
    const fresh = await conclave(['kv', 'put', '-cas', `-modify-index=${idx}`, 'cas/key', 'v2']);
    expect(fresh).toEqual({ code: 0, stdout: 'Success! Data written to: cas/key\n', stderr: '' });
    expect(Buffer.from((await rawGet('cas/key'))[0]!.Value!, 'base64').toString()).toBe('v2');
  });

  it('acquires and releases a lock with -acquire/-release -session', async () => {
    const session = async () => ((await (await fetch(`http://${agent.httpAddr}/v1/session/create`, { method: 'PUT', body: '{"TTL":"60s"}' })).json()) as { ID: string }).ID;
    const [mine, theirs] = await Promise.all([session(), session()]);
    expect(await conclave(['kv', 'put', '-acquire', '-session', mine, 'lock/leader', 'node-a'])).toEqual({ code: 0, stdout: 'Success! Lock acquired on: lock/leader\n', stderr: '' });
    const [contended, detailed, noSession] = await Promise.all([
      conclave(['kv', 'put', '-acquire', '-session', theirs, 'lock/leader', 'node-b']),
      conclave(['kv', 'get', '-detailed', 'lock/leader']),
      conclave(['kv', 'put', '-acquire', 'lock/leader']),
    ]);
    expect(contended).toEqual({ code: 1, stdout: '', stderr: 'Error! Did not acquire lock\n' });
    expect(detailed.stdout).toContain(`LockIndex        1\n`);
    expect(detailed.stdout).toContain(`Session          ${mine}\n`);
    expect(noSession).toEqual({ code: 1, stdout: '', stderr: 'Error! Missing -session (required with -acquire and -release)\n' });
    const [wrongRelease, release] = await Promise.all([
      conclave(['kv', 'put', '-release', '-session', theirs, 'lock/leader']),
      conclave(['kv', 'put', '-release', '-session', mine, 'lock/leader']),
    ]);
    expect(release).toEqual({ code: 0, stdout: 'Success! Lock released on: lock/leader\n', stderr: '' });
    expect(wrongRelease).toEqual({ code: 1, stdout: '', stderr: 'Error! Did not release lock\n' });
    expect((await rawGet('lock/leader'))[0]).not.toHaveProperty('Session');
  });

  it('reads the value from @file, from stdin with -, and decodes -base64', async () => {
    const file = join(dir, 'license.txt');
    writeFileSync(file, 'from a file\n');
    const encoded = Buffer.from('decoded').toString('base64');
    const puts = await Promise.all([
      conclave(['kv', 'put', 'in/file', `@${file}`]),
      conclave(['kv', 'put', 'in/stdin', '-'], { input: 'piped' }),
      conclave(['kv', 'put', '-base64', 'in/b64', encoded]),
      conclave(['kv', 'put', 'in/missing', `@${join(dir, 'nope')}`]),
    ]);
    expect(puts.map((p) => p.code)).toEqual([0, 0, 0, 1]);
    expect(puts[3]!.stderr).toMatch(/^Error! Failed to read file: /);
    const values = await Promise.all(['in/file', 'in/stdin', 'in/b64'].map(async (k) => Buffer.from((await rawGet(k))[0]!.Value!, 'base64').toString()));
    expect(values).toEqual(['from a file\n', 'piped', 'decoded']);
    expect((await conclave(['kv', 'get', '-base64', 'in/b64'])).stdout).toBe(`${encoded}\n`);
  });

  it('lists with -recurse and -keys -separator', async () => {
    await Promise.all([rawPut('tree/a', '1'), rawPut('tree/b/c', '2'), rawPut('tree/b/d', '3')]);
    const [recurse, keys, allKeys, detailed, stale, elsewhere] = await Promise.all([
      conclave(['kv', 'get', '-recurse', 'tree/']),
      conclave(['kv', 'get', '-keys', 'tree/']),
      conclave(['kv', 'get', '-keys', '-separator', '', 'tree/']),
      conclave(['kv', 'get', '-recurse', '-detailed', 'tree/b/']),
      conclave(['kv', 'get', '-stale', 'tree/a']),
      conclave(['kv', 'get', '-datacenter', 'nowhere', 'tree/a']),
    ]);
    expect(recurse.stdout).toBe('tree/a:1\ntree/b/c:2\ntree/b/d:3\n');
    expect(keys.stdout).toBe('tree/a\ntree/b/\n');
    expect(allKeys.stdout).toBe('tree/a\ntree/b/c\ntree/b/d\n');
    const blocks = detailed.stdout.split('\n\n');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^CreateIndex {6}\d+\nFlags {12}0\nKey {14}tree\/b\/c\n/);
    expect(blocks[1]).toMatch(/\nKey {14}tree\/b\/d\n[\s\S]*\nValue {12}3\n$/);
    expect(stale).toEqual({ code: 0, stdout: '1\n', stderr: '' });
    expect(elsewhere).toEqual({ code: 1, stdout: '', stderr: 'Error querying Consul agent: Unexpected response code: 500 (No path to datacenter)\n' });
  });

  it('deletes a key, a prefix, and refuses a stale CAS delete', async () => {
    await Promise.all([rawPut('del/one', '1'), rawPut('del2/a', '2'), rawPut('del2/b', '3')]);
    const idx = (await rawGet('del/one'))[0]!.ModifyIndex;
    const [staleCas, both, prefix] = await Promise.all([
      conclave(['kv', 'delete', '-cas', '-modify-index', String(idx + 1000), 'del/one']),
      conclave(['kv', 'delete', '-cas', '-recurse', '-modify-index', '3', 'x']),
      conclave(['kv', 'delete', '-recurse', 'del2/']),
    ]);
    expect(staleCas).toEqual({ code: 1, stdout: '', stderr: 'Error! Did not delete key del/one: CAS failed\n' });
    expect(both).toEqual({ code: 1, stdout: '', stderr: 'Cannot specify both -cas and -recurse!\n' });
    expect(prefix).toEqual({ code: 0, stdout: 'Success! Deleted keys with prefix: del2/\n', stderr: '' });
    expect((await fetch(`http://${agent.httpAddr}/v1/kv/del2/?recurse`)).status).toBe(404);
    expect(await conclave(['kv', 'delete', '-cas', '-modify-index', String(idx), 'del/one'])).toEqual({ code: 0, stdout: 'Success! Deleted key: del/one\n', stderr: '' });
    expect((await fetch(`http://${agent.httpAddr}/v1/kv/del/one`)).status).toBe(404);
  });

  it('exports a prefix as JSON and imports it back under another prefix', async () => {
    await Promise.all([rawPut('exp/lock', 'L', '3304740253564472344'), rawPut('exp/plain', '<p&>')]);
    const [exported, empty, bad] = await Promise.all([
      conclave(['kv', 'export', 'exp/']),
      conclave(['kv', 'export', 'nothing/here/']),
      conclave(['kv', 'import', '{bad']),
    ]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(
      '[\n\t{\n\t\t"key": "exp/lock",\n\t\t"flags": 3304740253564472344,\n\t\t"value": "TA=="\n\t},\n' +
        `\t{\n\t\t"key": "exp/plain",\n\t\t"flags": 0,\n\t\t"value": "${Buffer.from('<p&>').toString('base64')}"\n\t}\n]\n`,
    );
    expect(empty.stdout).toBe('[]\n');
    expect(bad.stderr).toMatch(/^Cannot unmarshal data: /);
    const imported = await conclave(['kv', 'import', '-prefix', 'copy/', '-'], { input: exported.stdout });
    expect(imported).toEqual({ code: 0, stdout: 'Imported: copy/exp/lock\nImported: copy/exp/plain\n', stderr: '' });
    expect(await rawFlags('copy/exp/lock')).toBe('3304740253564472344');
    expect(Buffer.from((await rawGet('copy/exp/plain'))[0]!.Value!, 'base64').toString()).toBe('<p&>');
  });
});

describe('addressing and tokens', () => {
  it('honours -http-addr over CONSUL_HTTP_ADDR, http:// forms, CONSUL_HTTP_TOKEN and -token-file', async () => {
    await rawPut('app/config', 'hello world');
    const dead = `127.0.0.1:${await freePort()}`;
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'some-token\n');
    const [viaFlag, viaEnv, envToken, fileToken, missing] = await Promise.all([
      conclave(['kv', 'get', '-http-addr', `http://${agent.httpAddr}`, 'app/config'], { env: { CONSUL_HTTP_ADDR: dead } }),
      conclave(['kv', 'get', 'app/config'], { env: { CONSUL_HTTP_ADDR: dead } }),
      conclave(['kv', 'get', 'app/config'], { env: { CONSUL_HTTP_TOKEN: 'abc' } }),
      conclave(['kv', 'get', '-token-file', tokenFile, 'app/config']),
      conclave(['kv', 'get', '-token-file', join(dir, 'absent'), 'app/config']),
    ]);
    expect(viaFlag.stdout).toBe('hello world\n');
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toBe(`Error querying Consul agent: Get "http://${dead}/v1/kv/app/config": dial tcp ${dead}: connect: connection refused\n`);
    expect(envToken.stdout).toBe('hello world\n');
    expect(fileToken.stdout).toBe('hello world\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error connecting to Consul agent: Error loading token file .*absent/);
  });
});
