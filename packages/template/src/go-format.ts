// Go's fmt package as far as templates use it: Sprint, Sprintln, Sprintf with the verbs, flags,
// width and precision users write, and Go's error forms (%!d(string=x), %!v(MISSING), ...).
import { goQuote, goQuoteChar, isGoPrintable } from '@conclave/toolkit';
import { kindOf, mapEntries, numberValue, structFields, typeName } from './values.js';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
  plusV: boolean;
  sharpV: boolean;
}

function noFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    width: undefined,
    prec: undefined,
    plusV: false,
    sharpV: false,
  };
}

// ---------- exact float decimal expansion ----------

interface Decimal {
  digits: string; // no leading zeros; "" for zero
  dp: number; // decimal point position: value = 0.digits × 10^dp
}

function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    const k = -e;
    digits = (mant * 5n ** BigInt(k)).toString();
    dp = digits.length - k;
  }
  digits = digits.replace(/0+$/, '');
  return { digits, dp };
}

/** Round to nd significant digits, half to even on exact ties (Go's decimal.Round). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { digits: '', dp: d.dp };
  if (nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (nd + 1 < d.digits.length) up = true; // more nonzero digits after the 5 (trailing zeros were stripped)
  else up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  let digits = d.digits.slice(0, nd);
  let dp = d.dp;
  if (up) {
    let i = digits.length - 1;
    const arr = digits.split('');
    while (i >= 0 && arr[i] === '9') {
      arr[i] = '0';
      i--;
    }
    if (i < 0) {
      arr.unshift('1');
      dp++;
    } else arr[i] = String.fromCharCode(arr[i]!.charCodeAt(0) + 1);
    digits = arr.join('');
  }
  digits = digits.replace(/0+$/, '');
  return { digits, dp };
}

/** Shortest digits that round-trip (JS and Go agree on the shortest representation). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const s = Math.abs(x).toExponential();
  const [mant, exp] = s.split('e');
  const digits = mant!.replace('.', '').replace(/0+$/, '');
  return { digits, dp: Number(exp) + 1 };
}

function digitAt(d: Decimal, i: number): string {
  return i < d.digits.length ? d.digits[i]! : '0';
}

function fmtE(d: Decimal, prec: number, upper: boolean): string {
  // d has at most prec+1 digits
  let s = digitAt(d, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(d, i);
  }
  const exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  const abs = Math.abs(exp);
  return s + (upper ? 'E' : 'e') + sign + (abs < 10 ? '0' + abs : String(abs));
}

function fmtF(d: Decimal, prec: number): string {
  let s = '';
  if (d.dp > 0) {
    for (let i = 0; i < d.dp; i++) s += digitAt(d, i);
  } else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      s += j < 0 ? '0' : digitAt(d, j);
    }
  }
  return s;
}

/** strconv.FormatFloat(abs(x), fmt, prec, 64) without the sign. */
function formatFloatAbs(x: number, verb: string, prec: number): string {
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) d = shortestDecimal(x);
  else {
    const exact = exactDecimal(x);
    switch (verb) {
      case 'e':
      case 'E':
        d = roundDecimal(exact, prec + 1);
        break;
      case 'f':
        d = roundDecimal(exact, exact.dp + prec);
        break;
      default: // g, G
        d = roundDecimal(exact, prec === 0 ? 1 : prec);
    }
  }
  switch (verb) {
    case 'e':
    case 'E':
      return fmtE(d, shortest ? Math.max(d.digits.length - 1, 0) : prec, verb === 'E');
    case 'f':
      return fmtF(d, shortest ? Math.max(d.digits.length - d.dp, 0) : prec);
    default: {
      let eprec = prec;
      const nd = d.digits.length;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (nd !== 0 && (exp < -4 || exp >= eprec)) {
        let p = prec;
        if (shortest || p > nd) p = nd;
        return fmtE(d, Math.max(p - 1, 0), verb === 'G');
      }
      if (nd === 0) return fmtF(d, 0);
      let p = prec;
      if (shortest || p > d.dp) p = nd;
      return fmtF(d, Math.max(p - d.dp, 0));
    }
  }
}

