// Consul, consul-template and `consul watch` print JSON with Go's encoding/json, which differs from
// JSON.stringify in its escaping: <, > and & become \u003c, \u003e, \u0026 (unless HTML escaping is off),
// U+2028 and U+2029 are always escaped, and invalid UTF-16 (a lone surrogate, Go's invalid UTF-8) becomes \ufffd.
// Like Go 1.22 and later (what current Consul releases are built with), \b and \f keep their short forms.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ALWAYS = /[\u2028\u2029]/g;
const WITH_HTML = /[<>&\u2028\u2029]/g;

const hex4 = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** Go's encoding/json encoding of one string, quotes included. */
export function goJsonQuote(text: string, escapeHtml = true): string {
  return JSON.stringify(text.replace(LONE_SURROGATE, '\ufffd')).replace(escapeHtml ? WITH_HTML : ALWAYS, hex4);
}

export interface GoJsonOptions {
  /** json.MarshalIndent's indent (prefix is always empty); compact when omitted. */
  indent?: string;
  /** Escape <, > and & (json.Marshal does; an Encoder with SetEscapeHTML(false) does not). Default true. */
  escapeHtml?: boolean;
  /** A JSON.stringify replacer, applied before Go's string rules. */
  replacer?: (this: unknown, key: string, value: unknown) => unknown;
}

/** JSON.stringify with Go's encoding/json string escaping (see the header). `undefined` encodes as `null`. */
export function goJsonStringify(value: unknown, options: GoJsonOptions = {}): string {
  const user = options.replacer;
  const text = JSON.stringify(
    value === undefined ? null : value,
    function (this: unknown, key: string, v: unknown) {
      const out = user ? user.call(this, key, v) : v;
      return typeof out === 'string' ? out.replace(LONE_SURROGATE, '\ufffd') : out;
    },
    options.indent,
  );
  // Outside strings JSON has none of these characters, so escaping them in the whole text is safe.
  return (text ?? 'null').replace(options.escapeHtml === false ? ALWAYS : WITH_HTML, hex4);
}
