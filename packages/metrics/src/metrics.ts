// The front every metric goes through, as go-metrics' Metrics with Consul's configuration (lib/telemetry.go):
// the service name ("consul", telemetry.metrics_prefix) in front of every key, the hostname in front of gauge keys
// only (go-metrics' EnableHostname; Consul turns it off when the in-memory sink is the only sink, and
// telemetry.disable_hostname turns it off everywhere), and prefix_filter rules decided by the longest matching
// prefix of the dotted key, filter_default for keys no rule covers. Decisions are taken once per metric, when its
// handle is made: callers keep handles, and recording is a loop over the sinks.
import { MetricKey, type Label, type MetricKind } from './metric-key.js';
import type { MetricSink } from './sink.js';

export interface MetricsOptions {
  /** telemetry.metrics_prefix; Consul's default "consul". An empty prefix adds nothing. */
  prefix?: string;
  /** Put in front of gauge keys (after the prefix) when enableHostname is true. */
  hostname?: string;
  enableHostname?: boolean;
  /** telemetry.filter_default: whether keys no prefix rule covers are kept. Default true. */
  filterDefault?: boolean;
  /** telemetry.prefix_filter's "+rule" and "-rule" entries, without the sign. */
  allowedPrefixes?: string[];
  blockedPrefixes?: string[];
  sinks: MetricSink[];
}

/** A gauge handle: the last value set is what sinks report. */
export class Gauge {
  constructor(
    readonly key: MetricKey,
    private readonly sinks: readonly MetricSink[],
  ) {}

  set(value: number): void {
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].setGauge(this.key, value);
  }
}

/** A counter handle (go-metrics' IncrCounter). */
export class Counter {
  constructor(
    readonly key: MetricKey,
    private readonly sinks: readonly MetricSink[],
  ) {}

  incr(value = 1): void {
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].incrCounter(this.key, value);
  }
}

/** A sample handle (go-metrics' AddSample; MeasureSince when the value is a duration in milliseconds). */
export class Sample {
  constructor(
    readonly key: MetricKey,
    private readonly sinks: readonly MetricSink[],
  ) {}

  add(value: number): void {
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].addSample(this.key, value);
  }

  /** MeasureSince: the milliseconds from `start` (a performance.now() reading) to now. */
  since(start: number): void {
    if (this.sinks.length > 0) this.add(performance.now() - start);
  }
}

const NONE: readonly MetricSink[] = [];

export class Metrics {
  private readonly prefix: string;
  private readonly hostPart: string;
  private readonly filterDefault: boolean;
  /** Prefix rules, longest first; a blocked rule replaces an allowed one of the same text (go-metrics inserts blocks last). */
  private readonly rules: Array<{ prefix: string; allow: boolean }>;
  readonly sinks: readonly MetricSink[];

  constructor(options: MetricsOptions) {
    this.prefix = options.prefix ?? 'consul';
    this.hostPart = options.enableHostname && options.hostname ? options.hostname : '';
    this.filterDefault = options.filterDefault ?? true;
    const rules = new Map<string, boolean>();
    for (const p of options.allowedPrefixes ?? []) rules.set(p, true);
    for (const p of options.blockedPrefixes ?? []) rules.set(p, false);
    this.rules = [...rules].map(([prefix, allow]) => ({ prefix, allow })).sort((a, b) => b.prefix.length - a.prefix.length);
    this.sinks = options.sinks;
  }

  gauge(name: readonly string[], labels: readonly Label[] = []): Gauge {
    const key = this.key('gauge', name, labels);
    return new Gauge(key, this.allowed(key) ? this.sinks : NONE);
  }

  counter(name: readonly string[], labels: readonly Label[] = []): Counter {
    const key = this.key('counter', name, labels);
    return new Counter(key, this.allowed(key) ? this.sinks : NONE);
  }

  sample(name: readonly string[], labels: readonly Label[] = []): Sample {
    const key = this.key('sample', name, labels);
    return new Sample(key, this.allowed(key) ? this.sinks : NONE);
  }

  private key(kind: MetricKind, name: readonly string[], labels: readonly Label[]): MetricKey {
    const parts = [...name];
    if (kind === 'gauge' && this.hostPart) parts.unshift(this.hostPart);
    if (this.prefix) parts.unshift(this.prefix);
    return new MetricKey(kind, parts, labels);
  }

  private allowed(key: MetricKey): boolean {
    if (this.rules.length === 0) return this.filterDefault;
    const dotted = key.parts.join('.');
    for (const r of this.rules) if (dotted.startsWith(r.prefix)) return r.allow;
    return this.filterDefault;
  }
}
