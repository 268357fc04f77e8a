// consul-template's exec, retry, signal and -template settings as decoded here, checked against the rules of
// its config package (config/exec.go, env.go, retry.go, template.go ParseTemplateConfig, signals.Parse).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  execEnvironment,
  mergeConfigs,
  parseConsulTemplate,
  parseSignalName,
  parseTemplateConfigText,
  parseTemplateFlag,
  pathMatch,
  prepareCommand,
  resolveSandboxedPath,
  retryPolicy,
  starGlob,
  DependencyStore,
  fileDependency,
  runTemplateCommand,
  TEMPLATE_EXIT_CODES,
} from '../src/internal.js';

describe('-template "in:out:cmd" as consul-template splits it', () => {
  it('keeps Windows drive letters with their path and drops empty parts', () => {
    expect(parseTemplateFlag('C:\\in.tpl:D:\\out.txt:cmd /c reload')).toEqual({ source: 'C:\\in.tpl', destination: 'D:\\out.txt', command: 'cmd /c reload' });
    expect(parseTemplateFlag('c:/a.tpl:c:/b.txt')).toEqual({ source: 'c:/a.tpl', destination: 'c:/b.txt' });
    expect(parseTemplateFlag('/in:/out:curl http://127.0.0.1:8080/reload')).toEqual({ source: '/in', destination: '/out', command: 'curl http://127.0.0.1:8080/reload' });
    // consul-template's regexp finds no empty parts: "in::cmd" makes "cmd" the destination.
    expect(parseTemplateFlag('in::cmd')).toEqual({ source: 'in', destination: 'cmd' });
    expect(() => parseTemplateFlag('  ')).toThrow('template: cannot be empty');
    expect(() => parseTemplateFlag(':::')).toThrow('template: cannot be empty');
  });
});

