// A small query-string reader: presence flags, repeated keys and Go's url.Values.Encode for error texts.
// URLSearchParams would do, but this is on the hot path and most requests carry no query at all.

/** The names and values of an empty query; never written. */
const NONE: string[] = [];

export class QueryParams {
  private readonly names: string[];
  private readonly values: string[];

  constructor(search: string) {
    if (search.length === 0) {
      this.names = NONE;
      this.values = NONE;
      return;
    }
    // Arrays of the exact size (split's, and one made to match): a parked blocking query holds its QueryParams,
    // and arrays grown by push from empty reserve 17 slots each.
    const names = search.split('&');
    const values: string[] = new Array<string>(names.length);
    let n = 0;
    for (let i = 0; i < names.length; i++) {
      const part = names[i]!;
      if (part.length === 0) continue;
      const eq = part.indexOf('=');
      names[n] = decodeComponent(eq < 0 ? part : part.slice(0, eq));
      values[n] = decodeComponent(eq < 0 ? '' : part.slice(eq + 1));
      n++;
    }
    if (n < names.length) {
      names.length = n;
      values.length = n;
    }
    this.names = names;
    this.values = values;
  }

  get empty(): boolean {
    return this.names.length === 0;
  }

  /** True when the key is present, with any value or none (`?recurse`, `?recurse=`, `?recurse=1`). */
  has(name: string): boolean {
    return this.names.includes(name);
  }

  /** First value of the key, or undefined when absent. */
  get(name: string): string | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  /** Every value of a repeated key, in order. */
  all(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) out.push(this.values[i]!);
    return out;
  }

  /** Go's url.Values.Encode(): keys sorted, values in order, QueryEscape'd. */
  encode(): string {
    const order = [...this.names.keys()].sort((a, b) => {
      const x = this.names[a]!;
      const y = this.names[b]!;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    return order.map((i) => `${queryEscape(this.names[i]!)}=${queryEscape(this.values[i]!)}`).join('&');
  }
}

function decodeComponent(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
