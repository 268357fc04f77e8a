import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DependencyFormatError,
  DependencyStore,
  TemplateExecError,
  TemplateParseError,
  healthServiceDependency,
  kvGetDependency,
  kvListDependency,
  catalogNodesDependency,
  parseConsulTemplate,
  renderWithSource,
  type ConsulRequest,
  type FetchOptions,
} from '../src/internal.js';
import { ARTICLE_BLUE_GREEN, ARTICLE_HAPROXY } from './article-templates.js';
import { MemoryConsul } from './memory-consul.js';

// The article's two HAProxy templates, exactly as printed (its code blocks lost their line breaks).
const HAPROXY = ARTICLE_HAPROXY;
const BLUE_GREEN = ARTICLE_BLUE_GREEN;

function webCluster(): MemoryConsul {
  const c = new MemoryConsul();
  c.register({ id: 'web2', service: 'web', node: 'node-b', address: '10.0.0.2', port: 8080, tags: ['green'] });
  c.register({ id: 'web1', service: 'web', node: 'node-a', address: '10.0.0.1', port: 8080, tags: ['blue'] });
  c.register({ id: 'web3', service: 'web', node: 'node-c', address: '10.0.0.3', serviceAddress: '192.168.1.3', port: 9090, tags: ['green'] });
  c.register({ id: 'db1', service: 'db', node: 'node-a', port: 5432 });
  return c;
}

describe('the article templates', () => {
  it('renders one server line per passing web instance, sorted by node then ID', async () => {
    const c = webCluster();
    const t = parseConsulTemplate('haproxy.ctmpl', HAPROXY);
    const store = new DependencyStore();
    const first = t.render(store);
    expect(first.complete).toBe(false);
    expect(first.output).toBeUndefined();
    expect(first.missing.map((d) => d.id)).toEqual(['health.service(web|passing)']);
    const r = await renderWithSource(t, c, store);
    expect(r.complete).toBe(true);
    const expected = HAPROXY.replace(
      /\{\{range service "web"\}\}.*\{\{end\}\}/,
      ' server web1 10.0.0.1:8080 check server web2 10.0.0.2:8080 check server web3 192.168.1.3:9090 check',
    );
    expect(r.output).toBe(expected);
    expect(c.requests).toContain('/v1/health/service/web?passing=1');
  });

  it('drops an instance whose check goes critical', async () => {
    const c = webCluster();
    c.setCheck('web2', 'critical');
    const r = await renderWithSource(parseConsulTemplate('haproxy.ctmpl', HAPROXY), c);
    expect(r.output).toContain('server web1 10.0.0.1:8080 check server web3');
    expect(r.output).not.toContain('web2');
  });

  it('switches ports with service/web/state, and waits for the key to exist', async () => {
    const c = webCluster();
    const t = parseConsulTemplate('bg.ctmpl', BLUE_GREEN);
    const store = new DependencyStore();
    const waiting = await renderWithSource(t, c, store);
    expect(waiting.complete).toBe(false);
    expect(waiting.output).toBeUndefined();
    expect(waiting.missing.map((d) => d.id)).toEqual(['kv.block(service/web/state)']);

    c.put('service/web/state', 'blue');
    store.forget(kvGetDependency('service/web/state', true));
    const blue = await renderWithSource(t, c, store);
    expect(blue.complete).toBe(true);
    expect(blue.output).toContain(' bind *:80 server web1 10.0.0.1:8080 bind *:8080 server web2 10.0.0.2:8080 server web3 192.168.1.3:9090 |');

    c.put('service/web/state', 'green');
    const fresh = new DependencyStore();
    const green = await renderWithSource(t, c, fresh);
    expect(green.output).toContain(' bind *:8080 server web1 10.0.0.1:8080 bind *:80 server web2');
    expect(green.used.map((d) => d.id)).toEqual([
      'kv.block(service/web/state)',
      'health.service(blue.web|passing)',
      'health.service(green.web|passing)',
    ]);
  });
});