describe('exec {} and signals', () => {
  it('decodes the exec block, template exec blocks and top-level signals', () => {
    const cfg = parseTemplateConfigText(
      `kill_signal = "sigterm"
reload_signal = ""
exec {
  command = "/usr/bin/app -c x"
  reload_signal = "SIGUSR1"
  kill_signal = "SIGQUIT"
  kill_timeout = "2s"
  splay = "5s"
  env { pristine = true  custom = ["A=1"]  allowlist = ["CONSUL_*"]  denylist = ["VAULT_*"] }
}
consul { retry { attempts = 3  backoff = "100ms"  max_backoff = "1s" } }
template {
  source = "in"
  destination = "out"
  sandbox_path = "/srv"
  exec { command = ["sh", "-c", "reload"]  timeout = "5s" }
}
`,
      'c.hcl',
    );
    expect(cfg.killSignal).toBe('SIGTERM');
    expect(cfg.reloadSignal).toBe(null);
    expect(cfg.exec).toEqual({
      command: ['/usr/bin/app -c x'],
      reloadSignal: 'SIGUSR1',
      killSignal: 'SIGQUIT',
      killTimeoutMs: 2000,
      splayMs: 5000,
      env: { pristine: true, custom: ['A=1'], allowlist: ['CONSUL_*'], denylist: ['VAULT_*'] },
    });
    expect(cfg.consul.retry).toEqual({ attempts: 3, backoffMs: 100, maxBackoffMs: 1000 });
    expect(cfg.templates[0]).toMatchObject({ sandboxPath: '/srv', command: ['sh', '-c', 'reload'], commandTimeoutMs: 5000 });
    expect(() => parseTemplateConfigText('exec { kill_signal = "SIGBOGUS" }', 'c.hcl')).toThrow(/c\.hcl: exec\.kill_signal: invalid signal "SIGBOGUS" - valid signals are \["SIGABRT" .*"SIGXFSZ"\]/);
    expect(() => parseTemplateConfigText('exec { bogus = 1 }', 'c.hcl')).toThrow('c.hcl: exec.bogus: unknown key "bogus"');
  });

  it('merges exec blocks field by field; env lists accumulate', () => {
    const a = parseTemplateConfigText('exec { command = "a"  splay = "1s"  env { custom = ["A=1"] } }', 'a.hcl');
    const b = parseTemplateConfigText('exec { kill_timeout = "3s"  env { custom = ["B=2"] } }', 'b.hcl');
    expect(mergeConfigs(a, b).exec).toMatchObject({ command: ['a'], splayMs: 1000, killTimeoutMs: 3000, env: { custom: ['A=1', 'B=2'] } });
  });

  it('prepares commands as CommandPrep: sh -c for one string with spaces', () => {
    expect(prepareCommand(['app -c x'])).toEqual({ argv: ['/bin/sh', '-c', 'app -c x'], subshell: true });
    expect(prepareCommand(['app'])).toEqual({ argv: ['app'], subshell: false });
    expect(prepareCommand(['app', '-c', 'x y'])).toEqual({ argv: ['app', '-c', 'x y'], subshell: false });
    expect(() => prepareCommand([''])).toThrow('executable file not found');
  });

  it('parses signal names case-insensitively, SIGNULL included', () => {
    expect(parseSignalName('sighup')).toBe('SIGHUP');
    expect(parseSignalName('SIGNULL')).toBe('SIGNULL');
    expect(() => parseSignalName('HUP')).toThrow('invalid signal "HUP"');
  });

  it('builds the child environment: allowlist, then denylist, then custom (which wins)', () => {
    const parent = { CONSUL_A: '1', CONSUL_B: '2', VAULT_T: 's', HOME: '/root', PATH: '/bin' };
    expect(execEnvironment(parent, { allowlist: ['CONSUL_*', 'VAULT_*'], denylist: ['*_B', 'VAULT_?'] }, {})).toEqual({ CONSUL_A: '1' });
    expect(execEnvironment(parent, { pristine: true, custom: ['X=1', 'CONSUL_HTTP_ADDR=override'] }, { CONSUL_HTTP_ADDR: 'a:1' })).toEqual({ CONSUL_HTTP_ADDR: 'override', X: '1' });
    expect(execEnvironment({ A: '1' }, undefined, { CONSUL_HTTP_SSL: 'false' })).toEqual({ A: '1', CONSUL_HTTP_SSL: 'false' });
  });

  it('matches globs as go-glob (denylist) and filepath.Match (env)', () => {
    expect(starGlob('sprig_*', 'sprig_upper')).toBe(true);
    expect(starGlob('*File', 'writeToFile')).toBe(true);
    expect(starGlob('a*b*c', 'abc')).toBe(true);
    expect(starGlob('a*b*c', 'acb')).toBe(false);
    expect(starGlob('env', 'envOrDefault')).toBe(false);
    expect(pathMatch('CONSUL_[AB]', 'CONSUL_B')).toBe(true);
    expect(pathMatch('CONSUL_[^AB]', 'CONSUL_B')).toBe(false);
    expect(pathMatch('A?C', 'ABC')).toBe(true);
    expect(pathMatch('[', 'x')).toBe(false);
  });
});

