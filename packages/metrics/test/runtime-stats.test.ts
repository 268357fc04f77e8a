// Runtime gauges from Node's own figures, under go-metrics' names, on the configured period.
import { expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { InmemSink, Metrics, startRuntimeStats } from '../src/index.js';

it('emits consul.runtime.* gauges from the process', async () => {
  const sink = new InmemSink();
  const stats = startRuntimeStats(new Metrics({ sinks: [sink] }), 20);
  try {
    const gauges = await waitFor('runtime gauges', () => {
      const g = sink.display().Gauges;
      return g.length > 0 && g;
    });
    expect(gauges.map((g) => g.Name)).toEqual([
      'consul.runtime.alloc_bytes',
      'consul.runtime.event_loop_delay_ns',
      'consul.runtime.heap_total_bytes',
      'consul.runtime.sys_bytes',
      'consul.runtime.total_gc_pause_ns',
      'consul.runtime.total_gc_runs',
    ]);
    const value = (name: string) => gauges.find((g) => g.Name === name)!.Value;
    expect(value('consul.runtime.alloc_bytes')).toBeGreaterThan(1e6);
    expect(value('consul.runtime.sys_bytes')).toBeGreaterThan(value('consul.runtime.alloc_bytes'));
  } finally {
    stats.stop();
  }
});
