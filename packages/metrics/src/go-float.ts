// Numbers as Go prints them, because dashboards and tests compare the text byte for byte:
//   - the Prometheus text format writes values with strconv.FormatFloat(f, 'g', -1, 64): the shortest digits, in
//     exponent form (two exponent digits at least) when the decimal exponent is below -4 or 6 and more, because
//     'g' with the shortest precision decides as if the precision were 6: 1234567 is "1.234567e+06";
//   - go-metrics keeps gauges and samples as float32, and encoding/json writes a float32 with the fewest digits that
//     read back as the same float32 (0.1, not 0.10000000149011612);
//   - statsd lines use fmt's %f: six decimals; datadog-go writes the widened float32 with 'f' and the shortest digits.

/** strconv.FormatFloat(f, 'g', -1, 64), with the Prometheus text writer's spellings of NaN and the infinities. */
export function formatGoFloat(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  // toExponential() without an argument gives the shortest digits that round-trip, as Go's shortest mode does.
  const e = f.toExponential();
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 6) {
    const mantissa = e.slice(0, at);
    const abs = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  // Within that range JavaScript's own shortest form is plain decimal, as Go's %f with the same digits.
  return String(f);
}

/** The number whose JSON.stringify is encoding/json's text for the float32 nearest to `v` (its shortest digits). */
export function float32Shortest(v: number): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p < 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return Number(f.toPrecision(9));
}

/** fmt's %f (six decimals) of a float32 widened to float64, as go-metrics' statsd sink writes values. */
export function formatPercentF(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  // toFixed switches to exponent form from 1e21; such a float32 is an integer, exactly a BigInt.
  return Math.abs(f) >= 1e21 ? `${BigInt(f)}.000000` : f.toFixed(6);
}

/** strconv.FormatFloat(float64(float32(v)), 'f', -1, 64), as datadog-go writes gauge and timing values. */
export function formatFloat32F(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const s = String(f);
  if (!s.includes('e')) return s;
  // Plain decimal digits for the exponent forms JavaScript prefers (below 1e-6, from 1e21).
  const [mant, expText] = s.split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const point = mant.replace('-', '').indexOf('.') < 0 ? 1 : mant.replace('-', '').indexOf('.');
  const at = point + exp;
  const body = at <= 0 ? `0.${'0'.repeat(-at)}${digits}` : at >= digits.length ? digits + '0'.repeat(at - digits.length) : `${digits.slice(0, at)}.${digits.slice(at)}`;
  return (neg ? '-' : '') + body;
}
