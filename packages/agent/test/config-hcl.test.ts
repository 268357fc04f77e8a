// HCL configuration: the same keys as JSON mean the same configuration (Consul's PatchSliceOfMaps shape), files of
// both formats mix in one directory, -hcl fragments and -config-format work as in Consul, and every problem
// (syntax, unknown keys, types, definitions) is reported with its file, line and column.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAgentConfig, loadAgentConfig } from '../src/config/agent-flags.js';
import type { AgentConfig } from '../src/config/agent-config.js';
import { ConfigError } from '../src/config/config-error.js';
import { configProblems } from './support.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'conclave-hcl-'));
}

function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}



/** The configuration without where things came from, to compare two formats of the same settings. */
function settings(cfg: AgentConfig): unknown {
  const strip = (defs: AgentConfig['services']) => defs.map((d) => ({ raw: d.raw, path: d.path }));
  return { ...cfg, services: strip(cfg.services), checks: strip(cfg.checks), watches: strip(cfg.watches), configFiles: [], configDirs: [] };
}

const SERVER_HCL = `
# Consul's deployment-guide server, with a bit of everything.
datacenter = "DC1"
data_dir = "/opt/consul"
node_name = "consul-1"
server = true
bootstrap_expect = 3
bind_addr = "10.0.0.11"
client_addr = "0.0.0.0"
retry_join = ["10.0.0.12", "10.0.0.13"]
encrypt = "qDOPBEr+/oUVeOFQOnVypxwDaHzLrD+lvjo5vCEBbZ0="
log_level = "DEBUG"
recursors = ["1.1.1.1"]
node_meta {
  rack = "r1"
  "instance-type" = "m5.large"
}
ports {
  http = 8501
  dns = 8601
  grpc = 8502
}
dns_config {
  only_passing = true
  node_ttl = "30s"
  udp_answer_limit = 5
  recursor_strategy = "random"
  service_ttl {
    "*" = "5s"
    web = "1m"
  }
  soa {
    refresh = 3600
  }
}
limits {
  http_max_conns_per_client = 400
  kv_max_value_size = 1048576
}
performance {
  raft_multiplier = 1
}
telemetry {
  prometheus_retention_time = "60s"
  disable_hostname = true
}
acl {
  enabled = false
  tokens {
    agent = "x"
  }
}
ui_config {
  enabled = true
}
service {
  name = "web"
  port = 80
  tags = ["v1"]
  check {
    http = "http://localhost/health"
    interval = "10s"
  }
}
services = [
  {
    name = "api"
    port = 9090
    checks = [
      { tcp = "localhost:9090", interval = "5s" },
      { ttl = "30s" },
    ]
  }
]
checks = [
  {
    id = "mem"
    name = "memory"
    ttl = "1m"
  }
]
watches = [
  {
    type = "key"
    key = "app/config"
    args = ["/usr/local/bin/reload"]
  }
]
`;

const SERVER_JSON = {
  datacenter: 'DC1',
  data_dir: '/opt/consul',
  node_name: 'consul-1',
  server: true,
  bootstrap_expect: 3,
  bind_addr: '10.0.0.11',
  client_addr: '0.0.0.0',
  retry_join: ['10.0.0.12', '10.0.0.13'],
  encrypt: 'qDOPBEr+/oUVeOFQOnVypxwDaHzLrD+lvjo5vCEBbZ0=',
  log_level: 'DEBUG',
  recursors: ['1.1.1.1'],
  node_meta: { rack: 'r1', 'instance-type': 'm5.large' },
  ports: { http: 8501, dns: 8601, grpc: 8502 },
  dns_config: { only_passing: true, node_ttl: '30s', udp_answer_limit: 5, recursor_strategy: 'random', service_ttl: { '*': '5s', web: '1m' }, soa: { refresh: 3600 } },
  limits: { http_max_conns_per_client: 400, kv_max_value_size: 1048576 },
  performance: { raft_multiplier: 1 },
  telemetry: { prometheus_retention_time: '60s', disable_hostname: true },
  acl: { enabled: false, tokens: { agent: 'x' } },
  ui_config: { enabled: true },
  service: { name: 'web', port: 80, tags: ['v1'], check: { http: 'http://localhost/health', interval: '10s' } },
  services: [{ name: 'api', port: 9090, checks: [{ tcp: 'localhost:9090', interval: '5s' }, { ttl: '30s' }] }],
  checks: [{ id: 'mem', name: 'memory', ttl: '1m' }],
  watches: [{ type: 'key', key: 'app/config', args: ['/usr/local/bin/reload'] }],
};

