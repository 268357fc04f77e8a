// go-metrics' DogStatsdSink over the datadog-go client (telemetry.dogstatsd_addr, dogstatsd_tags):
//   - the hostname is taken out of the key (DogStatsD sets the host itself); ':' and ' ' become '_';
//   - labels become tags "name:value" after the global tags; "|#tag,tag" ends the line;
//   - gauges and timings as the float64 of the float32 value with the shortest digits ('f' format), counters as
//     integers (int64(val) truncates);
//   - datagrams of up to 1432 bytes (datadog-go's optimal UDP payload), lines separated by "\n".
import { formatFloat32F } from './go-float.js';
import type { MetricKey } from './metric-key.js';
import type { MetricSink } from './sink.js';
import { UdpBatch } from './udp-batch.js';

const DOGSTATSD_MAX_LEN = 1432;

export class DogStatsdSink implements MetricSink {
  private readonly udp: UdpBatch;

  constructor(
    address: string,
    private readonly hostname: string,
    private readonly globalTags: readonly string[] = [],
    onError?: (err: Error) => void,
  ) {
    this.udp = new UdpBatch(address, DOGSTATSD_MAX_LEN, onError);
  }

  setGauge(key: MetricKey, value: number): void {
    this.line(key, formatFloat32F(value), 'g');
  }

  incrCounter(key: MetricKey, value: number): void {
    this.line(key, String(Math.trunc(Math.fround(value))), 'c');
  }

  addSample(key: MetricKey, value: number): void {
    this.line(key, formatFloat32F(value), 'ms');
  }

  close(): void {
    this.udp.close();
  }

  private line(key: MetricKey, value: string, type: string): void {
    if (key.dogstatsdName === undefined) this.spell(key);
    this.udp.push(`${key.dogstatsdName}:${value}|${type}${key.dogstatsdTags}`, '\n');
  }

  private spell(key: MetricKey): void {
    const parts = [...key.parts];
    const host = parts.indexOf(this.hostname);
    if (this.hostname && host >= 0) parts.splice(host, 1);
    key.dogstatsdName = sanitize(parts.join('.'));
    const tags = [...this.globalTags, ...key.labels.map((l) => (l.value === '' ? sanitize(l.name) : `${sanitize(l.name)}:${sanitize(l.value)}`))];
    key.dogstatsdTags = tags.length > 0 ? `|#${tags.join(',')}` : '';
  }
}

function sanitize(s: string): string {
  return s.replace(/[: ]/g, '_');
}
