// The article's dev-agent scenarios against the built binary: service files with script checks, dig lookups,
// a failing check leaving DNS, blocking queries and CAS through the npm `consul` client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { dig, startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess;
let consul: Consul;
let dir: string;
let masterState: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-e2e-'));
  // The check script reads its exit code from a file, so the test can make MySQL "fail".
  masterState = join(dir, 'master.state');
  writeFileSync(masterState, '0');
  const script = join(dir, 'check_mysql_master');
  writeFileSync(script, `#!/bin/sh\necho "mysql master check"\nexit $(cat ${masterState})\n`);
  chmodSync(script, 0o755);
  // The article's service file, with the check interval shortened so the test runs quickly.
  writeFileSync(
    join(dir, 'db.json'),
    JSON.stringify({
      service: { name: 'db', tags: ['master'], port: 3306, check: { script, interval: '1s' } },
    }),
  );
  // The article's DNS settings file, with an unused local recursor instead of 8.8.8.8 (no network here).
  writeFileSync(join(dir, 'dns.json'), JSON.stringify({ recursor: '127.0.0.1:9' }));
  agent = await startDevAgent([
    '-node',
    'db-1',
    '-enable-local-script-checks',
    '-config-file',
    join(dir, 'db.json'),
    '-config-file',
    join(dir, 'dns.json'),
  ]);
  consul = new Consul({ host: '127.0.0.1', port: agent.httpPort });
  // Two read replicas on other hosts, registered through the HTTP API with TTL checks.
  for (const [id, address] of [
    ['db-slave-1', '192.168.33.32'],
    ['db-slave-2', '192.168.33.33'],
  ] as const) {
    await consul.agent.service.register({
      name: 'db',
      id,
      tags: ['slave'],
      address,
      port: 3306,
      check: { ttl: '30s' },
    } as never);
    await consul.agent.check.pass(`service:${id}`);
  }
}, 60000);

afterAll(async () => {
  consul?.destroy();
  const code = await agent?.stop('SIGTERM');
  expect(code).toBe(0);
});