describe('HCL configuration files', () => {
  it('gives the same configuration as the same keys in JSON', async () => {
    const dir = tmp();
    const hcl = await loadAgentConfig(['-config-file', write(dir, 'server.hcl', SERVER_HCL)], 'h');
    const json = await loadAgentConfig(['-config-file', write(dir, 'server.json', JSON.stringify(SERVER_JSON, null, 2))], 'h');
    expect(settings(hcl.config)).toEqual(settings(json.config));
    const c = hcl.config;
    expect(c.datacenter).toBe('dc1');
    expect(c.ports).toMatchObject({ http: 8501, dns: 8601 });
    expect(c.nodeMeta).toEqual({ rack: 'r1', 'instance-type': 'm5.large' });
    expect(c.dns).toMatchObject({ onlyPassing: true, nodeTtlSeconds: 30, udpAnswerLimit: 5, recursorStrategy: 'random', serviceTtlSeconds: { '*': 5, web: 60 } });
    expect(c.logLevel).toBe('debug');
    expect(c.raftMultiplier).toBe(1);
    expect(c.httpMaxConnsPerClient).toBe(400);
    expect(c.services.map((s) => (s.raw as { name: string }).name)).toEqual(['web', 'api']);
    expect(c.services[0]!.raw).toEqual({ name: 'web', port: 80, tags: ['v1'], check: { http: 'http://localhost/health', interval: '10s' } });
    expect(c.services[1]!.path).toBe('services[0]');
    expect(c.checks).toHaveLength(1);
    expect(c.watches).toHaveLength(1);
    // Definitions say where they were written.
    const file = join(dir, 'server.hcl');
    expect(c.services[0]!.origin).toBe(`${file}:${lineOf(SERVER_HCL, 'name = "web"')}:3`);
  });

  it('takes two service blocks as two services, and a check block as a check', async () => {
    const dir = tmp();
    const f = write(dir, 'web.hcl', 'service {\n  name = "web"\n}\nservice {\n  name = "admin"\n  port = 8080\n}\ncheck {\n  name = "disk"\n  ttl = "1m"\n}\n');
    const { config } = buildAgentConfig(['-dev', '-config-file', f], 'h');
    expect(config.services.map((s) => [s.raw, s.path, s.origin])).toEqual([
      [{ name: 'web' }, 'service[0]', `${f}:2:3`],
      [{ name: 'admin', port: 8080 }, 'service[1]', `${f}:5:3`],
    ]);
    expect(config.checks.map((c) => c.raw)).toEqual([{ name: 'disk', ttl: '1m' }]);
  });

  it('reads a directory of .hcl and .json files alphabetically: later values win, lists are appended', async () => {
    const dir = tmp();
    write(dir, '10-base.json', JSON.stringify({ node_name: 'from-json', datacenter: 'east', retry_join: ['a'], service: { name: 'one' } }));
    write(dir, '20-override.hcl', 'node_name = "from-hcl"\nretry_join = ["b"]\nservice {\n  name = "two"\n}\nports { http = 9500 }\n');
    write(dir, '30-last.json', JSON.stringify({ retry_join: ['c'], ports: { dns: 9600 } }));
    const { config } = buildAgentConfig(['-dev', '-config-dir', dir], 'h');
    expect(config.nodeName).toBe('from-hcl');
    expect(config.datacenter).toBe('east');
    expect(config.retryJoin).toEqual(['a', 'b', 'c']);
    expect(config.services.map((s) => (s.raw as { name: string }).name)).toEqual(['one', 'two']);
    expect(config.ports).toMatchObject({ http: 9500, dns: 9600 });
  });

  it('applies -hcl fragments after files and flags, in order', async () => {
    const dir = tmp();
    const f = write(dir, 'a.hcl', 'node_name = "file"\nlog_level = "warn"\nretry_join = ["a"]\n');
    const { config } = buildAgentConfig(
      ['-dev', '-config-file', f, '-node', 'flag', '-hcl', 'node_name = "hcl-1"', '-hcl', 'retry_join = ["b"]\nports { http = 7500 }', '-log-level', 'info'],
      'h',
    );
    expect(config.nodeName).toBe('hcl-1');
    expect(config.logLevel).toBe('info');
    expect(config.retryJoin).toEqual(['a', 'b']);
    expect(config.ports.http).toBe(7500);
    expect(await configProblems(['-dev', '-hcl', 'bogus = 1', '-hcl', 'ports { http = "x" }'])).toEqual([
      '-hcl #1:1:1: unknown configuration key "bogus"',
      '-hcl #2:1:9: ports.http: expected a number, got the string "x"',
    ]);
  });

  it('-config-format reads files whatever their extension, and a directory then takes every file', async () => {
    const dir = tmp();
    const f = write(dir, 'agent.conf', 'node_name = "conf"\n');
    expect(await configProblems(['-dev', '-config-file', f])).toEqual([
      `${f}: unknown extension; a config file must end in .hcl or .json, or -config-format must be set`,
    ]);
    expect(buildAgentConfig(['-dev', '-config-file', f, '-config-format', 'hcl'], 'h').config.nodeName).toBe('conf');
    const sub = tmp();
    write(sub, 'a.conf', 'datacenter = "one"\n');
    write(sub, 'b.json', 'datacenter = "two"\n');
    const forced = buildAgentConfig(['-dev', '-config-dir', sub, '-config-format', 'hcl'], 'h');
    expect(forced.config.datacenter).toBe('two');
    expect(forced.warnings).toEqual([]);
    expect(await configProblems(['-dev', '-config-format', 'yaml'])).toEqual([`-config-format must be either 'hcl' or 'json', got "yaml"`]);
  });

  it('reports a broken HCL file as file:line:col and what is wrong, with the other files problems too', async () => {
    const dir = tmp();
    const broken = write(dir, 'a-broken.hcl', 'service {\n  name = "web"\n  port 80\n}\n');
    const unterminated = write(dir, 'b-string.hcl', 'datacenter = "dc1\n');
    const unknown = write(dir, 'c-unknown.hcl', 'ports {\n  htp = 8500\n}\nnode_meta {\n  rack = 12\n}\n');
    expect(await configProblems(['-dev', '-config-dir', dir])).toEqual([
      `${broken}:3:8: expected: IDENT | STRING | ASSIGN | LBRACE got: NUMBER`,
      `${unterminated}:1:18: literal not terminated`,
      `${unknown}:2:3: unknown configuration key "ports.htp"`,
      `${unknown}:4:1: node_meta: expected an object of strings, got an object`,
    ]);
  });

  it('refuses unknown keys inside service and check definitions, with their line', async () => {
    const dir = tmp();
    const f = write(
      dir,
      'svc.hcl',
      'service {\n  name = "web"\n  prot = 80\n  weights { passing = 3, critical = 1 }\n  check {\n    ttl = "5s"\n    intervall = "10s"\n  }\n}\n',
    );
    expect(await configProblems(['-dev', '-config-file', f])).toEqual([
      `${f}:3:3: unknown configuration key "service.prot"`,
      `${f}:4:26: unknown configuration key "service.weights.critical"`,
      `${f}:7:5: unknown configuration key "service.check.intervall"`,
    ]);
    // A labelled block is an object under the label, which is not a service field.
    expect(await configProblems(['-dev', '-hcl', 'service "web" {\n  port = 1\n}'])).toEqual(['-hcl #1:1:9: unknown configuration key "service.web"']);
    // hashicorp/hcl itself refuses the same block name with and without a label.
    expect(await configProblems(['-dev', '-hcl', 'service { name = "a" }\nservice "b" { port = 1 }'])).toEqual([
      '-hcl #1:1:1: root.service[0]: map must have string keys (the same block name is used both with and without a label, e.g. `service { }` and `service "x" { }`)',
    ]);
  });

  it('accepts the definitions spelled as the HTTP API spells them', async () => {
    const dir = tmp();
    const f = write(dir, 'camel.hcl', 'service {\n  Name = "legacy"\n  EnableTagOverride = true\n  Check = {\n    TTL = "15s"\n    DeregisterCriticalServiceAfter = "10m"\n  }\n}\n');
    expect(buildAgentConfig(['-dev', '-config-file', f], 'h').config.services).toHaveLength(1);
  });

  it('takes an empty list as nothing set, as Consul does', async () => {
    const dir = tmp();
    const f = write(dir, 'empty.hcl', 'recursors = []\nretry_join = []\nservices = []\n');
    const { config } = buildAgentConfig(['-dev', '-config-file', f], 'h');
    expect(config.recursors).toEqual([]);
    expect(config.services).toEqual([]);
  });

  it('reads numbers, octal, floats and durations as Consul does', async () => {
    const dir = tmp();
    const f = write(dir, 'n.hcl', 'ports {\n  http = 0x2134\n}\ndns_config {\n  node_ttl = "1m30s"\n  recursor_timeout = 1500000000\n}\nperformance { raft_multiplier = 2 }\n');
    const { config } = buildAgentConfig(['-dev', '-config-file', f], 'h');
    expect(config.ports.http).toBe(0x2134);
    expect(config.dns.nodeTtlSeconds).toBe(90);
    expect(config.dns.recursorTimeoutMs).toBe(1500);
    expect(config.raftMultiplier).toBe(2);
    // A bool written as a string is refused, as Consul's decoder refuses it.
    expect(await configProblems(['-dev', '-hcl', 'server = "true"'])).toEqual(['-hcl #1:1:1: server: expected true or false, got the string "true"']);
  });

  it('takes gossip_lan and gossip_wan as the memberlist timings of each pool', async () => {
    const dir = tmp();
    const f = write(
      dir,
      'g.hcl',
      'gossip_lan {\n  probe_interval = "2s"\n  probe_timeout = "800ms"\n  gossip_nodes = 4\n}\ngossip_wan {\n  probe_interval = "1s"\n  suspicion_mult = 3\n  retransmit_mult = 5\n  gossip_interval = "300ms"\n}\n',
    );
    const { config } = buildAgentConfig(['-dev', '-config-file', f], 'h');
    expect(config.gossipLan).toEqual({ probeIntervalMs: 2000, probeTimeoutMs: 800, gossipNodes: 4 });
    expect(config.gossipWan).toEqual({ probeIntervalMs: 1000, suspicionMult: 3, retransmitMult: 5, gossipIntervalMs: 300 });
    expect(buildAgentConfig(['-dev'], 'h').config.gossipWan).toEqual({});
    expect(await configProblems(['-dev', '-hcl', 'gossip_wan { suspicion_mult = 0 }'])).toEqual([
      '-hcl #1:1:14: gossip_wan.suspicion_mult: must be a whole number of at least 1, got 0',
    ]);
    expect((await configProblems(['-dev', '-hcl', 'gossip_lan { probe_intervl = "1s" }']))[0]).toMatch(/probe_intervl/);
    // Against the profile's other value: the WAN's probe timeout is 3 s.
    expect(await configProblems(['-hcl', 'data_dir = "/tmp/x"', '-hcl', 'gossip_wan { probe_interval = "2s" }'])).toEqual([
      'gossip_wan: probe_timeout (3s) must be below probe_interval (2s)',
    ]);
    expect(await configProblems(['-dev', '-hcl', 'gossip_lan { gossip_interval = "0s" }'])).toEqual(['gossip_lan.gossip_interval: must be above 0, got 0s']);
  });
});

