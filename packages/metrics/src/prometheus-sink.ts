// go-metrics' PrometheusSink and the text exposition format 0.0.4 that promhttp writes for it:
//   - names are the key parts joined by "_" with " ", ".", "=", "-" and "/" replaced by "_"; labels are kept;
//   - gauges and counters as such; samples (timers) as summaries with the 0.5, 0.9 and 0.99 quantiles of the last
//     10 s plus _sum and _count since the metric appeared;
//   - HELP is the text of the metric's definition (Consul predeclares its important metrics with one: they are
//     there from the start, at zero, and never expire), or else the metric's own name;
//   - a metric not updated within the retention time (telemetry.prometheus_retention_time) is dropped at the next
//     scrape, as collectAtTime does;
//   - families sorted by name, series by label values, label pairs by name, as the Go client's gatherer writes them.
import { formatGoFloat } from './go-float.js';
import type { MetricKey } from './metric-key.js';
import type { MetricSink } from './sink.js';
import { WindowQuantiles } from './window-quantiles.js';

const QUANTILES = [0.5, 0.9, 0.99] as const;
const QUANTILE_TEXT = ['0.5', '0.9', '0.99'] as const;
const FORBIDDEN = /[ .=\-/]/g;

type Kind = 'gauge' | 'counter' | 'summary';

class Series {
  value = 0;
  sum = 0;
  count = 0;
  updatedAt = 0;
  /** Predeclared by a definition: never dropped for being idle. */
  permanent = false;
  /** False once dropped for being idle: a key's cached reference to it is then stale. */
  live = true;
  /** The sink it belongs to (a key may feed more than one). */
  owner: unknown;
  readonly window: WindowQuantiles | undefined;

  constructor(
    readonly kind: Kind,
    readonly name: string,
    readonly labels: string,
    readonly labelValues: readonly string[],
  ) {
    this.window = kind === 'summary' ? new WindowQuantiles() : undefined;
  }
}

/** A metric declared up front with its help text (go-metrics' GaugeDefinition, CounterDefinition, SummaryDefinition). */
export interface PrometheusDefinition {
  kind: Kind;
  /** The whole key, prefix included: ['consul', 'kvs', 'apply']. */
  name: readonly string[];
  help: string;
}

export interface PrometheusSinkOptions {
  /** telemetry.prometheus_retention_time in ms; 0 keeps metrics forever. */
  retentionMs: number;
  /** The wall clock (ms); tests inject one. */
  now?: () => number;
  definitions?: readonly PrometheusDefinition[];
}

export class PrometheusSink implements MetricSink {
  private readonly series = {
    gauge: new Map<string, Series>(),
    counter: new Map<string, Series>(),
    summary: new Map<string, Series>(),
  };
  private readonly retentionMs: number;
  private readonly now: () => number;
  /** Help texts by "kind name". */
  private readonly help = new Map<string, string>();

  constructor(options: PrometheusSinkOptions) {
    this.retentionMs = options.retentionMs;
    this.now = options.now ?? Date.now;
    for (const d of options.definitions ?? []) {
      const name = flatName(d.name);
      this.help.set(`${d.kind} ${name}`, d.help);
      const s = new Series(d.kind, name, '', []);
      s.permanent = true;
      s.owner = this;
      this.series[d.kind].set(name, s);
    }
  }

  setGauge(key: MetricKey, value: number): void {
    const s = this.get('gauge', key);
    s.value = Math.fround(value);
    s.updatedAt = this.now();
  }

  incrCounter(key: MetricKey, value: number): void {
    // Prometheus counters only go up; go-metrics logs and drops a negative increment.
    if (value < 0) return;
    const s = this.get('counter', key);
    s.value += Math.fround(value);
    s.updatedAt = this.now();
  }

  addSample(key: MetricKey, value: number): void {
    const s = this.get('summary', key);
    const v = Math.fround(value);
    const now = this.now();
    s.sum += v;
    s.count++;
    s.window!.observe(v, now);
    s.updatedAt = now;
  }

  /** The text exposition of every live metric; expired ones are dropped first. */
  expose(): string {
    const now = this.now();
    const families = new Map<string, { kind: Kind; series: Series[] }>();
    for (const kind of ['gauge', 'counter', 'summary'] as const) {
      const map = this.series[kind];
      for (const [hash, s] of map) {
        if (this.retentionMs > 0 && !s.permanent && s.updatedAt + this.retentionMs < now) {
          map.delete(hash);
          s.live = false;
          continue;
        }
        let f = families.get(s.name);
        if (!f) families.set(s.name, (f = { kind, series: [] }));
        // The Go client refuses a second type under one name; the first kind seen keeps it.
        if (f.kind === kind) f.series.push(s);
      }
    }
    const names = [...families.keys()].sort();
    let out = '';
    for (const name of names) {
      const f = families.get(name)!;
      f.series.sort(byLabelValues);
      out += `# HELP ${name} ${escapeHelp(this.help.get(`${f.kind} ${name}`) ?? name)}\n# TYPE ${name} ${f.kind}\n`;
      for (const s of f.series) {
        if (f.kind !== 'summary') {
          out += `${name}${braces(s.labels)} ${formatGoFloat(s.value)}\n`;
          continue;
        }
        const qs = s.window!.quantiles(QUANTILES, now);
        for (let i = 0; i < qs.length; i++) {
          const pairs = s.labels ? `${s.labels},quantile="${QUANTILE_TEXT[i]}"` : `quantile="${QUANTILE_TEXT[i]}"`;
          out += `${name}{${pairs}} ${formatGoFloat(qs[i])}\n`;
        }
        out += `${name}_sum${braces(s.labels)} ${formatGoFloat(s.sum)}\n`;
        out += `${name}_count${braces(s.labels)} ${s.count}\n`;
      }
    }
    return out;
  }

  private get(kind: Kind, key: MetricKey): Series {
    const cached = key.promSeries as Series | undefined;
    if (cached !== undefined && cached.live && cached.owner === this && cached.kind === kind) return cached;
    const hash = key.promHash ?? spell(key);
    const map = this.series[kind];
    let s = map.get(hash);
    if (!s) {
      const sorted = [...key.labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      map.set(hash, (s = new Series(kind, key.promName!, key.promLabels!, sorted.map((l) => l.value))));
      s.owner = this;
    }
    key.promSeries = s;
    return s;
  }
}

/** go-metrics' flattenKey for Prometheus, cached on the key. */
function spell(key: MetricKey): string {
  const name = flatName(key.parts);
  let hash = name;
  for (const l of key.labels) hash += `;${l.name}=${l.value}`;
  const sorted = [...key.labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  key.promName = name;
  key.promLabels = sorted.map((l) => `${l.name}="${escapeLabel(l.value)}"`).join(',');
  key.promHash = hash;
  return hash;
}

function flatName(parts: readonly string[]): string {
  return parts.join('_').replace(FORBIDDEN, '_');
}

function braces(labels: string): string {
  return labels ? `{${labels}}` : '';
}

function byLabelValues(a: Series, b: Series): number {
  const n = Math.min(a.labelValues.length, b.labelValues.length);
  for (let i = 0; i < n; i++) {
    if (a.labelValues[i] !== b.labelValues[i]) return a.labelValues[i] < b.labelValues[i] ? -1 : 1;
  }
  return a.labelValues.length - b.labelValues.length;
}

function escapeLabel(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function escapeHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}