function floatBits(x: number): { mant: bigint; exp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  return { mant: bits & 0xfffffffffffffn, exp: Number((bits >> 52n) & 0x7ffn) };
}

/** strconv 'b' format: decimal mantissa "p" binary exponent. */
function formatFloatBinary(x: number): string {
  const { mant, exp } = floatBits(x);
  let m = mant;
  let e = exp;
  if (e === 0) e = 1;
  else m |= 1n << 52n;
  e -= 1075;
  return m.toString() + 'p' + (e >= 0 ? '+' : '-') + Math.abs(e);
}

/** strconv 'x' format: 0x1.hhhp+dd. */
function formatFloatHex(x: number, prec: number, upper: boolean): string {
  let out: string;
  if (x === 0) {
    out = '0x0' + (prec > 0 ? '.' + '0'.repeat(prec) : '') + 'p+00';
  } else {
    const { mant: m0, exp } = floatBits(x);
    let mant = m0;
    let e: number;
    if (exp === 0) {
      e = -1022;
      while ((mant & (1n << 52n)) === 0n) {
        mant <<= 1n;
        e--;
      }
    } else {
      mant |= 1n << 52n;
      e = exp - 1023;
    }
    // mant has 53 bits: 1 integer bit + 52 fraction bits (13 hex digits).
    let frac = mant & ((1n << 52n) - 1n);
    let digits = 13;
    if (prec >= 0 && prec < 13) {
      const shift = BigInt((13 - prec) * 4);
      const half = 1n << (shift - 1n);
      const rem = frac & ((1n << shift) - 1n);
      frac >>= shift;
      if (rem > half || (rem === half && (frac & 1n) === 1n)) {
        frac += 1n;
        // Carry into the leading 1: the mantissa becomes 2.0, i.e. 1.0 with the next exponent.
        if (frac >> BigInt(prec * 4) !== 0n) {
          frac = 0n;
          e++;
        }
      }
      digits = prec;
    }
    let hex = digits > 0 ? frac.toString(16).padStart(digits, '0') : '';
    if (prec < 0) hex = hex.replace(/0+$/, '');
    else if (prec > 13) hex = hex.padEnd(prec, '0');
    const ae = Math.abs(e);
    out = '0x1' + (hex ? '.' + hex : '') + 'p' + (e >= 0 ? '+' : '-') + (ae < 10 ? '0' + ae : String(ae));
  }
  return upper ? out.toUpperCase() : out;
}

/** Go-syntax representation (%#v). */
function goSyntax(v: unknown, depth: number): string {
  if (v === null || v === undefined) return depth > 0 ? 'interface {}(nil)' : '<nil>';
  switch (kindOf(v)) {
    case 'string':
      return goQuote(v as string);
    case 'int':
    case 'bool':
      return String(v);
    case 'uint':
      return '0x' + (v as bigint).toString(16);
    case 'float':
      return formatFloatAbs(Math.abs(numberValue(v)), 'g', -1).replace(/^/, numberValue(v) < 0 ? '-' : '');
    case 'slice':
      return '[]interface {}{' + Array.from(v as ArrayLike<unknown>).map((x) => goSyntax(x, depth + 1)).join(', ') + '}';
    case 'map':
      return (
        'map[string]interface {}{' +
        mapEntries(v as object)
          .map(([k, x]) => goQuote(k) + ':' + goSyntax(x, depth + 1))
          .join(', ') +
        '}'
      );
    default:
      return '&' + typeName(v).replace(/^\*/, '') + '{' + structFields(v as object).map(([k, x]) => k + ':' + goSyntax(x, depth + 1)).join(', ') + '}';
  }
}

// ---------- printer ----------

class Printer {
  out = '';
  constructor(public f: Flags = noFlags()) {}

  pad(s: string): void {
    const w = this.f.width;
    if (w === undefined) {
      this.out += s;
      return;
    }
    const n = [...s].length;
    if (n >= w) {
      this.out += s;
      return;
    }
    const padding = (this.f.zero && !this.f.minus ? '0' : ' ').repeat(w - n);
    this.out += this.f.minus ? s + padding : padding + s;
  }

