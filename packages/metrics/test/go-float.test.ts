// The float spellings of the sinks against Go itself (tools/go-toolkit): strconv 'g' for the Prometheus text,
// encoding/json of a float32 for the JSON endpoint, %f for statsd, 'f' of a widened float32 for dogstatsd.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildGoTool, type GoTool } from '@conclave/test-support/go-tool';
import { float32Shortest, formatFloat32F, formatGoFloat, formatPercentF } from '../src/index.js';

let go: GoTool;
beforeAll(() => {
  go = buildGoTool('go-toolkit');
}, 120_000);
afterAll(() => go?.dispose());

const VALUES = [
  0, 1, -1, 0.1, 0.5, 2.5, 3, 10, 100, 123456, 999999, 1000000, 1234567, 12345678, 123456789, 0.0001, 0.00012345,
  0.00001, 1e-7, 1.5e-7, 3.4e38, 1e21, 1.5e21, 1e20, 123456789012, 0.3333333333333333, 2 / 3, 1.4142135623730951,
  4.2e-45, -0.25, -1234567.5, 65536, 16777217, 0.000123, 52428800, 12.375, 1e6 + 0.5,
];

function goRun(op: string): string[] {
  const out = go.runJson(VALUES.map((v) => ({ op, input: String(v) }))) as Array<{ output?: string; error?: string }>;
  return out.map((r) => r.output ?? `error: ${r.error}`);
}

it("formatGoFloat is strconv.FormatFloat(f, 'g', -1, 64)", () => {
  expect(VALUES.map(formatGoFloat)).toEqual(goRun('formatFloatG'));
});

it('float32Shortest stringifies as encoding/json writes a float32', () => {
  expect(VALUES.map((v) => JSON.stringify(float32Shortest(v)))).toEqual(goRun('jsonFloat32'));
});

it('formatPercentF is fmt.Sprintf("%f", float32(v))', () => {
  expect(VALUES.map(formatPercentF)).toEqual(goRun('sprintfFloat32'));
});

it("formatFloat32F is strconv.FormatFloat(float64(float32(v)), 'f', -1, 64)", () => {
  expect(VALUES.map(formatFloat32F)).toEqual(goRun('formatFloat32F'));
});

it('spells the values Go cannot be asked about as the Prometheus text writer does', () => {
  expect([NaN, Infinity, -Infinity].map(formatGoFloat)).toEqual(['NaN', '+Inf', '-Inf']);
});
