// `conclave kv` against an in-process dev agent: every output format (plain, -detailed, -base64, -recurse, -keys),
// stdin and @file data, check-and-set, locks with sessions, and export/import round trips.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulClient } from '@conclave/client';
import { startAgent, type TestAgent } from './support/run.js';

let agent: TestAgent;
let client: ConsulClient;

beforeAll(async () => {
  agent = await startAgent();
  client = new ConsulClient({ address: agent.httpAddr, env: {} });
});
afterAll(async () => {
  client?.close();
  await agent?.stop();
});

describe('kv put and get', () => {
  it('writes and reads a value as raw bytes, with a newline after it', async () => {
    expect(await agent.run(['kv', 'put', 'app/name', 'web'])).toMatchObject({ code: 0, stdout: 'Success! Data written to: app/name\n', stderr: '' });
    expect(await agent.run(['kv', 'get', 'app/name'])).toMatchObject({ code: 0, stdout: 'web\n' });
    expect(await agent.run(['kv', 'get', '/app/name'])).toMatchObject({ code: 0, stdout: 'web\n' }); // leading slash dropped
    expect(await agent.run(['kv', 'put', 'app/empty'])).toMatchObject({ code: 0 });
    expect(await agent.run(['kv', 'get', 'app/empty'])).toMatchObject({ code: 0, stdout: '\n' });
  });

  it('a missing key is an error, exit 1', async () => {
    expect(await agent.run(['kv', 'get', 'no/such/key'])).toMatchObject({ code: 1, stdout: '', stderr: 'Error! No key exists at: no/such/key\n' });
  });

  it('-detailed prints the metadata in a tabwriter block; -base64 encodes the value', async () => {
    await agent.run(['kv', 'put', '-flags', '42', 'app/detail', 'hello world']);
    const pair = (await client.kv.get('app/detail')).body!;
    const expected = (value: string) =>
      [
        `CreateIndex      ${pair.CreateIndex}`,
        'Flags            42',
        'Key              app/detail',
        `LockIndex        0`,
        `ModifyIndex      ${pair.ModifyIndex}`,
        'Session          -',
        `Value            ${value}`,
        '',
      ].join('\n');
    expect(await agent.run(['kv', 'get', '-detailed', 'app/detail'])).toMatchObject({ code: 0, stdout: expected('hello world') });
    expect((await agent.run(['kv', 'get', '-detailed', '-base64', 'app/detail'])).stdout).toBe(expected('aGVsbG8gd29ybGQ='));
    expect((await agent.run(['kv', 'get', '-base64', 'app/detail'])).stdout).toBe('aGVsbG8gd29ybGQ=\n');
  });

  it('keeps binary values byte for byte, from stdin, @file and -base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x0a]);
    expect((await agent.run(['kv', 'put', 'bin/stdin', '-'], bytes)).code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'conclave-cli-')), 'value.bin');
    writeFileSync(file, bytes);
    expect((await agent.run(['kv', 'put', 'bin/file', `@${file}`])).code).toBe(0);
    expect((await agent.run(['kv', 'put', '-base64', 'bin/b64', bytes.toString('base64')])).code).toBe(0);
    for (const key of ['bin/stdin', 'bin/file', 'bin/b64']) {
      const got = await agent.run(['kv', 'get', key]);
      expect(got.raw).toEqual(Buffer.concat([bytes, Buffer.from('\n')]));
    }
    const recurse = await agent.run(['kv', 'get', '-recurse', 'bin/']);
    const line = (k: string) => Buffer.concat([Buffer.from(`bin/${k}:`), bytes, Buffer.from('\n')]);
    expect(recurse.raw).toEqual(Buffer.concat([line('b64'), line('file'), line('stdin')]));
  });

  it('-recurse lists key:value lines; -recurse -detailed separates blocks with a blank line; -keys cuts at -separator', async () => {
    await agent.run(['kv', 'put', 'tree/a', '1']);
    await agent.run(['kv', 'put', 'tree/b/c', '2']);
    await agent.run(['kv', 'put', 'tree/b/d', '3']);
    expect((await agent.run(['kv', 'get', '-recurse', 'tree'])).stdout).toBe('tree/a:1\ntree/b/c:2\ntree/b/d:3\n');
    expect((await agent.run(['kv', 'get', '-recurse', '-base64', 'tree/b/'])).stdout).toBe('tree/b/c:Mg==\ntree/b/d:Mw==\n');
    const detailed = (await agent.run(['kv', 'get', '-recurse', '-detailed', 'tree/b/'])).stdout;
    const blocks = detailed.split('\n\n');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^CreateIndex {6}\d+\n.*\nKey {14}tree\/b\/c\n[\s\S]*Value {12}2$/);
    expect(blocks[1]).toMatch(/Key {14}tree\/b\/d\n[\s\S]*Value {12}3\n$/);
    expect((await agent.run(['kv', 'get', '-keys', 'tree/'])).stdout).toBe('tree/a\ntree/b/\n');
    expect((await agent.run(['kv', 'get', '-keys', '-separator', '', 'tree/'])).stdout).toBe('tree/a\ntree/b/c\ntree/b/d\n');
    expect((await agent.run(['kv', 'get', '-recurse', 'nothing/here/'])).stdout).toBe('');
  });

  it('-cas writes only over the given ModifyIndex', async () => {
    await agent.run(['kv', 'put', 'cas/k', 'v1']);
    const index = (await client.kv.get('cas/k')).body!.ModifyIndex;
    expect(await agent.run(['kv', 'put', '-cas', '-modify-index', String(Number(index) + 1000), 'cas/k', 'v2'])).toMatchObject({
      code: 1,
      stderr: 'Error! Did not write to cas/k: CAS failed\n',
    });
    expect(await agent.run(['kv', 'put', '-cas', '-modify-index', String(index), 'cas/k', 'v2'])).toMatchObject({ code: 0, stdout: 'Success! Data written to: cas/k\n' });
    expect((await agent.run(['kv', 'get', 'cas/k'])).stdout).toBe('v2\n');
  });

  it('-acquire and -release take and give up a lock with a session', async () => {
    const session = await client.session.create({ Name: 'cli-test', LockDelay: '0s' });
    const other = await client.session.create({ Name: 'other', LockDelay: '0s' });
    expect(await agent.run(['kv', 'put', '-acquire', '-session', session, 'lock/k', 'me'])).toMatchObject({ code: 0, stdout: 'Success! Lock acquired on: lock/k\n' });
    expect(await agent.run(['kv', 'put', '-acquire', '-session', other, 'lock/k'])).toMatchObject({ code: 1, stderr: 'Error! Did not acquire lock\n' });
    expect((await agent.run(['kv', 'get', '-detailed', 'lock/k'])).stdout).toMatch(new RegExp(`\nLockIndex {8}1\n[\\s\\S]*\nSession {10}${session}\n`));
    expect(await agent.run(['kv', 'put', '-release', '-session', other, 'lock/k'])).toMatchObject({ code: 1, stderr: 'Error! Did not release lock\n' });
    expect(await agent.run(['kv', 'put', '-release', '-session', session, 'lock/k'])).toMatchObject({ code: 0, stdout: 'Success! Lock released on: lock/k\n' });
  });
});

