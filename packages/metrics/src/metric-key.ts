// One metric as go-metrics hands it to its sinks: the key parts after the service prefix (metrics_prefix) and,
// for gauges, the hostname were put in front, and its labels. It is built once per metric (and label set), so
// each sink spells it once, here, and the hot path is a map lookup and a few number updates.

export interface Label {
  name: string;
  value: string;
}

export type MetricKind = 'gauge' | 'counter' | 'sample';

export class MetricKey {
  /** The in-memory sink's name (parts joined by ".", spaces as "_") and its map key (name plus ";k=v" per label). */
  inmemName: string | undefined;
  inmemHash: string | undefined;
  /** The Prometheus sink's metric name, its map key, and the label pairs as written inside braces. */
  promName: string | undefined;
  promHash: string | undefined;
  promLabels: string | undefined;
  /** The statsd sinks' line prefix ("name:"), built by each sink on first use. */
  statsdPrefix: string | undefined;
  dogstatsdName: string | undefined;
  dogstatsdTags: string | undefined;
  /** The sinks' own record of this metric, kept here so recording skips the map lookup: the in-memory sink's
   * entry and the interval it belongs to, the Prometheus sink's series (while it has not expired). */
  inmemInterval: object | undefined;
  inmemEntry: unknown;
  promSeries: unknown;

  constructor(
    readonly kind: MetricKind,
    readonly parts: readonly string[],
    readonly labels: readonly Label[],
  ) {}
}
