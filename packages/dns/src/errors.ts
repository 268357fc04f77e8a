/** A DNS server option is invalid; `option` names it and the message says what is accepted. */
export class DnsConfigError extends Error {
  override name = 'DnsConfigError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`dns option "${option}": ${message}`);
  }
}