describe('kv delete', () => {
  it('deletes a key, a prefix, or (with -cas) an unchanged key', async () => {
    await agent.run(['kv', 'put', 'del/a', '1']);
    await agent.run(['kv', 'put', 'del/b/c', '2']);
    await agent.run(['kv', 'put', 'del/b/d', '3']);
    expect(await agent.run(['kv', 'delete', 'del/a'])).toMatchObject({ code: 0, stdout: 'Success! Deleted key: del/a\n' });
    expect(await agent.run(['kv', 'delete', 'del/never'])).toMatchObject({ code: 0, stdout: 'Success! Deleted key: del/never\n' });
    const index = (await client.kv.get('del/b/c')).body!.ModifyIndex;
    expect(await agent.run(['kv', 'delete', '-cas', '-modify-index', String(Number(index) + 1000), 'del/b/c'])).toMatchObject({
      code: 1,
      stderr: 'Error! Did not delete key del/b/c: CAS failed\n',
    });
    expect(await agent.run(['kv', 'delete', '-cas', '-modify-index', String(index), 'del/b/c'])).toMatchObject({ code: 0, stdout: 'Success! Deleted key: del/b/c\n' });
    expect(await agent.run(['kv', 'delete', '-recurse', 'del/'])).toMatchObject({ code: 0, stdout: 'Success! Deleted keys with prefix: del/\n' });
    expect((await client.kv.keys('del/')).body).toEqual([]);
  });
});

describe('kv export and import', () => {
  it('exports Go MarshalIndent JSON with exact uint64 flags and base64 values, and imports it back under -prefix', async () => {
    await agent.run(['kv', 'put', '-flags', '18446744073709551615', 'exp/max', '<tag> & co']);
    await agent.run(['kv', 'put', 'exp/plain', 'x']);
    await agent.run(['kv', 'put', 'exp/x<y>&z', '']);
    const exported = await agent.run(['kv', 'export', 'exp/']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(
      '[\n\t{\n\t\t"key": "exp/max",\n\t\t"flags": 18446744073709551615,\n\t\t"value": "PHRhZz4gJiBjbw=="\n\t},\n' +
        '\t{\n\t\t"key": "exp/plain",\n\t\t"flags": 0,\n\t\t"value": "eA=="\n\t},\n' +
        // Keys are escaped as Go's encoding/json does.
        '\t{\n\t\t"key": "exp/x\\u003cy\\u003e\\u0026z",\n\t\t"flags": 0,\n\t\t"value": ""\n\t}\n]\n',
    );
    expect((await agent.run(['kv', 'export', 'nothing/'])).stdout).toBe('[]\n');

    const imported = await agent.run(['kv', 'import', '-prefix', 'copy/', '-'], exported.stdout);
    expect(imported).toMatchObject({ code: 0, stdout: 'Imported: copy/exp/max\nImported: copy/exp/plain\nImported: copy/exp/x<y>&z\n' });
    const copy = (await client.kv.get('copy/exp/max')).body!;
    expect([copy.Flags, copy.Value!.toString()]).toEqual([18446744073709551615n, '<tag> & co']);

    const dir = mkdtempSync(join(tmpdir(), 'conclave-cli-'));
    writeFileSync(join(dir, 'export.json'), '[{"key": "file/k", "flags": 7, "value": "dg=="}]');
    expect(await agent.run(['kv', 'import', `@${join(dir, 'export.json')}`])).toMatchObject({ code: 0, stdout: 'Imported: file/k\n' });
    expect((await client.kv.get('file/k')).body!.Flags).toBe(7n);
  });

  it('stops at the first value that is not base64', async () => {
    const res = await agent.run(['kv', 'import', '[{"key": "ok", "value": "dg=="}, {"key": "bad", "value": "%%"}]']);
    expect(res).toMatchObject({ code: 1, stdout: 'Imported: ok\n', stderr: 'Error base 64 decoding value for key bad: illegal base64 data\n' });
  });
});
