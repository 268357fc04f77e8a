// The front: Consul's prefix, the hostname in front of gauges only, and prefix_filter decided by the longest rule.
import { expect, it } from 'vitest';
import { InmemSink, Metrics } from '../src/index.js';

const T = Date.UTC(2026, 11, 6, 22, 55, 3);

function names(options: Partial<ConstructorParameters<typeof Metrics>[0]>) {
  const sink = new InmemSink({ now: () => T });
  const m = new Metrics({ sinks: [sink], ...options });
  m.gauge(['runtime', 'alloc_bytes']).set(1);
  m.counter(['raft', 'apply']).incr();
  m.sample(['raft', 'commitTime']).add(1);
  m.sample(['kvs', 'apply']).add(1);
  const d = sink.display();
  return [...d.Gauges, ...d.Counters, ...d.Samples].map((x) => x.Name);
}

it('puts the prefix in front of every key and the hostname in front of gauges', () => {
  expect(names({ hostname: 'node-a', enableHostname: true })).toEqual([
    'consul.node-a.runtime.alloc_bytes',
    'consul.raft.apply',
    'consul.kvs.apply',
    'consul.raft.commitTime',
  ]);
  expect(names({ prefix: 'conclave', hostname: 'node-a', enableHostname: false })).toEqual([
    'conclave.runtime.alloc_bytes',
    'conclave.raft.apply',
    'conclave.kvs.apply',
    'conclave.raft.commitTime',
  ]);
});

it('filters by the longest matching prefix rule, filter_default for the rest', () => {
  expect(names({ blockedPrefixes: ['consul.raft'], allowedPrefixes: ['consul.raft.apply'] })).toEqual([
    'consul.runtime.alloc_bytes',
    'consul.raft.apply',
    'consul.kvs.apply',
  ]);
  expect(names({ filterDefault: false, allowedPrefixes: ['consul.raft'] })).toEqual(['consul.raft.apply', 'consul.raft.commitTime']);
  // The same text allowed and blocked: blocked wins (go-metrics inserts blocks last).
  expect(names({ allowedPrefixes: ['consul.kvs'], blockedPrefixes: ['consul.kvs'] })).not.toContain('consul.kvs.apply');
});
