// Metrics end to end: a server agent (real Raft) with telemetry { prometheus_retention_time = "60s" } from a config
// file, KV writes, and a real Prometheus (Debian's /usr/bin/prometheus) scraping /v1/agent/metrics?format=prometheus
// every second until PromQL answers for consul_kvs_apply and consul_raft_commitTime.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { freePort } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

const PROMETHEUS = '/usr/bin/prometheus';
const WRITES = 5;

let root: string;
let agent: ClusterAgent | undefined;
let prometheus: ChildProcess | undefined;
let promOut = '';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conclave-prom-'));
  const config = join(root, 'telemetry.json');
  writeFileSync(config, JSON.stringify({ telemetry: { prometheus_retention_time: '60s', disable_hostname: true } }));
  agent = await startClusterAgent(await allocate('s1', true, root), ['-bootstrap', '-config-file', config]);
  await waitFor('a leader', async () => (await (await fetch(`http://${agent!.httpAddr}/v1/status/leader`)).json()) !== '', { timeoutMs: 20000 });
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await exited;
  }
  if (agent) await stopAgent(agent);
  rmSync(root, { recursive: true, force: true });
});

async function promQuery(base: string, query: string): Promise<number | undefined> {
  const r = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
    status: string;
    data: { result: Array<{ value: [number, string] }> };
  };
  const v = r.status === 'success' ? r.data.result[0]?.value[1] : undefined;
  return v === undefined ? undefined : Number(v);
}

it('serves the Prometheus text that a real Prometheus scrapes and answers PromQL for', async () => {
  for (let i = 0; i < WRITES; i++) {
    const r = await fetch(`http://${agent!.httpAddr}/v1/kv/metrics/k${i}`, { method: 'PUT', body: `v${i}` });
    expect(await r.text()).toBe('true');
  }
  const text = await (await fetch(`http://${agent!.httpAddr}/v1/agent/metrics?format=prometheus`)).text();
  expect(text).toMatch(/^consul_kvs_apply_count (\d+)$/m);
  expect(Number(/^consul_kvs_apply_count (\d+)$/m.exec(text)![1])).toBeGreaterThanOrEqual(WRITES);
  expect(text).toMatch(/^consul_raft_apply \d+$/m);
  expect(text).toMatch(/^consul_api_http_count\{method="PUT",path="v1_kv_"\} 5$/m);
  // disable_hostname: gauges carry no hostname.
  expect(text).toMatch(/^consul_runtime_alloc_bytes \S+$/m);

  const port = await freePort();
  const promConfig = join(root, 'prometheus.yml');
  writeFileSync(
    promConfig,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: conclave',
      '    metrics_path: /v1/agent/metrics',
      '    params:',
      '      format: [prometheus]',
      '    static_configs:',
      `      - targets: ['${agent!.httpAddr}']`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout!.on('data', (d: Buffer) => (promOut += d.toString()));
  prometheus.stderr!.on('data', (d: Buffer) => (promOut += d.toString()));
  prometheus.once('error', (err) => (promOut += `\nspawn failed: ${err.message}`));
  const base = `http://127.0.0.1:${port}`;
  const applied = await waitFor(
    'Prometheus to answer consul_kvs_apply_count',
    async () => {
      if (prometheus!.exitCode !== null) throw new Error(`prometheus exited ${prometheus!.exitCode}: ${promOut}`);
      return promQuery(base, 'consul_kvs_apply_count{job="conclave"}');
    },
    { timeoutMs: 30000, intervalMs: 250 },
  );
  expect(applied).toBeGreaterThanOrEqual(WRITES);
  expect(await promQuery(base, 'consul_raft_commitTime_count{job="conclave"}')).toBeGreaterThanOrEqual(WRITES);
  expect(await promQuery(base, 'up{job="conclave"}')).toBe(1);
});
