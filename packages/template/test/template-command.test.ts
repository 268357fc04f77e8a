import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HclError, parseHcl } from '@conclave/hcl';
import {
  TEMPLATE_EXIT_CODES as EXIT,
  TemplateConfigError,
  loadTemplateConfig,
  parseWaitSpec,
  parseTemplateConfigText,
  parseTemplateFlag,
  runTemplateCommand,
} from '../src/internal.js';
import { ARTICLE_HAPROXY } from './article-templates.js';
import { MemoryConsul } from './memory-consul.js';
import { serveMemoryConsul } from './memory-consul-http.js';

describe('HCL (the one parser, @conclave/hcl)', () => {
  it('parses attributes, repeated blocks, heredocs, lists, octal numbers and comments', () => {
    const { root: doc } = parseHcl(`
# comment
consul { address = "127.0.0.1:8500" }
wait { min = "2s"  max = "10s" }   // trailing comment
template {
  source      = "/in.ctmpl"
  destination = "/out"
  perms       = 0640
  command     = ["sh", "-c", "reload"]
  backup      = true
}
/* block
   comment */
template {
  contents = <<-EOF
    a {{ key "x" }}
      b
    EOF
  destination = "/out2"
}
`);
    expect(doc).toEqual({
      consul: [{ address: '127.0.0.1:8500' }],
      wait: [{ min: '2s', max: '10s' }],
      template: [
        { source: '/in.ctmpl', destination: '/out', perms: 0o640, command: ['sh', '-c', 'reload'], backup: true },
        { contents: 'a {{ key "x" }}\n  b\n', destination: '/out2' },
      ],
    });
  });

  it('reports the line and column of a syntax error, in hashicorp/hcl words', () => {
    expect(() => parseHcl('a = "x"\nb = \n}', 'c.hcl')).toThrow(HclError);
    expect(() => parseHcl('a = "x"\nb = \n}', 'c.hcl')).toThrow('c.hcl:3:1: Unknown token: 3:1 RBRACE }');
    expect(() => parseHcl('t {\n x = "unterminated\n}', 'c.hcl')).toThrow('c.hcl:2:19: literal not terminated');
    expect(() => parseTemplateConfigText('template {\n source = "a"\n', 'c.hcl')).toThrow(
      new TemplateConfigError('c.hcl:3:2: object expected closing RBRACE got: EOF'),
    );
  });
});

describe('configuration', () => {
  it('decodes HCL and JSON into the same settings', () => {
    const hcl = parseTemplateConfigText(
      'consul { address = "10.0.0.1:8500" }\nwait = "1s:3s"\nlog_level = "info"\ntemplate {\n source = "a"\n destination = "b"\n command = "reload"\n command_timeout = "5s"\n perms = "0600"\n wait { min = "2s" }\n error_on_missing_key = true\n}\n',
      'c.hcl',
    );
    const json = parseTemplateConfigText(
      JSON.stringify({
        consul: { address: '10.0.0.1:8500' },
        wait: '1s:3s',
        log_level: 'info',
        template: [{ source: 'a', destination: 'b', command: 'reload', command_timeout: '5s', perms: '0600', wait: { min: '2s' }, error_on_missing_key: true }],
      }),
      'c.json',
    );
    expect(hcl).toEqual(json);
    expect(hcl.templates[0]).toEqual({
      source: 'a',
      destination: 'b',
      command: 'reload',
      commandTimeoutMs: 5000,
      perms: 0o600,
      wait: { minMs: 2000, maxMs: 8000 },
      errorOnMissingKey: true,
    });
    expect(hcl.wait).toEqual({ minMs: 1000, maxMs: 3000 });
  });

  it('rejects unknown keys and bad values with the file and key, warns about unsupported ones', () => {
    expect(() => parseTemplateConfigText('templat { source = "a" }', 'c.hcl')).toThrow(new TemplateConfigError('c.hcl: templat: unknown key "templat"'));
    expect(() => parseTemplateConfigText('template { source = "a"\n perms = "rwx" }', 'c.hcl')).toThrow('c.hcl: template[0].perms: expected file permissions');
    expect(() => parseTemplateConfigText('template { destination = "a" }', 'c.hcl')).toThrow('one of "source" or "contents" is required');
    expect(() => parseTemplateConfigText('wait = "5s:1s"', 'c.hcl')).toThrow('must be larger');
    expect(parseTemplateConfigText('vault { address = "x" }', 'c.hcl').warnings).toEqual(['c.hcl: vault is not supported and is ignored']);
  });

  it('loads a directory of files in name order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ template: { source: 'two' }, log_level: 'debug' }));
    writeFileSync(join(dir, 'a.hcl'), 'template { source = "one" }\nlog_level = "info"');
    writeFileSync(join(dir, 'ignored.txt'), 'nonsense');
    const cfg = await loadTemplateConfig(dir);
    expect(cfg.templates.map((t) => t.source)).toEqual(['one', 'two']);
    expect(cfg.logLevel).toBe('debug');
  });

  it('-template keeps extra colons in the command; Go durations parse', () => {
    expect(parseTemplateFlag('/vagrant/haproxy.ctmpl:/etc/haproxy/haproxy.cfg:/etc/init.d/haproxy reload')).toEqual({
      source: '/vagrant/haproxy.ctmpl',
      destination: '/etc/haproxy/haproxy.cfg',
      command: '/etc/init.d/haproxy reload',
    });
    expect(parseTemplateFlag('in:out:echo a:b')).toEqual({ source: 'in', destination: 'out', command: 'echo a:b' });
    expect(parseTemplateFlag('in')).toEqual({ source: 'in' });
    expect(parseWaitSpec('1m30.5s:2m')).toEqual({ minMs: 90_500, maxMs: 120_000 });
    expect(parseWaitSpec('250ms')).toEqual({ minMs: 250, maxMs: 1000 });
    expect(() => parseWaitSpec('5')).toThrow('time: missing unit in duration "5"');
  });
});

