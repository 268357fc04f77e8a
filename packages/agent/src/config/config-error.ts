/** A configuration problem: names the file (or flag), the key and what is wrong. The agent exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
