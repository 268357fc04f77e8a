import type { RaftLogger } from '../src/logger.js';

/** A RaftLogger that keeps one line per call ("warn msg"), for tests that assert on what was logged. */
export function lineLogger(lines: string[]): RaftLogger {
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
