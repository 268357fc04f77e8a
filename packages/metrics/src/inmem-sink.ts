// go-metrics' InmemSink, what GET /v1/agent/metrics shows: metrics aggregated over fixed intervals (Consul: 10 s,
// aligned on the wall clock as time.Truncate does) and the last retain/interval of them kept (6 for a minute).
// A new interval starts empty, so a gauge shows only in intervals where it was set; the display is the most recent
// finished interval (the current one when it is the only one), as inmem_endpoint.go's DisplayMetrics.
import { float32Shortest } from './go-float.js';
import type { MetricKey } from './metric-key.js';
import type { MetricSink } from './sink.js';

/** Count, sum, sum of squares, min and max of what was ingested in one interval (go-metrics' AggregateSample). */
class Aggregate {
  count = 0;
  sum = 0;
  sumSq = 0;
  min = 0;
  max = 0;

  constructor(
    readonly name: string,
    readonly key: MetricKey,
  ) {}

  ingest(v: number): void {
    this.count++;
    this.sum += v;
    this.sumSq += v * v;
    if (v < this.min || this.count === 1) this.min = v;
    if (v > this.max || this.count === 1) this.max = v;
  }
}

interface GaugeValue {
  name: string;
  value: number;
  key: MetricKey;
}

class Interval {
  readonly gauges = new Map<string, GaugeValue>();
  readonly counters = new Map<string, Aggregate>();
  readonly samples = new Map<string, Aggregate>();

  constructor(readonly start: number) {}
}

/** One entry of Gauges in the JSON. */
export interface GaugeJson {
  Name: string;
  Value: number;
  Labels: Record<string, string>;
}

/** One entry of Counters or Samples in the JSON (SampledValue: Name, the embedded AggregateSample, Mean, Stddev). */
export interface SampledJson {
  Name: string;
  Count: number;
  Rate: number;
  Sum: number;
  Min: number;
  Max: number;
  Mean: number;
  Stddev: number;
  Labels: Record<string, string>;
}

/** GET /v1/agent/metrics: go-metrics' MetricsSummary (PrecisionGauges is in go-metrics 0.5, what Consul ships). */
export interface MetricsSummary {
  Timestamp: string;
  Gauges: GaugeJson[];
  PrecisionGauges: GaugeJson[];
  Points: Array<{ Name: string; Points: number[] }>;
  Counters: SampledJson[];
  Samples: SampledJson[];
}

export interface InmemSinkOptions {
  /** Default 10 s, retain 60 s: Consul's InitTelemetry. */
  intervalMs?: number;
  retainMs?: number;
  /** The wall clock (ms); tests inject one. */
  now?: () => number;
}

