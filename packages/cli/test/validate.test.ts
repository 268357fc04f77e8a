// `conclave validate` and `conclave services register` read configuration with the agent's own loader: JSON and
// HCL, every problem listed with its file, line and column, nothing started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, startAgent, type TestAgent } from './support/run.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-validate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('conclave validate', () => {
  it('says "Configuration is valid!" for a good directory of HCL and JSON files, and nothing with -quiet', async () => {
    const dir = dirWith({
      'agent.hcl': 'datacenter = "dc1"\ndata_dir = "/opt/consul"\nserver = true\nbootstrap_expect = 3\nports {\n  http = 8500\n}\n',
      'web.json': JSON.stringify({ service: { name: 'web', port: 80, check: { http: 'http://localhost/', interval: '10s' } } }),
      'db.hcl': 'service {\n  name = "db"\n  port = 5432\n  check {\n    tcp = "localhost:5432"\n    interval = "10s"\n  }\n}\n',
    });
    expect(await run(['validate', dir])).toEqual(expect.objectContaining({ code: 0, stdout: 'Configuration is valid!\n', stderr: '' }));
    expect(await run(['validate', '-quiet', dir])).toEqual(expect.objectContaining({ code: 0, stdout: '', stderr: '' }));
  });

  it('lists every problem with its file, line and column, and exits 1', async () => {
    const dir = dirWith({
      'a.hcl': 'data_dir = "/tmp/x"\nportz {\n  http = 1\n}\n',
      'b.hcl': 'service {\n  name = "web"\n  port = "eighty"\n}\n',
      'c.json': '{\n  "dns_config": {"node_ttl": "soon"}\n}',
      'd.hcl': 'check {\n  name = "x"\n  args = ["/bin/true"]\n  interval = "10s"\n}\n',
    });
    const res = await run(['validate', dir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.split('\n')).toEqual([
      'Config validation failed: 4 errors occurred:',
      `\t* ${join(dir, 'a.hcl')}:2:1: unknown configuration key "portz"`,
      `\t* ${join(dir, 'c.json')}:2:18: dns_config.node_ttl: time: invalid duration "soon"`,
      `\t* ${join(dir, 'b.hcl')}:2:3: service.port: expected a number, got a string`,
      expect.stringMatching(new RegExp(`^\\t\\* ${join(dir, 'd.hcl')}:2:3: check: Scripts are disabled on this agent`)),
      '',
    ]);
  });

  it('reports a broken HCL file as file:line:col, never a stack trace', async () => {
    const dir = dirWith({ 'broken.hcl': 'data_dir = "/x"\nservice {\n  name = "web"\n' });
    const res = await run(['validate', join(dir, 'broken.hcl')]);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toBe(`Config validation failed: ${join(dir, 'broken.hcl')}:4:2: object expected closing RBRACE got: EOF\n`);
  });

  it('takes -config-format for files of any name, and needs at least one path', async () => {
    const dir = dirWith({ 'agent.conf': 'data_dir = "/x"\n' });
    expect((await run(['validate', join(dir, 'agent.conf')])).stderr).toContain('unknown extension; a config file must end in .hcl or .json');
    expect(await run(['validate', '-config-format', 'hcl', join(dir, 'agent.conf')])).toMatchObject({ code: 0, stdout: 'Configuration is valid!\n' });
    expect(await run(['validate'])).toMatchObject({ code: 1, stderr: 'Must specify at least one config file or directory\n' });
    expect((await run(['validate', '/no/such/dir'])).stderr).toBe('Config validation failed: /no/such/dir: cannot read: ENOENT\n');
  });

  it('checks what the agent checks, data_dir included', async () => {
    const dir = dirWith({ 'a.hcl': 'server = true\n' });
    expect((await run(['validate', dir])).stderr).toBe('Config validation failed: data_dir is required outside -dev mode: set -data-dir or data_dir\n');
  });
});

describe('conclave services register with HCL files', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startAgent('services-hcl');
  });
  afterAll(() => agent?.stop());

  it('registers the services of an HCL file and deregisters them by the same file', async () => {
    const dir = dirWith({
      'web.hcl': [
        'service {',
        '  name = "web"',
        '  id = "web-1"',
        '  port = 8080',
        '  tags = ["v1"]',
        '  meta { version = "1.2" }',
        '  tagged_addresses {',
        '    lan { address = "10.0.0.1", port = 8080 }',
        '  }',
        '  check {',
        '    ttl = "30s"',
        '  }',
        '}',
        'services = [',
        '  { name = "api", port = 9090 },',
        ']',
        '',
      ].join('\n'),
    });
    const file = join(dir, 'web.hcl');
    expect(await agent.run(['services', 'register', file])).toMatchObject({ code: 0, stdout: 'Registered service: web\nRegistered service: api\n' });
    const services = (await (await fetch(`http://${agent.httpAddr}/v1/agent/services`)).json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(services).sort()).toEqual(['api', 'web-1']);
    expect(services['web-1']).toMatchObject({ Service: 'web', Port: 8080, Tags: ['v1'], Meta: { version: '1.2' }, TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 8080 } } });
    const checks = (await (await fetch(`http://${agent.httpAddr}/v1/agent/checks`)).json()) as Record<string, unknown>;
    expect(Object.keys(checks)).toEqual(['service:web-1']);
    expect(await agent.run(['services', 'deregister', file])).toMatchObject({ code: 0, stdout: 'Deregistered service: web-1\nDeregistered service: api\n' });
  });

  it('refuses a file with an unknown key or a syntax error, naming the line', async () => {
    const dir = dirWith({ 'bad.hcl': 'service {\n  name = "web"\n  prot = 80\n}\n', 'broken.hcl': 'service {\n  name = "web\n}\n' });
    expect(await agent.run(['services', 'register', join(dir, 'bad.hcl')])).toMatchObject({
      code: 1,
      stderr: `Error: ${join(dir, 'bad.hcl')}:3:3: unknown configuration key "service.prot"\n`,
    });
    expect(await agent.run(['services', 'register', join(dir, 'broken.hcl')])).toMatchObject({
      code: 1,
      stderr: `Error: ${join(dir, 'broken.hcl')}:2:14: literal not terminated\n`,
    });
  });
});
