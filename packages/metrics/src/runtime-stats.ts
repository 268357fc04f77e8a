// go-metrics' EmitRuntimeStats (every second, ProfileInterval) from Node's own figures: consul.runtime.alloc_bytes
// is V8's used heap, sys_bytes the resident set, total_gc_runs and total_gc_pause_ns count the collections a
// PerformanceObserver saw, and each collection's pause is a gc_pause_ns sample, as Go's last-256 pauses are. Node has
// no goroutines, malloc/free counts or heap object count without a heap snapshot: those gauges are not emitted
// (docs/metrics.md). Added, Node's own: event_loop_delay_ns, how late the stats timer itself fired, which costs
// nothing (a histogram monitor would wake an idle agent many times a second).
import { PerformanceObserver } from 'node:perf_hooks';
import type { Metrics } from './metrics.js';

export interface RuntimeStats {
  stop(): void;
}

export function startRuntimeStats(metrics: Metrics, intervalMs = 1000): RuntimeStats {
  const alloc = metrics.gauge(['runtime', 'alloc_bytes']);
  const sys = metrics.gauge(['runtime', 'sys_bytes']);
  const heapTotal = metrics.gauge(['runtime', 'heap_total_bytes']);
  const gcRuns = metrics.gauge(['runtime', 'total_gc_runs']);
  const gcPauseTotal = metrics.gauge(['runtime', 'total_gc_pause_ns']);
  const gcPause = metrics.sample(['runtime', 'gc_pause_ns']);
  const loopDelay = metrics.gauge(['runtime', 'event_loop_delay_ns']);
  let runs = 0;
  let pauseNs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const ns = e.duration * 1e6;
      runs++;
      pauseNs += ns;
      gcPause.add(ns);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let due = performance.now() + intervalMs;
  const emit = () => {
    const now = performance.now();
    loopDelay.set(Math.max(0, now - due) * 1e6);
    due = now + intervalMs;
    const m = process.memoryUsage();
    alloc.set(m.heapUsed);
    heapTotal.set(m.heapTotal);
    sys.set(m.rss);
    gcRuns.set(runs);
    gcPauseTotal.set(pauseNs);
  };
  const timer = setInterval(emit, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      observer.disconnect();
    },
  };
}
