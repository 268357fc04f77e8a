// The Prometheus text exposition, byte for byte, on an injected clock: families by name, summaries with the 0.5,
// 0.9 and 0.99 quantiles of the last 10 s, and metrics dropped after the retention time.
import { expect, it } from 'vitest';
import { Metrics, PrometheusSink } from '../src/index.js';

const T = Date.UTC(2026, 11, 6, 22, 55, 3);

function setup(retentionMs = 60_000) {
  const clock = { now: T };
  const sink = new PrometheusSink({ retentionMs, now: () => clock.now });
  const metrics = new Metrics({ sinks: [sink], hostname: 'node-a', enableHostname: false });
  return { clock, sink, metrics };
}

it('writes the text format as promhttp does for go-metrics', () => {
  const { sink, metrics } = setup();
  const rpc = metrics.counter(['rpc', 'request']);
  rpc.incr();
  rpc.incr(2);
  metrics.gauge(['runtime', 'alloc_bytes']).set(1234567);
  metrics.sample(['kvs', 'apply']).add(2.5);
  metrics.sample(['api', 'http'], [{ name: 'path', value: 'v1_kv_' }, { name: 'method', value: 'PUT' }]).add(3);
  metrics.sample(['api', 'http'], [{ name: 'path', value: 'v1_kv_' }, { name: 'method', value: 'GET' }]).add(0.25);
  metrics.gauge(['serf', 'member', 'flap-count'], [{ name: 'note', value: 'say "hi"\\' }]).set(0);
  expect(sink.expose()).toBe(
    [
      '# HELP consul_api_http consul_api_http',
      '# TYPE consul_api_http summary',
      'consul_api_http{method="GET",path="v1_kv_",quantile="0.5"} 0.25',
      'consul_api_http{method="GET",path="v1_kv_",quantile="0.9"} 0.25',
      'consul_api_http{method="GET",path="v1_kv_",quantile="0.99"} 0.25',
      'consul_api_http_sum{method="GET",path="v1_kv_"} 0.25',
      'consul_api_http_count{method="GET",path="v1_kv_"} 1',
      'consul_api_http{method="PUT",path="v1_kv_",quantile="0.5"} 3',
      'consul_api_http{method="PUT",path="v1_kv_",quantile="0.9"} 3',
      'consul_api_http{method="PUT",path="v1_kv_",quantile="0.99"} 3',
      'consul_api_http_sum{method="PUT",path="v1_kv_"} 3',
      'consul_api_http_count{method="PUT",path="v1_kv_"} 1',
      '# HELP consul_kvs_apply consul_kvs_apply',
      '# TYPE consul_kvs_apply summary',
      'consul_kvs_apply{quantile="0.5"} 2.5',
      'consul_kvs_apply{quantile="0.9"} 2.5',
      'consul_kvs_apply{quantile="0.99"} 2.5',
      'consul_kvs_apply_sum 2.5',
      'consul_kvs_apply_count 1',
      '# HELP consul_rpc_request consul_rpc_request',
      '# TYPE consul_rpc_request counter',
      'consul_rpc_request 3',
      '# HELP consul_runtime_alloc_bytes consul_runtime_alloc_bytes',
      '# TYPE consul_runtime_alloc_bytes gauge',
      'consul_runtime_alloc_bytes 1.234567e+06',
      '# HELP consul_serf_member_flap_count consul_serf_member_flap_count',
      '# TYPE consul_serf_member_flap_count gauge',
      'consul_serf_member_flap_count{note="say \\"hi\\"\\\\"} 0',
      '',
    ].join('\n'),
  );
});

it('takes quantiles over the last 10 s only; sum and count stay', () => {
  const { clock, sink, metrics } = setup();
  const s = metrics.sample(['raft', 'commitTime']);
  for (let i = 1; i <= 100; i++) s.add(i);
  expect(sink.expose()).toContain(
    'consul_raft_commitTime{quantile="0.5"} 50\nconsul_raft_commitTime{quantile="0.9"} 90\nconsul_raft_commitTime{quantile="0.99"} 99\n',
  );
  clock.now = T + 10_000;
  s.add(7);
  clock.now = T + 12_000;
  expect(sink.expose()).toContain(
    'consul_raft_commitTime{quantile="0.5"} 7\nconsul_raft_commitTime{quantile="0.9"} 7\nconsul_raft_commitTime{quantile="0.99"} 7\nconsul_raft_commitTime_sum 5057\nconsul_raft_commitTime_count 101\n',
  );
  clock.now = T + 30_000;
  expect(sink.expose()).toContain('consul_raft_commitTime{quantile="0.5"} NaN\n');
});

