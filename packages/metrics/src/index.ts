// @conclave/metrics: go-metrics as Consul configures it (see each file's header).
export { Counter, Gauge, Metrics, Sample, type MetricsOptions } from './metrics.js';
export { MetricKey, type Label, type MetricKind } from './metric-key.js';
export type { MetricSink } from './sink.js';
export { InmemSink, type GaugeJson, type InmemSinkOptions, type MetricsSummary, type SampledJson } from './inmem-sink.js';
export { PrometheusSink, type PrometheusDefinition, type PrometheusSinkOptions } from './prometheus-sink.js';
export { StatsdSink } from './statsd-sink.js';
export { DogStatsdSink } from './dogstatsd-sink.js';
export { startRuntimeStats, type RuntimeStats } from './runtime-stats.js';
export { float32Shortest, formatFloat32F, formatGoFloat, formatPercentF } from './go-float.js';
export { Paced, type PacedOptions } from './paced.js';
