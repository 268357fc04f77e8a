// The in-memory sink behind GET /v1/agent/metrics, on an injected clock: go-metrics' JSON (field order, float32
// gauges, sorting by name and labels, Go's time.String() timestamp) and its interval rollover.
import { expect, it } from 'vitest';
import { InmemSink, Metrics } from '../src/index.js';

function setup(start: number) {
  const clock = { now: start };
  const sink = new InmemSink({ now: () => clock.now });
  const metrics = new Metrics({ prefix: 'consul', hostname: 'host1', enableHostname: false, sinks: [sink] });
  return { clock, sink, metrics };
}

const T = Date.UTC(2026, 11, 6, 22, 55, 3);

it("shows the last finished interval in go-metrics' JSON shape", () => {
  const { clock, sink, metrics } = setup(T);
  const rpc = metrics.counter(['rpc', 'request']);
  rpc.incr();
  rpc.incr();
  const apply = metrics.sample(['kvs', 'apply']);
  apply.add(2);
  apply.add(4);
  metrics.sample(['api', 'http'], [{ name: 'method', value: 'GET' }, { name: 'path', value: 'v1_kv_' }]).add(1.5);
  metrics.gauge(['runtime', 'alloc_bytes']).set(0.1);
  // Only one interval so far: the current one is shown.
  expect(sink.display().Timestamp).toBe('2026-12-06 22:55:00 +0000 UTC');
  clock.now = T + 9_000; // 22:55:12, the next interval
  metrics.counter(['rpc', 'request']).incr(5);
  expect(JSON.stringify(sink.display())).toBe(
    JSON.stringify({
      Timestamp: '2026-12-06 22:55:00 +0000 UTC',
      Gauges: [{ Name: 'consul.runtime.alloc_bytes', Value: 0.1, Labels: {} }],
      PrecisionGauges: [],
      Points: [],
      Counters: [{ Name: 'consul.rpc.request', Count: 2, Rate: 0.2, Sum: 2, Min: 1, Max: 1, Mean: 1, Stddev: 0, Labels: {} }],
      Samples: [
        { Name: 'consul.api.http', Count: 1, Rate: 0.15, Sum: 1.5, Min: 1.5, Max: 1.5, Mean: 1.5, Stddev: 0, Labels: { method: 'GET', path: 'v1_kv_' } },
        { Name: 'consul.kvs.apply', Count: 2, Rate: 0.6, Sum: 6, Min: 2, Max: 4, Mean: 3, Stddev: Math.SQRT2, Labels: {} },
      ],
    }),
  );
});

it('keeps float32 precision as go-metrics does', () => {
  const { clock, sink, metrics } = setup(T);
  metrics.gauge(['g']).set(123456789);
  metrics.sample(['s']).add(0.1);
  clock.now = T + 10_000;
  const d = sink.display();
  expect(JSON.stringify(d.Gauges)).toBe('[{"Name":"consul.g","Value":123456790,"Labels":{}}]');
  expect(d.Samples[0].Sum).toBe(Math.fround(0.1));
});

it('rolls intervals over like getInterval: an interval exists only once something (or the display) asked for it', () => {
  const { clock, sink, metrics } = setup(T);
  metrics.counter(['a']).incr();
  clock.now = T + 9_000; // 22:55:12: the display creates the 22:55:10 interval and shows 22:55:00
  expect(sink.display().Counters.map((c) => c.Name)).toEqual(['consul.a']);
  clock.now = T + 42_000; // 22:55:45: nothing recorded since; the previous existing interval is 22:55:10, empty
  const d = sink.display();
  expect(d.Timestamp).toBe('2026-12-06 22:55:10 +0000 UTC');
  expect(d.Counters).toEqual([]);
});

it('keeps six intervals: a minute at 10 s', () => {
  const { clock, sink, metrics } = setup(T);
  const c = metrics.counter(['a']);
  for (let i = 0; i < 8; i++) {
    clock.now = T + i * 10_000;
    c.incr(i + 1);
  }
  expect(sink.retainedIntervals()).toBe(6);
  expect(sink.display().Counters[0].Sum).toBe(7);
});

it('writes labels as a Go map: keys sorted', () => {
  const { clock, sink, metrics } = setup(T);
  metrics.counter(['c'], [{ name: 'zone', value: 'a' }, { name: 'method', value: 'GET' }]).incr();
  clock.now = T + 10_000;
  expect(JSON.stringify(sink.display().Counters[0].Labels)).toBe('{"method":"GET","zone":"a"}');
});