it('drops a metric not updated within the retention time', () => {
  const { clock, sink, metrics } = setup(60_000);
  const kept = metrics.counter(['kept']);
  kept.incr();
  metrics.counter(['gone']).incr();
  clock.now = T + 50_000;
  kept.incr();
  clock.now = T + 60_000;
  expect(sink.expose()).toContain('consul_gone 1'); // exactly at the retention time: still there (Before, not !After)
  clock.now = T + 60_001;
  expect(sink.expose()).toBe('# HELP consul_kept consul_kept\n# TYPE consul_kept counter\nconsul_kept 2\n');
});

it('keeps the sample memory bounded under load', () => {
  const { sink, metrics } = setup();
  const s = metrics.sample(['hot']);
  for (let i = 0; i < 200_000; i++) s.add(i % 1000);
  const text = sink.expose();
  expect(text).toContain('consul_hot_count 200000\n');
  const p50 = Number(/consul_hot\{quantile="0.5"\} (\S+)/.exec(text)![1]);
  // A uniform sample of 0..999: the median within a few percent.
  expect(p50).toBeGreaterThan(400);
  expect(p50).toBeLessThan(600);
});

it("predeclares Consul's defined metrics with their help text: there from the start, never expired", () => {
  const clock = { now: T };
  const sink = new PrometheusSink({
    retentionMs: 1_000,
    now: () => clock.now,
    definitions: [
      { kind: 'summary', name: ['consul', 'kvs', 'apply'], help: 'Measures the time it takes to complete an update to the KV store.' },
      { kind: 'counter', name: ['consul', 'raft', 'apply'], help: 'This counts the number of Raft transactions occurring over the interval.' },
    ],
  });
  const metrics = new Metrics({ sinks: [sink] });
  const idle = [
    '# HELP consul_kvs_apply Measures the time it takes to complete an update to the KV store.',
    '# TYPE consul_kvs_apply summary',
    'consul_kvs_apply{quantile="0.5"} NaN',
    'consul_kvs_apply{quantile="0.9"} NaN',
    'consul_kvs_apply{quantile="0.99"} NaN',
    'consul_kvs_apply_sum 0',
    'consul_kvs_apply_count 0',
    '# HELP consul_raft_apply This counts the number of Raft transactions occurring over the interval.',
    '# TYPE consul_raft_apply counter',
    'consul_raft_apply 0',
    '',
  ].join('\n');
  expect(sink.expose()).toBe(idle);
  metrics.sample(['kvs', 'apply']).add(4);
  expect(sink.expose()).toContain('consul_kvs_apply{quantile="0.5"} 4\n');
  expect(sink.expose()).toContain('consul_kvs_apply_count 1\n');
  clock.now = T + 3_600_000;
  expect(sink.expose()).toContain('consul_kvs_apply_count 1\n');
});

it('keeps two sinks fed by one metric apart, and brings an expired series back on its next update', () => {
  const clock = { now: T };
  const a = new PrometheusSink({ retentionMs: 1_000, now: () => clock.now });
  const b = new PrometheusSink({ retentionMs: 1_000, now: () => clock.now });
  const c = new Metrics({ sinks: [a, b] }).counter(['c']);
  c.incr();
  c.incr();
  expect([a.expose(), b.expose()]).toEqual(['# HELP consul_c consul_c\n# TYPE consul_c counter\nconsul_c 2\n', '# HELP consul_c consul_c\n# TYPE consul_c counter\nconsul_c 2\n']);
  clock.now = T + 2_000;
  expect(a.expose()).toBe('');
  c.incr();
  expect(a.expose()).toBe('# HELP consul_c consul_c\n# TYPE consul_c counter\nconsul_c 1\n');
});
