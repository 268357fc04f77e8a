// go-metrics' Stream over the in-memory sink, on an injected clock: each interval's summary is told once, when
// the interval ends (the write that rolls it over), in /v1/agent/metrics' shape; stopping ends it.
import { expect, it } from 'vitest';
import { InmemSink, Metrics, type MetricsSummary } from '../src/index.js';

const T = Date.UTC(2026, 11, 6, 22, 55, 3);

it('tells each finished interval once, and nothing after stop', async () => {
  const clock = { now: T };
  const sink = new InmemSink({ now: () => clock.now });
  const metrics = new Metrics({ prefix: 'consul', hostname: 'h', enableHostname: false, sinks: [sink] });
  const got: MetricsSummary[] = [];
  const stop = sink.stream((s) => got.push(s));
  metrics.counter(['rpc', 'request']).incr(3);
  await Promise.resolve();
  expect(got).toEqual([]);
  clock.now = T + 10_000; // the next interval: the first one ends
  metrics.counter(['rpc', 'request']).incr();
  await Promise.resolve();
  expect(got.map((s) => [s.Timestamp, s.Counters.map((c) => [c.Name, c.Count, c.Sum])])).toEqual([['2026-12-06 22:55:00 +0000 UTC', [['consul.rpc.request', 1, 3]]]]);
  clock.now = T + 20_000;
  metrics.gauge(['runtime', 'alloc_bytes']).set(1);
  await Promise.resolve();
  expect(got.map((s) => s.Timestamp)).toEqual(['2026-12-06 22:55:00 +0000 UTC', '2026-12-06 22:55:10 +0000 UTC']);
  stop();
  clock.now = T + 30_000;
  metrics.counter(['rpc', 'request']).incr();
  await Promise.resolve();
  expect(got).toHaveLength(2);
});
