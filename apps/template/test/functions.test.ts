// consul-template's helper, sprig_* and file functions through the built conclave-template against a built
// `conclave agent -dev`: one template that reads KV data and passes it through parseYAML, mergeMap, sprig's
// string/list/dict/semver helpers, toTOML, executeTemplate and writeToFile; -once exits 0 after one render.
// Template options from a config file: delimiters, error_on_missing_key, function_denylist, backup,
// create_dest_dirs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevAgent, type AgentProcess } from '../../agent/test/support/agent-process.js';

// toTOML's rendering of {a: [1, 2]} (BurntSushi/toml's layout, as consul-template).
const TOML_LINE = 'a = [1, 2]';

const TEMPLATE_BIN = fileURLToPath(new URL('../bin/conclave-template.js', import.meta.url));

let agent: AgentProcess;
let dir: string;

function runOnce(args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, [TEMPLATE_BIN, '-once', '-consul-addr', agent.httpAddr, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30000);
  return new Promise((r) =>
    proc.once('exit', (code) => {
      clearTimeout(timer);
      r({ code, out });
    }),
  );
}

async function put(key: string, value: string): Promise<void> {
  const res = await fetch(`http://${agent.httpAddr}/v1/kv/${key}`, { method: 'PUT', body: value });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-template-funcs-'));
  agent = await startDevAgent(['-node', 'funcs-1']);
  await put('app/config.yaml', 'name: web\nports: [80, 443]\nlimits:\n  cpu: 2\n');
  await put('app/defaults.json', '{"limits": {"cpu": 1, "mem": 512}, "region": "eu"}');
  await put('app/version', 'v1.4.2');
}, 60000);

afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('conclave-template functions end to end', () => {
  it('renders KV data through consul-template and sprig helpers', async () => {
    const side = join(dir, 'side', 'note.txt');
    writeFileSync(
      join(dir, 'app.ctmpl'),
      `{{- define "port" }}port={{ . }}{{ end -}}
{{- $cfg := key "app/config.yaml" | parseYAML -}}
{{- $merged := mergeMap $cfg (key "app/defaults.json" | parseJSON) -}}
name={{ $cfg.name | sprig_upper }} ports={{ sprig_join "," $cfg.ports }}
{{ range $cfg.ports }}{{ executeTemplate "port" . }};{{ end }}
merged={{ $merged.limits | toJSON }} region={{ $merged.region }}
newer={{ sprig_semverCompare ">=1.4.0" (key "app/version") }} major={{ (sprig_semver (key "app/version")).Major }}
keys={{ sprig_keys $merged | sprig_sortAlpha | sprig_join " " }}
{{ sprig_dict "a" (sprig_list 1 2) | toTOML }}
{{- key "app/version" | writeToFile "${side}" "" "" "0644" "newline" -}}
`,
    );
    const { code, out } = await runOnce(['-template', `${join(dir, 'app.ctmpl')}:${join(dir, 'app.out')}`]);
    expect(code, out).toBe(0);
    expect(readFileSync(join(dir, 'app.out'), 'utf8')).toBe(
      'name=WEB ports=80,443\nport=80;port=443;\nmerged={"cpu":2,"mem":512} region=eu\nnewer=true major=1\nkeys=limits name ports region\n' + TOML_LINE,
    );
    expect(readFileSync(side, 'utf8')).toBe('v1.4.2\n');
  });

  it('honours template options from a config file', async () => {
    const out = join(dir, 'nested', 'dir', 'opts.out');
    writeFileSync(join(dir, 'opts.ctmpl'), '[[ key "app/version" ]] {{ not a template }}');
    writeFileSync(
      join(dir, 'opts.hcl'),
      `template {
  source = "${join(dir, 'opts.ctmpl')}"
  destination = "${out}"
  left_delimiter = "[["
  right_delimiter = "]]"
  backup = true
}
`,
    );
    let r = await runOnce(['-config', join(dir, 'opts.hcl')]);
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('v1.4.2 {{ not a template }}');
    await put('app/version', 'v1.5.0');
    r = await runOnce(['-config', join(dir, 'opts.hcl')]);
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('v1.5.0 {{ not a template }}');
    expect(readFileSync(`${out}.bak`, 'utf8')).toBe('v1.4.2 {{ not a template }}');

    // create_dest_dirs = false: a missing directory is an error, not created; fatal by default (exit 14).
    const missing = join(dir, 'absent', 'x.out');
    writeFileSync(join(dir, 'nodirs.hcl'), `template {\n  contents = "x"\n  destination = "${missing}"\n  create_dest_dirs = false\n}\n`);
    const proc = spawn(process.execPath, [TEMPLATE_BIN, '-once', '-consul-addr', agent.httpAddr, '-config', join(dir, 'nodirs.hcl'), '-log-level', 'err'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((res) => proc.once('exit', res));
    expect(code, err).toBe(14);
    expect(existsSync(join(dir, 'absent'))).toBe(false);
    expect(err).toContain('[ERR] (cli) error rendering');
    expect(err).toContain('no such file or directory');
  });

  it('error_on_missing_key and function_denylist stop the render with consul-template\'s messages', async () => {
    writeFileSync(join(dir, 'strict.ctmpl'), '{{ $m := key "app/defaults.json" | parseJSON }}{{ $m.nope }}');
    writeFileSync(join(dir, 'deny.ctmpl'), '{{ key "app/version" | sprig_upper }}');
    writeFileSync(
      join(dir, 'strict.hcl'),
      // Not fatal, so that both errors are logged and the process keeps running.
      `template_error_fatal = false
template {
  source = "${join(dir, 'strict.ctmpl')}"
  destination = "${join(dir, 'strict.out')}"
  error_on_missing_key = true
}
template {
  source = "${join(dir, 'deny.ctmpl')}"
  destination = "${join(dir, 'deny.out')}"
  function_denylist = ["sprig_*"]
}
`,
    );
    const proc = spawn(process.execPath, [TEMPLATE_BIN, '-consul-addr', agent.httpAddr, '-config', join(dir, 'strict.hcl')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 15000;
    while (!(err.includes('map has no entry for key "nope"') && err.includes('function is disabled')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    proc.kill('SIGINT');
    await new Promise((res) => proc.once('exit', res));
    expect(err).toContain('map has no entry for key "nope"');
    expect(err).toContain('error calling sprig_upper: function is disabled');
    expect(existsSync(join(dir, 'strict.out'))).toBe(false);
    expect(existsSync(join(dir, 'deny.out'))).toBe(false);
  });
});