  // Go keeps the flags (width, precision, +) when printing the offending value with %v.
  badVerb(verb: string, arg: unknown): void {
    this.out += '%!' + verb + '(';
    if (arg === null || arg === undefined) this.out += '<nil>';
    else {
      this.out += typeName(arg) + '=';
      this.printArg(arg, 'v', 0);
    }
    this.out += ')';
  }

  fmtInteger(v: bigint, verb: string, isSigned: boolean, arg: unknown): void {
    const f = this.f;
    const neg = v < 0n;
    let abs = neg ? -v : v;
    if (!isSigned && neg) abs = (1n << 64n) + v;
    let digits: string;
    let prefix = '';
    switch (verb) {
      case 'd':
      case 'v':
        digits = abs.toString(10);
        break;
      case 'b':
        digits = abs.toString(2);
        if (f.sharp) prefix = '0b';
        break;
      case 'o':
      case 'O':
        digits = abs.toString(8);
        if (verb === 'O') prefix = '0o';
        else if (f.sharp && digits !== '0') digits = '0' + digits;
        break;
      case 'x':
        digits = abs.toString(16);
        if (f.sharp) prefix = '0x';
        break;
      case 'X':
        digits = abs.toString(16).toUpperCase();
        if (f.sharp) prefix = '0X';
        break;
      case 'c': {
        const u = BigInt.asUintN(64, v);
        const cp = u > 0x10ffffn || (u >= 0xd800n && u <= 0xdfffn) ? 0xfffd : Number(u);
        this.pad(String.fromCodePoint(cp));
        return;
      }
      case 'q':
        this.pad(goQuoteChar(Number(v), f.plus));
        return;
      case 'U': {
        const u = BigInt.asUintN(64, v);
        let s = 'U+' + u.toString(16).toUpperCase().padStart(4, '0');
        if (f.sharp && u <= 0x10ffffn && isGoPrintable(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
        this.pad(s);
        return;
      }
      default:
        this.badVerb(verb, arg);
        return;
    }
    if (f.prec !== undefined) {
      if (f.prec === 0 && abs === 0n) digits = '';
      digits = digits.padStart(f.prec, '0');
    } else if (f.zero && !f.minus && f.width !== undefined) {
      let w = f.width - prefix.length;
      if (neg || f.plus || f.space) w--;
      digits = digits.padStart(w, '0');
    }
    const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
    const saved = f.zero;
    this.f.zero = false; // zero padding already applied (or not wanted with precision)
    this.pad(sign + prefix + digits);
    this.f.zero = saved;
  }

  fmtFloat(x: number, verb: string, arg: unknown): void {
    const f = this.f;
    let fverb = verb;
    let prec = f.prec ?? -1;
    switch (verb) {
      case 'v':
        fverb = 'g';
        break;
      case 'F':
        fverb = 'f';
        if (prec < 0) prec = 6;
        break;
      case 'e':
      case 'E':
      case 'f':
        if (prec < 0) prec = 6;
        break;
      case 'g':
      case 'G':
        break;
      case 'b':
      case 'x':
      case 'X':
        fverb = verb;
        break;
      default:
        this.badVerb(verb, arg);
        return;
    }
    let body: string;
    if (Number.isNaN(x)) body = 'NaN';
    else if (!Number.isFinite(x)) body = 'Inf';
    else if (fverb === 'b') body = formatFloatBinary(Math.abs(x));
    else if (fverb === 'x' || fverb === 'X') body = formatFloatHex(Math.abs(x), prec, fverb === 'X');
    else body = formatFloatAbs(Math.abs(x), fverb, prec);
    if (f.sharp && fverb === 'g' && Number.isFinite(x)) {
      // %#g keeps trailing zeros; rarely used, approximate by ensuring a decimal point.
      if (!body.includes('.') && !body.includes('e')) body += '.';
    }
    const neg = x < 0 || Object.is(x, -0);
    let sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
    if (Number.isNaN(x)) sign = f.plus ? '+' : f.space ? ' ' : '';
    const special = !Number.isFinite(x);
    if (f.zero && !f.minus && f.width !== undefined && !special) {
      body = body.padStart(f.width - sign.length, '0');
    }
    const saved = f.zero;
    this.f.zero = false;
    this.pad(sign + body);
    this.f.zero = saved;
  }

  fmtString(s: string, verb: string, arg: unknown): void {
    const f = this.f;
    switch (verb) {
      case 'v':
      case 's': {
        if (verb === 'v' && f.sharpV) {
          this.pad(goQuote(s));
          return;
        }
        let t = s;
        if (f.prec !== undefined) t = [...s].slice(0, f.prec).join('');
        this.pad(t);
        return;
      }
      case 'q': {
        let t = s;
        if (f.prec !== undefined) t = [...s].slice(0, f.prec).join('');
        if (f.sharp && !t.includes('`') && [...t].every((c) => c === '\t' || isGoPrintable(c.codePointAt(0)!))) {
          this.pad('`' + t + '`');
        } else this.pad(goQuote(t, f.plus));
        return;
      }
      case 'x':
      case 'X': {
        let bytes = Buffer.from(s, 'utf8');
        if (f.prec !== undefined) bytes = bytes.subarray(0, f.prec);
        let hex = '';
        for (let i = 0; i < bytes.length; i++) {
          if (f.space && i > 0) hex += ' ';
          if (f.sharp && (f.space || i === 0)) hex += verb === 'x' ? '0x' : '0X';
          const h = bytes[i]!.toString(16).padStart(2, '0');
          hex += verb === 'X' ? h.toUpperCase() : h;
        }
        this.pad(hex);
        return;
      }
      default:
        this.badVerb(verb, arg);
    }
  }

  printArg(arg: unknown, verb: string, depth: number): void {
    if (arg === null || arg === undefined) {
      // A nil element inside a container is written as is; a nil argument is padded.
      if (depth > 0) {
        this.out += '<nil>';
        return;
      }
      if (verb === 'v' || verb === 'T') {
        this.pad('<nil>');
        return;
      }
      this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.pad(typeName(arg));
      return;
    }
    if (verb === 'v' && this.f.sharpV) {
      this.pad(goSyntax(arg, depth));
      return;
    }
    if (verb === 'p') {
      this.badVerb(verb, arg);
      return;
    }
    switch (kindOf(arg)) {
      case 'bool':
        if (verb === 't' || verb === 'v') this.pad(arg ? 'true' : 'false');
        else this.badVerb(verb, arg);
        return;
      case 'int':
        if ('eEfFgG'.includes(verb)) {
          this.badVerb(verb, arg);
          return;
        }
        this.fmtInteger(BigInt(arg as number), verb, true, arg);
        return;
      case 'uint':
        if ('eEfFgG'.includes(verb)) {
          this.badVerb(verb, arg);
          return;
        }
        this.fmtInteger(arg as bigint, verb, false, arg);
        return;
      case 'float':
        this.fmtFloat(numberValue(arg), verb, arg);
        return;
      case 'string':
        this.fmtString(arg as string, verb, arg);
        return;
      case 'slice': {
        if (arg instanceof Uint8Array && (verb === 's' || verb === 'q' || verb === 'x' || verb === 'X')) {
          this.fmtString(Buffer.from(arg).toString('utf8'), verb, arg);
          return;
        }
        this.out += '[';
        const items = Array.from(arg as ArrayLike<unknown>);
        items.forEach((x, i) => {
          if (i > 0) this.out += ' ';
          this.printArg(x, verb, depth + 1);
        });
        this.out += ']';
        return;
      }
      case 'map': {
        this.out += 'map[';
        mapEntries(arg as object).forEach(([k, x], i) => {
          if (i > 0) this.out += ' ';
          this.printArg(k, verb, depth + 1);
          this.out += ':';
          this.printArg(x, verb, depth + 1);
        });
        this.out += ']';
        return;
      }
      case 'struct': {
        const stringer = (arg as { String?: unknown }).String;
        if (typeof stringer === 'function' && (verb === 'v' || verb === 's' || verb === 'q')) {
          this.fmtString(String(stringer.call(arg)), verb, arg);
          return;
        }
        if (depth === 0) this.out += '&';
        this.out += '{';
        structFields(arg as object).forEach(([k, x], i) => {
          if (i > 0) this.out += ' ';
          if (this.f.plusV) this.out += k + ':';
          this.printArg(x, verb, depth + 1);
        });
        this.out += '}';
        return;
      }
      case 'func':
        this.badVerb(verb, arg);
        return;
      default:
        this.pad(String(arg));
    }
  }
}

function needsSpace(arg: unknown): boolean {
  return typeof arg !== 'string';
}

/** fmt.Sprint */
export function goSprint(args: unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = !needsSpace(arg) && arg !== null && arg !== undefined;
    if (i > 0 && !isString && !prevString) p.out += ' ';
    p.printArg(arg, 'v', 0);
    prevString = isString;
  });
  return p.out;
}