describe('dependency strings', () => {
  it('parses service queries like consul-template', () => {
    const d = healthServiceDependency('blue.web?ns=team@dc2~node-x|passing,warning');
    expect(d.id).toBe('health.service(blue.web@dc2@ns=team~node-x|passing,warning)');
    expect(d.request).toEqual({ path: '/v1/health/service/web', query: { dc: 'dc2', ns: 'team', near: 'node-x', tag: 'blue' } });
    expect(healthServiceDependency('web|any').request!.query).toEqual({});
    expect(healthServiceDependency('web').request!.query).toEqual({ passing: '1' });
  });

  it('rejects malformed ones with consul-template messages', () => {
    expect(() => healthServiceDependency('web|bogus')).toThrow(new DependencyFormatError('health.service: invalid filter: "bogus" in "web|bogus"'));
    expect(() => healthServiceDependency('we b')).toThrow('health.service: invalid format: "we b"');
    expect(() => healthServiceDependency('web?color=red')).toThrow('invalid query parameter key "color"');
    expect(() => kvGetDependency('a@b@c', false)).toThrow('kv.get: invalid format');
  });

  it('maps KV and catalog functions to Consul endpoints', () => {
    expect(kvGetDependency('/service/web/state@dc1', true)).toMatchObject({ id: 'kv.block(service/web/state@dc1)', request: { path: '/v1/kv/service/web/state', query: { dc: 'dc1' } } });
    expect(kvListDependency('config/app').request).toEqual({ path: '/v1/kv/config/app', query: { recurse: '' } });
    expect(catalogNodesDependency('@dc2~n1').request).toEqual({ path: '/v1/catalog/nodes', query: { dc: 'dc2', near: 'n1' } });
  });

  it('turns a bad dependency string into a template error naming the call', async () => {
    const t = parseConsulTemplate('x', '{{service "web|bogus"}}');
    expect(() => t.render(new DependencyStore())).toThrow(TemplateExecError);
    expect(() => t.render(new DependencyStore())).toThrow(
      'template: x:1:2: executing "x" at <service "web|bogus">: error calling service: health.service: invalid filter: "bogus" in "web|bogus"',
    );
  });
});