describe('the article on a dev agent', () => {
  it('answers the master through DNS once its script check passes', async () => {
    const res = await waitFor('master.db in DNS', async () => {
      const r = await dig(agent.dnsPort, 'master.db.service.consul', 'ANY');
      return r.answer.length > 0 ? r : undefined;
    }, { timeoutMs: 15000, intervalMs: 100 });
    expect(res.status).toBe('NOERROR');
    expect(res.answer.map((a) => a[4])).toEqual(['127.0.0.1']);
  });

  it('answers slave.db.service.consul with both replicas', async () => {
    const res = await dig(agent.dnsPort, 'slave.db.service.consul.', 'ANY');
    expect(res.status).toBe('NOERROR');
    expect(res.answer.map((a) => a[4]).sort()).toEqual(['192.168.33.32', '192.168.33.33']);
    expect(res.answer.every((a) => a[0] === 'slave.db.service.consul.' && a[1] === '0' && a[3] === 'A')).toBe(true);
  });

  it('serves SRV records with the node in the additional section', async () => {
    const res = await dig(agent.dnsPort, '_db._master.service.consul', 'SRV');
    expect(res.answer).toHaveLength(1);
    expect(res.answer[0]!.slice(4)).toEqual(['1', '1', '3306', 'db-1.node.dc1.consul.']);
    expect(res.additional.some((a) => a[0] === 'db-1.node.dc1.consul.' && a[4] === '127.0.0.1')).toBe(true);
  });

  it('removes an instance from DNS and from health?passing when its check goes critical', async () => {
    await consul.agent.check.fail('service:db-slave-2');
    const res = await dig(agent.dnsPort, 'slave.db.service.consul', 'A');
    expect(res.answer.map((a) => a[4])).toEqual(['192.168.33.32']);
    const passing = (await consul.health.service({ service: 'db', passing: true })) as Array<{ Service: { ID: string } }>;
    expect(passing.map((e) => e.Service.ID)).not.toContain('db-slave-2');
  });

  it('drops the master when its script exits 2, and brings it back when it exits 0', async () => {
    writeFileSync(masterState, '2');
    await waitFor('master gone', async () => (await dig(agent.dnsPort, 'master.db.service.consul', 'A')).status === 'NXDOMAIN', { timeoutMs: 15000, intervalMs: 100 });
    const gone = await dig(agent.dnsPort, 'master.db.service.consul', 'A');
    expect(gone.authority[0]?.[3]).toBe('SOA');
    const checks = (await consul.agent.check.list()) as Record<string, { Status: string; Output: string }>;
    expect(checks['service:db']!.Status).toBe('critical');
    expect(checks['service:db']!.Output).toContain('mysql master check');
    writeFileSync(masterState, '1');
    // exit 1 is a warning: still answered by DNS (only_passing is off), not by ?passing.
    await waitFor('master warning', async () => (await dig(agent.dnsPort, 'master.db.service.consul', 'A')).answer.length === 1, { timeoutMs: 15000, intervalMs: 100 });
    writeFileSync(masterState, '0');
  });

  it('wakes a blocking query on a key within 100 ms of a PUT from another client being answered', async () => {
    await consul.kv.set('service/web/state', 'blue');
    const first = (await consul.kv.get({ key: 'service/web/state' })) as { ModifyIndex: number };
    const other = new Consul({ host: '127.0.0.1', port: agent.httpPort });
    let returnedAt = 0;
    const blocked = (
      consul.kv.get({ key: 'service/web/state', index: String(first.ModifyIndex), wait: '30s' } as never) as Promise<{
        Value: string;
        ModifyIndex: number;
      }>
    ).then((v) => {
      returnedAt = performance.now();
      return v;
    });
    // Let the GET reach the agent and block, then write from the other client.
    await new Promise((r) => setTimeout(r, 300));
    expect(returnedAt).toBe(0);
    await other.kv.set('service/web/state', 'green');
    // Measured from the PUT's answer, not from its start: the write's own round trip (a new connection,
    // the commit) is not the wake-up and, on a loaded machine, alone takes more than 100 ms. The agent
    // wakes the query when it commits, so both answers leave together; a poll or the 30 s wait would not.
    const putAnsweredAt = performance.now();
    const changed = await blocked;
    other.destroy();
    expect(changed.Value).toBe('green');
    expect(changed.ModifyIndex).toBeGreaterThan(first.ModifyIndex);
    expect(returnedAt - putAnsweredAt).toBeLessThan(100);
  });

  it('returns false on a CAS conflict and true on a matching index', async () => {
    await consul.kv.set('cas/key', 'v1');
    const cur = (await consul.kv.get('cas/key')) as { ModifyIndex: number };
    const put = async (key: string, value: string, cas: number) => {
      const res = await fetch(`http://${agent.httpAddr}/v1/kv/${key}?cas=${cas}`, { method: 'PUT', body: value });
      expect(res.headers.get('content-type')).toBe('application/json');
      return res.text();
    };
    expect(await put('cas/key', 'v2', cur.ModifyIndex + 1000)).toBe('false');
    // The npm client turns a JSON false into a falsy result; a true stays true.
    expect(await consul.kv.set({ key: 'cas/key', value: 'v2', cas: cur.ModifyIndex + 1000 })).toBeFalsy();
    expect(await consul.kv.set({ key: 'cas/key', value: 'v2', cas: cur.ModifyIndex })).toBe(true);
    expect(await put('cas/new', 'x', 0)).toBe('true');
    expect(await put('cas/new', 'y', 0)).toBe('false');
    expect(((await consul.kv.get('cas/key')) as { Value: string }).Value).toBe('v2');
  });

  it('lists the services of the catalog with the built-in consul service', async () => {
    const services = await consul.catalog.service.list();
    expect(services).toEqual({ consul: [], db: ['master', 'slave'] });
  });

  it('refuses script checks over the API unless -enable-script-checks', async () => {
    const res = await fetch(`http://${agent.httpAddr}/v1/agent/check/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'evil', Args: ['/bin/true'], Interval: '10s' }),
    });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe(
      "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
    );
  });
});