/** fmt.Sprintln */
export function goSprintln(args: unknown[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.out += ' ';
    p.printArg(arg, 'v', 0);
  });
  return p.out + '\n';
}

/** fmt.Sprintf */
export function goSprintf(format: string, args: unknown[]): string {
  const p = new Printer();
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const end = format.length;
  while (i < end) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      p.out += format.slice(i);
      break;
    }
    p.out += format.slice(i, pct);
    i = pct + 1;
    const f = noFlags();
    p.f = f;
    // flags
    flags: while (i < end) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
      i++;
    }
    // argument index [n]
    const argIndex = (): boolean => {
      if (format[i] !== '[') return true;
      reordered = true;
      const close = format.indexOf(']', i);
      if (close < 0) return false;
      const n = Number(format.slice(i + 1, close));
      if (!Number.isInteger(n) || n < 1 || n > args.length) {
        i = close + 1;
        return false;
      }
      argNum = n - 1;
      i = close + 1;
      return true;
    };
    let goodArgNum = argIndex();
    // width
    if (format[i] === '*') {
      i++;
      const a = args[argNum++];
      if (typeof a === 'number' && Number.isInteger(a)) {
        f.width = Math.abs(a);
        if (a < 0) {
          f.minus = true;
          f.zero = false;
        }
      } else {
        p.out += '%!(BADWIDTH)';
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        f.width = Number(m[0]);
        i += m[0].length;
      }
    }
    // precision
    if (format[i] === '.') {
      i++;
      goodArgNum = goodArgNum && argIndex();
      if (format[i] === '*') {
        i++;
        const a = args[argNum++];
        if (typeof a === 'number' && Number.isInteger(a) && a >= 0) f.prec = a;
        else if (typeof a === 'number' && Number.isInteger(a)) f.prec = undefined;
        else p.out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    goodArgNum = goodArgNum && argIndex();
    if (i >= end) {
      p.out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      p.out += '%';
      continue;
    }
    if (!goodArgNum) {
      p.out += '%!' + verb + '(BADINDEX)';
      continue;
    }
    if (argNum >= args.length) {
      p.out += '%!' + verb + '(MISSING)';
      continue;
    }
    if (verb === 'v') {
      if (f.sharp) {
        f.sharp = false;
        f.sharpV = true;
      }
      if (f.plus) {
        f.plus = false;
        f.plusV = true;
      }
    }
    if (verb === 'w') {
      p.badVerb(verb, args[argNum++]);
      continue;
    }
    p.printArg(args[argNum++], verb, 0);
  }
  if (!reordered && argNum < args.length) {
    p.f = noFlags();
    p.out += '%!(EXTRA ';
    for (let k = argNum; k < args.length; k++) {
      if (k > argNum) p.out += ', ';
      const a = args[k];
      if (a === null || a === undefined) p.out += '<nil>';
      else {
        p.out += typeName(a) + '=';
        p.printArg(a, 'v', 0);
      }
    }
    p.out += ')';
  }
  return p.out;
}

