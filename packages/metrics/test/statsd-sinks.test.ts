// The statsd and dogstatsd sinks over a real UDP socket: go-metrics' line formats, labels as name parts (statsd)
// or tags (dogstatsd), the hostname out of dogstatsd names, and datagrams cut at line boundaries under the limit.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { DogStatsdSink, Metrics, StatsdSink } from '../src/index.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function listener(): Promise<{ address: string; packets: string[] }> {
  const socket = dgram.createSocket('udp4');
  const packets: string[] = [];
  socket.on('message', (m) => packets.push(m.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanup.push(() => socket.close());
  return { address: `127.0.0.1:${(socket.address() as AddressInfo).port}`, packets };
}

function record(metrics: Metrics): void {
  metrics.counter(['rpc', 'request']).incr();
  metrics.sample(['api', 'http'], [{ name: 'method', value: 'GET' }, { name: 'path', value: 'v1_kv_' }]).add(2.5);
  metrics.gauge(['runtime', 'alloc_bytes']).set(0.1);
}

it('sends statsd lines with %f values, label values as name parts, the hostname in gauge names', async () => {
  const { address, packets } = await listener();
  const sink = new StatsdSink(address);
  cleanup.push(() => sink.close());
  record(new Metrics({ sinks: [sink], hostname: 'node-a', enableHostname: true }));
  await waitFor('a statsd packet', () => packets.length > 0);
  expect(packets).toEqual([
    'consul.rpc.request:1.000000|c\nconsul.api.http.GET.v1_kv_:2.500000|ms\nconsul.node-a.runtime.alloc_bytes:0.100000|g\n',
  ]);
});

it('sends dogstatsd lines with global tags then labels as tags, without the hostname in names', async () => {
  const { address, packets } = await listener();
  const sink = new DogStatsdSink(address, 'node-a', ['env:test']);
  cleanup.push(() => sink.close());
  record(new Metrics({ sinks: [sink], hostname: 'node-a', enableHostname: true }));
  await waitFor('a dogstatsd packet', () => packets.length > 0);
  expect(packets).toEqual([
    'consul.rpc.request:1|c|#env:test\nconsul.api.http:2.5|ms|#env:test,method:GET,path:v1_kv_\nconsul.runtime.alloc_bytes:0.10000000149011612|g|#env:test',
  ]);
});

it('cuts datagrams at line boundaries under 1400 bytes (statsd) and 1432 (dogstatsd)', async () => {
  const s = await listener();
  const d = await listener();
  const statsd = new StatsdSink(s.address);
  const dog = new DogStatsdSink(d.address, 'node-a');
  cleanup.push(() => statsd.close(), () => dog.close());
  const metrics = new Metrics({ sinks: [statsd, dog] });
  const lines = 200;
  for (let i = 0; i < lines; i++) metrics.counter(['serf', 'member', `m${i}`]).incr(i);
  const statsdText = Array.from({ length: lines }, (_, i) => `consul.serf.member.m${i}:${i}.000000|c\n`).join('');
  const dogText = Array.from({ length: lines }, (_, i) => `consul.serf.member.m${i}:${i}|c`).join('\n');
  await waitFor('every statsd line', () => s.packets.join('') === statsdText);
  await waitFor('every dogstatsd line', () => d.packets.join('\n') === dogText);
  expect(s.packets.length).toBeGreaterThan(1);
  for (const p of s.packets) {
    expect(Buffer.byteLength(p)).toBeLessThanOrEqual(1400);
    expect(p.endsWith('\n')).toBe(true);
  }
  expect(d.packets.length).toBeGreaterThan(1);
  for (const p of d.packets) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(1432);
});
