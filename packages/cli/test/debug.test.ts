// `conclave debug` against a real agent: the archive Consul's layout names (agent.json, host.json, members.json,
// <timestamp>/metrics.json per interval, consul.log, index.json), secrets redacted, refusals with Consul's words.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from '@conclave/toolkit';
import { redact } from '../src/commands/debug.js';
import { startAgent, type TestAgent } from './support/run.js';

let agent: TestAgent;
const cwd = mkdtempSync(join(tmpdir(), 'conclave-debug-'));
beforeAll(async () => {
  agent = await startAgent('debug-node');
}, 30_000);
afterAll(async () => {
  await agent?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

describe('conclave debug', () => {
  it('captures agent, host, members, metrics per interval and the debug log into <output>.tar.gz', async () => {
    const r = await agent.run(['debug', '-duration', '2s', '-interval', '1s', '-output', join(cwd, 'cap')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('==> Starting debugger and capturing static information...');
    expect(r.stdout).toContain(`Saved debug archive: ${join(cwd, 'cap')}.tar.gz`);
    expect(readdirSync(cwd)).toEqual(['cap.tar.gz']); // the directory is removed once archived
    const files = readTar(gunzipSync(readFileSync(join(cwd, 'cap.tar.gz'))));
    const names = [...files.keys()];
    for (const f of ['cap/agent.json', 'cap/host.json', 'cap/members.json', 'cap/consul.log', 'cap/index.json']) expect(names).toContain(f);
    expect(names.filter((n) => n.endsWith('/metrics.json')).length).toBeGreaterThanOrEqual(2);
    const index = JSON.parse(files.get('cap/index.json')!.toString());
    expect(index).toMatchObject({ Interval: '1s', Duration: '2s', Targets: ['agent', 'host', 'members', 'metrics', 'logs'], Errors: [] });
    expect(JSON.parse(files.get('cap/members.json')!.toString())[0].Name).toBe('debug-node');
    // The capture's own metrics requests were logged at debug while the monitor listened.
    expect(files.get('cap/consul.log')!.toString()).toMatch(/\[DEBUG\] agent\.http: Request finished: method=GET url=\/v1\/agent\/metrics/);
  }, 30_000);

  it('refuses bad durations, unknown targets and an existing output, as Consul', async () => {
    expect(await agent.run(['debug', '-duration', '1s', '-interval', '2s'], undefined)).toMatchObject({ code: 1, stderr: 'Capture validation failed: duration must be longer than interval\n' });
    expect(await agent.run(['debug', '-capture', 'nope'])).toMatchObject({ code: 1, stderr: "Capture validation failed: target 'nope' not found\n" });
  });

  it('redacts secrets wherever they are', () => {
    expect(redact({ Config: { Encrypt: 'abc', Token: 'x', Name: 'n', Nested: [{ key_file: '/k.pem', cert_file: '/c.pem' }] } })).toEqual({
      Config: { Encrypt: 'hidden', Token: 'hidden', Name: 'n', Nested: [{ key_file: 'hidden', cert_file: '/c.pem' }] },
    });
  });
});