describe('definitions checked before anything starts', () => {
  it('lists every invalid service, check and watch definition, with where it is', async () => {
    const dir = tmp();
    const f = write(
      dir,
      'defs.hcl',
      [
        'service {',
        '  name = "web"',
        '  port = 70000',
        '}',
        'service {',
        '  name = "db"',
        '  check {',
        '    args = ["/bin/check"]',
        '    interval = "10s"',
        '  }',
        '}',
        'check {',
        '  name = "orphan"',
        '  service_id = "nope"',
        '  ttl = "10s"',
        '}',
        'check {',
        '  name = "slow"',
        '  tcp = "localhost:1"',
        '  interval = "ten seconds"',
        '}',
        'watches = [',
        '  { type = "nonsense" },',
        '  { type = "key", key = "a" },',
        ']',
        '',
      ].join('\n'),
    );
    const problems = await configProblems(['-dev', '-config-file', f], { definitions: true });
    expect(problems).toEqual([
      `${f}:2:3: service[0].port: invalid port 70000`,
      expect.stringMatching(new RegExp(`^${escape(f)}:6:3: service\\[1\\]: Scripts are disabled on this agent`)),
      `${f}:13:3: check[0]: ServiceID "nope" does not exist`,
      expect.stringContaining(`${f}:18:3: check[1].interval: time: invalid duration "ten seconds"`),
      expect.stringContaining(`${f}:23:5: watches[0]: Failed to parse watch: `),
      `${f}:24:5: watches[1]: Failed to parse watch: Must define a watch handler`,
    ]);
  });

  it('passes a valid configuration', async () => {
    const dir = tmp();
    const f = write(dir, 'ok.hcl', SERVER_HCL);
    await expect(loadAgentConfig(['-config-file', f], 'h')).resolves.toMatchObject({ config: { nodeName: 'consul-1' } });
  });
});

describe('the Consul configuration corpus', () => {
  // packages/hcl's conformance corpus: configuration as people write it for Consul, which hashicorp/hcl decodes.
  const corpus = join(fileURLToPath(new URL('.', import.meta.url)), '../../hcl/test/corpus');
  for (const group of ['consul-agent', 'consul-services']) {
    for (const name of readdirSync(join(corpus, group)).filter((n) => n.endsWith('.hcl'))) {
      it(`${group}/${name} uses only keys Consul knows`, () => {
        const text = readFileSync(join(corpus, group, name), 'utf8');
        const dir = tmp();
        let problems: string[] = [];
        try {
          buildAgentConfig(['-dev', '-config-file', write(dir, name, text)], 'h');
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          problems = err.problems;
        }
        expect(problems.filter((p) => p.includes('unknown configuration key'))).toEqual([]);
      });
    }
  }
});

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
