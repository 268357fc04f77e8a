// What a sink implements (go-metrics' MetricSink, without EmitKey, which nothing in Consul's agent emits).
// Values are widened float32s in go-metrics; sinks round with Math.fround where the text shows it.
import type { MetricKey } from './metric-key.js';

export interface MetricSink {
  setGauge(key: MetricKey, value: number): void;
  incrCounter(key: MetricKey, value: number): void;
  addSample(key: MetricKey, value: number): void;
}
