// go-metrics' StatsdSink (telemetry.statsd_address): "name:value|type\n" lines, the value with %f, label values
// appended to the name as more dotted parts, ':' and ' ' in names replaced by '_', packets up to 1400 bytes.
import { formatPercentF } from './go-float.js';
import type { MetricKey } from './metric-key.js';
import type { MetricSink } from './sink.js';
import { UdpBatch } from './udp-batch.js';

const STATSD_MAX_LEN = 1400;

export class StatsdSink implements MetricSink {
  private readonly udp: UdpBatch;

  constructor(address: string, onError?: (err: Error) => void) {
    this.udp = new UdpBatch(address, STATSD_MAX_LEN, onError);
  }

  setGauge(key: MetricKey, value: number): void {
    this.udp.push(`${key.statsdPrefix ?? spell(key)}${formatPercentF(value)}|g\n`);
  }

  incrCounter(key: MetricKey, value: number): void {
    this.udp.push(`${key.statsdPrefix ?? spell(key)}${formatPercentF(value)}|c\n`);
  }

  addSample(key: MetricKey, value: number): void {
    this.udp.push(`${key.statsdPrefix ?? spell(key)}${formatPercentF(value)}|ms\n`);
  }

  close(): void {
    this.udp.close();
  }
}

function spell(key: MetricKey): string {
  const parts = [...key.parts, ...key.labels.map((l) => l.value)];
  key.statsdPrefix = parts.join('.').replace(/[: ]/g, '_') + ':';
  return key.statsdPrefix;
}