describe('data functions', () => {
  async function render(text: string, c: MemoryConsul, opts = {}) {
    return renderWithSource(parseConsulTemplate('t', text, opts), c);
  }

  it('service items have consul-template fields and filters', async () => {
    const c = webCluster();
    c.setCheck('web3', 'warning');
    const r = await render(
      '{{range service "web|passing,warning"}}{{.Node}} {{.NodeAddress}} {{.Address}} {{.ID}} {{.Name}} {{.Port}} {{.Status}} {{.Tags}} {{.Tags.Contains "green"}} {{.Weights.Passing}} {{len .Checks}}\n{{end}}',
      c,
    );
    expect(r.output).toBe(
      'node-a 10.0.0.1 10.0.0.1 web1 web 8080 passing [blue] false 1 1\n' +
        'node-b 10.0.0.2 10.0.0.2 web2 web 8080 passing [green] true 1 1\n' +
        'node-c 10.0.0.3 192.168.1.3 web3 web 9090 warning [green] true 1 2\n',
    );
    const any = await render('{{range service "web" "any"}}{{.ID}}{{end}}|{{range service "green.web"}}{{.ID}}{{end}}', c);
    const checks = await render('{{range service "web|any"}}{{.ID}}:{{.Checks.AggregatedStatus}}:{{range .Checks}}{{.CheckID}}={{.Status}},{{end}} {{end}}', c);
    expect(checks.output).toBe('web1:passing:serfHealth=passing, web2:passing:serfHealth=passing, web3:warning:serfHealth=passing,service:web3=warning, ');
    await expect(render('{{range service "web"}}{{.Weights.Nope}}{{end}}', c)).rejects.toThrow("can't evaluate field Nope in type api.AgentWeights");
    expect(any.output).toBe('web1web2web3|web2');
  });

  it('metadata maps are Go map[string]string: index of a missing key is ""', async () => {
    const c = new MemoryConsul();
    c.register({ id: 'w', service: 'web', node: 'n', meta: { version: '2' } });
    const r = await render('{{range service "web"}}[{{index .ServiceMeta "version"}}][{{index .ServiceMeta "nope"}}][{{.ServiceMeta.nope}}][{{.ServiceMeta}}]{{end}}', c);
    // consul-template executes with missingkey=zero: a missing map[string]string field is "" too.
    expect(r.output).toBe('[2][][][map[version:2]]');
  });

  it('a missing struct field is an error, as in Go', async () => {
    const c = webCluster();
    await expect(render('{{range service "web"}}{{.Nope}}{{end}}', c)).rejects.toThrow(
      'can\'t evaluate field Nope in type *dependency.HealthService',
    );
  });

  it('services, nodes, node, datacenters', async () => {
    const c = webCluster();
    const r = await render(
      '{{range services}}{{.Name}}:{{join "," .Tags}};{{end}}|{{range nodes}}{{.Node}}={{.Address}};{{end}}|{{with node}}{{.Node.Node}}:{{range .Services}}{{.ID}},{{end}}{{end}}|{{with node "node-b"}}{{.Node.Address}}{{end}}|{{datacenters}}',
      c,
    );
    expect(r.output).toBe('db:;web:blue,green;|node-a=10.0.0.1;node-b=10.0.0.2;node-c=10.0.0.3;|node-a:db1,web1,|10.0.0.2|[dc1]');
    // node without a name first needs the agent's own name, then that node: three passes.
    expect(r.passes).toBeGreaterThanOrEqual(3);
  });

  it('datacenters true leaves out datacenters that do not answer', async () => {
    const c = webCluster();
    c.datacenters = ['dc2', 'dc1', 'dc3'];
    const flaky = {
      fetch: (req: ConsulRequest, opts: FetchOptions) => {
        if (req.query.dc === 'dc3') return Promise.reject(new Error('No path to datacenter'));
        return c.fetch(req, opts);
      },
    };
    const r = await renderWithSource(parseConsulTemplate('t', '{{datacenters}} {{datacenters true}}'), flaky);
    expect(r.output).toBe('[dc1 dc2 dc3] [dc1 dc2]');
    expect(c.requests).toContain('/v1/catalog/services?dc=dc1&consistent=');
  });

  it('key blocks until the key exists; keyOrDefault and keyExists do not', async () => {
    const c = webCluster();
    const r = await render('{{keyOrDefault "a/b" "dflt"}} {{keyExists "a/b"}}', c);
    expect(r.output).toBe('dflt false');
    c.put('a/b', 'val');
    const r2 = await render('{{key "a/b"}} {{keyOrDefault "a/b" "dflt"}} {{keyExists "a/b"}}', c);
    expect(r2.output).toBe('val val true');
    const r3 = await render('{{key "nope"}}', c);
    expect(r3.complete).toBe(false);
    expect(r3.output).toBeUndefined();
  });

  it('ls lists top-level keys, tree recurses, safe variants refuse empty', async () => {
    const c = webCluster();
    c.put('app/a', '1');
    c.put('app/b', '2');
    c.put('app/sub/c', '3');
    c.put('app/dir/', '');
    const r = await render(
      '{{range ls "app"}}{{.Key}}={{.Value}} {{end}}|{{range tree "app"}}{{.Key}}={{.Value}}({{.Path}}) {{end}}|{{range $k, $v := tree "app" | byKey}}{{$k}}:{{range $v}}{{.Key}},{{end}};{{end}}|{{ls "empty"}}',
      c,
    );
    expect(r.output).toBe('a=1 b=2 |a=1(app/a) b=2(app/b) sub/c=3(app/sub/c) |sub:c,;|[]');
    const safe = await render('{{range safeLs "empty"}}x{{end}}', c);
    expect(safe.complete).toBe(false);
    const flags = await render('{{range ls "app"}}{{printf "%d" .Flags}}{{end}}', c);
    expect(flags.output).toBe('00');
  });

  it('file reads a local file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmpl-file-'));
    writeFileSync(join(dir, 'f.txt'), 'hello\n');
    const r = await render(`[{{file "${join(dir, 'f.txt')}"}}]`, new MemoryConsul());
    expect(r.output).toBe('[hello\n]');
  });

  it('executeTemplate records dependencies used inside defined templates', async () => {
    const c = webCluster();
    const r = await render('{{define "svc"}}{{range service .}}{{.ID}} {{end}}{{end}}{{executeTemplate "svc" "db"}}', c);
    expect(r.output).toBe('db1 ');
    expect(r.used.map((d) => d.id)).toEqual(['health.service(db|passing)']);
  });

  it('env, mustEnv, envOrDefault', async () => {
    const env = { A: 'x', E: '' };
    const r = await render('{{env "A"}}|{{env "B"}}|{{envOrDefault "B" "d"}}|{{envOrDefault "E" "d"}}', new MemoryConsul(), { env });
    expect(r.output).toBe('x||d|');
    await expect(render('{{mustEnv "E"}}', new MemoryConsul(), { env })).rejects.toThrow('required environment variable E is empty');
  });

  it('function_denylist disables functions', async () => {
    await expect(render('{{env "A"}}', new MemoryConsul(), { functionDenylist: ['env'] })).rejects.toThrow(
      'error calling env: function is disabled',
    );
  });

  it('parse errors are Go parse errors', () => {
    expect(() => parseConsulTemplate('h.ctmpl', 'a\n{{range service "web"}}')).toThrow(new TemplateParseError('template: h.ctmpl:2: unexpected EOF', 'h.ctmpl', 2));
    expect(() => parseConsulTemplate('h.ctmpl', '{{nosuchfunc}}')).toThrow('template: h.ctmpl:1: function "nosuchfunc" not defined');
  });
});
