/** A rule set Consul would refuse: `message` is Consul's text (`Failed to parse ACL rules: At 2:5: ...`,
 * `Invalid key policy: ...`), with the line and column of the offending rule when known. */
export class AclRulesError extends Error {
  override name = 'AclRulesError';

  constructor(
    message: string,
    /** 1-based line and column of the problem in the rules text. */
    readonly line: number | undefined,
    readonly column: number | undefined,
  ) {
    super(message);
  }
}
