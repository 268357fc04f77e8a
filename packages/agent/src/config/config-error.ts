/** A configuration that cannot be used: every problem found, each naming the file (with line and column) or
 * flag, the key and what is wrong. The agent exits non-zero without starting anything. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.problems = list;
  }
}
