// Go duration strings for the one duration a watch definition carries (http_handler_config.timeout). Watches talk to
// agents only through @conclave/client, so they do not reach for the catalog's decoder.
import { WatchConfigError } from './errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "10s", "1.5s", "1m30s", "250ms" → milliseconds (Go's time.ParseDuration; a bare "0" is allowed). */
export function parseDurationMs(text: string, what: string): number {
  const fail = () => new WatchConfigError(`${what}: time: invalid duration "${text}"`);
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw fail();
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) throw fail();
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return sign * total;
}