describe('runTemplateCommand', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { env: {}, stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) } };
  }

  it('exit codes for help, bad flags, bad config and missing templates', async () => {
    const a = io();
    expect(await runTemplateCommand(['-h'], a.io)).toBe(EXIT.ok);
    expect(a.out.join('')).toContain('-template=<value>');
    const b = io();
    expect(await runTemplateCommand(['-bogus'], b.io)).toBe(EXIT.parseFlags);
    const c = io();
    expect(await runTemplateCommand([], c.io)).toBe(EXIT.config);
    expect(c.err.join('')).toContain('no templates');
    const d = io();
    expect(await runTemplateCommand(['-config', '/nonexistent.hcl'], d.io)).toBe(EXIT.config);
    expect(d.err.join('')).toContain('/nonexistent.hcl: no such file or directory');
    const e = io();
    // consul-template parses flag values while parsing flags: a bad one is a flag error (13).
    expect(await runTemplateCommand(['-template', 'x:y', '-wait', 'soon'], e.io)).toBe(EXIT.parseFlags);
    expect(e.err.join('')).toContain('time: invalid duration "soon"');
  });

  it('-parse-only reports template syntax errors with Go messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmd-'));
    writeFileSync(join(dir, 'bad.ctmpl'), 'x\n{{range service "web"}}');
    const a = io();
    expect(await runTemplateCommand(['-parse-only', '-template', `${join(dir, 'bad.ctmpl')}:${join(dir, 'out')}`], a.io)).toBe(EXIT.runner);
    expect(a.err.join('')).toContain(`template: ${join(dir, 'bad.ctmpl')}:2: unexpected EOF`);
  });

  it('-once renders the article template from the agent, writes the file and runs the command', async () => {
    const c = new MemoryConsul();
    c.register({ id: 'web1', service: 'web', node: 'node-a', address: '10.0.0.1', port: 8080 });
    c.register({ id: 'web2', service: 'web', node: 'node-b', address: '10.0.0.2', port: 8080 });
    const served = await serveMemoryConsul(c);
    server = served.server;
    const dir = mkdtempSync(join(tmpdir(), 'cmd-'));
    writeFileSync(join(dir, 'haproxy.ctmpl'), ARTICLE_HAPROXY);
    const a = io();
    const code = await runTemplateCommand(
      ['-consul-addr', served.address, '-once', '-log-level', 'info', '-template', `${join(dir, 'haproxy.ctmpl')}:${join(dir, 'haproxy.cfg')}:echo reloaded > ${join(dir, 'marker')}`],
      a.io,
    );
    expect(code).toBe(EXIT.ok);
    expect(readFileSync(join(dir, 'haproxy.cfg'), 'utf8')).toContain('balance roundrobin server web1 10.0.0.1:8080 check server web2 10.0.0.2:8080 check |');
    expect(readFileSync(join(dir, 'marker'), 'utf8')).toBe('reloaded\n');
    expect(a.err.join('')).toMatch(/\[INFO\] \(runner\) rendered ".*haproxy.ctmpl" => ".*haproxy.cfg"/);
  });

  it('-dry with a config file prints to stdout; aborting ends a long-running render with the interrupt code', async () => {
    const c = new MemoryConsul();
    c.put('service/web/state', 'green');
    const served = await serveMemoryConsul(c);
    server = served.server;
    const dir = mkdtempSync(join(tmpdir(), 'cmd-'));
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'c.hcl'), `consul { address = "${served.address}" }\ntemplate {\n contents = "state={{key \\"service/web/state\\"}}"\n destination = "out"\n}\n`);
    const a = io();
    expect(await runTemplateCommand(['-config', join(dir, 'conf'), '-dry', '-once'], a.io)).toBe(EXIT.ok);
    expect(a.out.join('')).toBe('> out\nstate=green');

    const b = io();
    const ac = new AbortController();
    const running = runTemplateCommand(['-config', join(dir, 'conf'), '-dry'], { ...b.io, signal: ac.signal });
    for (let i = 0; i < 500 && b.out.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(b.out.join('')).toBe('> out\nstate=green');
    ac.abort();
    expect(await running).toBe(EXIT.interrupt);
  });
});