export class InmemSink implements MetricSink {
  private readonly intervalMs: number;
  private readonly maxIntervals: number;
  /** Rates are per second: the interval in seconds. */
  private readonly rateDenom: number;
  private readonly now: () => number;
  private readonly intervals: Interval[] = [];
  private current: Interval | undefined;
  private currentEnd = 0;
  /** Streams (GET /v1/agent/metrics/stream): told of each interval's summary when it ends. */
  private readonly listeners = new Set<(summary: MetricsSummary) => void>();
  private endTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: InmemSinkOptions = {}) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.maxIntervals = Math.trunc((options.retainMs ?? 60_000) / this.intervalMs);
    this.rateDenom = this.intervalMs / 1000;
    this.now = options.now ?? Date.now;
  }

  setGauge(key: MetricKey, value: number): void {
    const hash = key.inmemHash ?? this.spell(key);
    const g = this.interval().gauges;
    const found = g.get(hash);
    if (found) found.value = value;
    else g.set(hash, { name: key.inmemName!, value, key });
  }

  incrCounter(key: MetricKey, value: number): void {
    const intv = this.interval();
    this.aggregate(intv, intv.counters, key).ingest(Math.fround(value));
  }

  addSample(key: MetricKey, value: number): void {
    const intv = this.interval();
    this.aggregate(intv, intv.samples, key).ingest(Math.fround(value));
  }

  /** How many intervals are kept (for tests). */
  retainedIntervals(): number {
    return this.intervals.length;
  }

  /** DisplayMetrics: the most recent finished interval, or the current one when it is the only one. */
  display(): MetricsSummary {
    this.interval();
    const n = this.intervals.length;
    return this.summary(this.intervals[n === 1 ? 0 : n - 2]!);
  }

  /**
   * go-metrics' Stream: `listener` is given the summary of each interval when it ends (the current one first),
   * until the returned function is called. A timer rolls the interval over at its end even when no metric is
   * written then (go-metrics waits for the next write; the agent's runtime gauges make that about the same).
   */
  stream(listener: (summary: MetricsSummary) => void): () => void {
    this.listeners.add(listener);
    this.armEnd();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearTimeout(this.endTimer);
        this.endTimer = undefined;
      }
    };
  }

  private armEnd(): void {
    if (this.endTimer !== undefined || this.listeners.size === 0) return;
    this.interval();
    this.endTimer = setTimeout(() => {
      this.endTimer = undefined;
      this.interval();
      this.armEnd();
    }, Math.max(0, this.currentEnd - this.now()) + 1);
    this.endTimer.unref?.();
  }

  private summary(intv: Interval): MetricsSummary {
    const gauges = [...intv.gauges].sort(byHash).map(([, g]) => ({ Name: g.name, Value: float32Shortest(g.value), Labels: labelsOf(g.key) }));
    return {
      Timestamp: goUtcString(intv.start),
      Gauges: gauges,
      PrecisionGauges: [],
      Points: [],
      Counters: this.format(intv.counters),
      Samples: this.format(intv.samples),
    };
  }

  private format(source: Map<string, Aggregate>): SampledJson[] {
    return [...source].sort(byHash).map(([, a]) => {
      const num = a.count * a.sumSq - a.sum * a.sum;
      const div = a.count * (a.count - 1);
      return {
        Name: a.name,
        Count: a.count,
        Rate: a.sum / this.rateDenom,
        Sum: a.sum,
        Min: a.min,
        Max: a.max,
        Mean: a.count === 0 ? 0 : a.sum / a.count,
        Stddev: div === 0 ? 0 : Math.sqrt(num / div),
        Labels: labelsOf(a.key),
      };
    });
  }

  private aggregate(intv: Interval, map: Map<string, Aggregate>, key: MetricKey): Aggregate {
    if (key.inmemInterval === intv) return key.inmemEntry as Aggregate;
    const hash = key.inmemHash ?? this.spell(key);
    let a = map.get(hash);
    if (!a) map.set(hash, (a = new Aggregate(key.inmemName!, key)));
    key.inmemInterval = intv;
    key.inmemEntry = a;
    return a;
  }

  /** The current interval; a new one (and the oldest dropped) once the clock passed the current one's end. */
  private interval(): Interval {
    const now = this.now();
    if (this.current && now < this.currentEnd && now >= this.current.start) return this.current;
    const start = now - (((now % this.intervalMs) + this.intervalMs) % this.intervalMs);
    if (this.current && this.current.start === start) return this.current;
    const ended = this.current;
    this.current = new Interval(start);
    this.currentEnd = start + this.intervalMs;
    if (ended && this.listeners.size > 0) {
      // Told after the metric write that rolled the interval over, not inside it.
      const summary = this.summary(ended);
      queueMicrotask(() => {
        for (const l of this.listeners) l(summary);
      });
    }
    this.intervals.push(this.current);
    // go-metrics prunes once the count reaches the maximum, keeping the last maxIntervals.
    if (this.intervals.length >= this.maxIntervals) this.intervals.splice(0, this.intervals.length - this.maxIntervals);
    return this.current;
  }

  /** The in-memory spelling of a key, cached on it: parts joined by ".", spaces replaced, labels as ";name=value". */
  private spell(key: MetricKey): string {
    const name = key.parts.join('.').replaceAll(' ', '_');
    let hash = name;
    for (const l of key.labels) hash += `;${l.name}=${l.value}`.replaceAll(' ', '_');
    key.inmemName = name;
    key.inmemHash = hash;
    return hash;
  }
}

function byHash<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Labels as encoding/json writes a map: keys sorted (a later duplicate name wins, as in go-metrics' loop). */
function labelsOf(key: MetricKey): Record<string, string> {
  const byName = new Map<string, string>();
  for (const l of key.labels) byName.set(l.name, l.value);
  const out: Record<string, string> = {};
  for (const name of [...byName.keys()].sort()) out[name] = byName.get(name)!;
  return out;
}

/** time.Time.String() of a UTC instant on a whole second: "2026-12-06 22:55:00 +0000 UTC". */
function goUtcString(ms: number): string {
  const d = new Date(Math.round(ms / 1000) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}