describe('flag values', () => {
  it('are parsed while parsing flags, errors in Go flag\'s words (exit 13)', async () => {
    const err: string[] = [];
    const io = { env: {}, stdout: () => undefined, stderr: (s: string) => void err.push(s) };
    expect(await runTemplateCommand(['-exec-kill-signal', 'BOGUS', '-template', 'a:b'], io)).toBe(TEMPLATE_EXIT_CODES.parseFlags);
    expect(err.join('')).toMatch(/^invalid value "BOGUS" for flag -exec-kill-signal: invalid signal "BOGUS" - valid signals are \[/);
    err.length = 0;
    expect(await runTemplateCommand(['-exec-splay', '5', '-template', 'a:b'], io)).toBe(TEMPLATE_EXIT_CODES.parseFlags);
    expect(err.join('')).toBe('invalid value "5" for flag -exec-splay: time: missing unit in duration "5"\n');
  });
});

describe('retry policy (config/retry.go RetryFunc)', () => {
  it('doubles from backoff, caps at max_backoff, gives up after attempts', () => {
    const p = retryPolicy({});
    expect([1, 2, 3, 4].map((n) => p.delayMs(n))).toEqual([250, 500, 1000, 2000]);
    // log2(60s / 250ms) = 7.9 → 7: retry 8 (the 9th failure) waits max_backoff.
    expect(p.delayMs(8)).toBe(32_000);
    expect(p.delayMs(9)).toBe(60_000);
    expect(p.maxRetries).toBe(12);
    expect(retryPolicy({ attempts: 0 }).maxRetries).toBe(undefined);
    expect(retryPolicy({ enabled: false }).maxRetries).toBe(0);
  });
});

describe('sandbox_path and function_denylist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'box', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'box', 'sub', 'ok'), 'inside');
  writeFileSync(join(dir, 'secret'), 'outside');
  symlinkSync(join(dir, 'secret'), join(dir, 'box', 'escape'));
  symlinkSync(join(dir, 'box', 'sub', 'ok'), join(dir, 'box', 'fine'));

  it('reads files inside the sandbox (symlinks resolved) and refuses the others', () => {
    const box = join(dir, 'box');
    expect(resolveSandboxedPath(box, join(box, 'sub', 'ok'))).toBe(join(box, 'sub', 'ok'));
    expect(resolveSandboxedPath(box, join(box, 'fine'))).toBe(join(box, 'sub', 'ok'));
    expect(() => resolveSandboxedPath(box, join(box, 'escape'))).toThrow(`'${join(box, 'escape')}' is outside of sandbox`);
    expect(() => resolveSandboxedPath(box, join(box, '..', 'secret'))).toThrow('is outside of sandbox');
    expect(() => resolveSandboxedPath(box, join(box, 'none'))).toThrow(`failed to resolve target path: lstat ${join(box, 'none')}: no such file or directory`);
    expect(resolveSandboxedPath('', '/a/../b//c')).toBe('/b/c');

    const t = parseConsulTemplate('t', `{{ file "${join(box, 'escape')}" }}`, { sandboxPath: box });
    expect(() => t.render(new DependencyStore())).toThrow(`error calling file: '${join(box, 'escape')}' is outside of sandbox`);
    const ok = parseConsulTemplate('t', `{{ file "${join(box, 'fine')}" }}`, { sandboxPath: box });
    const r = ok.render(new DependencyStore());
    expect(r.missing.map((d) => d.id)).toEqual([fileDependency(join(box, 'sub', 'ok')).id]);
  });

  it('denies functions by glob with consul-template\'s message', () => {
    const t = parseConsulTemplate('t', '{{ toUpper "a" }}{{ env "HOME" }}', { functionDenylist: ['to*'] });
    expect(() => t.render(new DependencyStore())).toThrow('template: t:1:3: executing "t" at <toUpper "a">: error calling toUpper: function is disabled');
    const u = parseConsulTemplate('t', '{{ envOrDefault "X" "d" }}', { functionDenylist: ['env'], env: {} });
    expect(u.render(new DependencyStore()).output).toBe('d');
  });
});

describe('deduplicate {} and template user/group', () => {
  it('decodes deduplicate as consul-template (keys in any case; any option turns it on) and user/group/uid/gid', async () => {
    const { dedupEnabled, templateDedupId } = await import('../src/internal.js');
    const on = parseTemplateConfigText('deduplicate {\n  TTL = "20s"\n  prefix = "p/"\n  max_stale = "1s"\n  block_query_wait = "30s"\n}\n', 'a.hcl');
    expect(on.dedup).toEqual({ ttlMs: 20_000, prefix: 'p/', maxStaleMs: 1_000, blockQueryWaitMs: 30_000 });
    expect(dedupEnabled(on.dedup)).toBe(true);
    expect(dedupEnabled(parseTemplateConfigText('deduplicate {\n  enabled = false\n  prefix = "p/"\n}\n', 'b.hcl').dedup)).toBe(false);
    expect(dedupEnabled(undefined)).toBe(false);
    expect(() => parseTemplateConfigText('deduplicate {\n  lock = "x"\n}\n', 'c.hcl')).toThrow('c.hcl: deduplicate.lock: unknown key "lock"');
    const t = parseTemplateConfigText(
      'template {\n  contents = "x"\n  destination = "o"\n  user = "nobody"\n  group = 100\n}\ntemplate {\n  contents = "y"\n  destination = "o2"\n  uid = 7\n  gid = 8\n}\n',
      'd.hcl',
    );
    expect(t.templates.map((x) => [x.user, x.group])).toEqual([['nobody', '100'], ['7', '8']]);
    expect(t.warnings).toEqual([]);
    // consul-template's Template.ID: SHA-256 of source, contents and destination joined by NUL.
    expect(templateDedupId('', 'x', 'o')).toBe(createHash('sha256').update('\0x\0o').digest('hex'));
  });
});
