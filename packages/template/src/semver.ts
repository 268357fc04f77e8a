// Masterminds/semver v3 as sprig's `semver` and `semverCompare` use it: lenient versions ("v1.2" is 1.2.0),
// SemVer 2 precedence (prereleases compared field by field), constraints with = != > < >= <= ~ ^, x/X/*
// wildcards, hyphen ranges, "," or space for AND and "||" for OR; a prerelease version only satisfies a
// constraint that itself names a prerelease. Error texts are the library's.
import { GO_TYPE } from './values.js';

const VERSION_RE = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

export class SemverVersion {
  readonly [GO_TYPE] = '*semver.Version';
  constructor(
    readonly major: number,
    readonly minor: number,
    readonly patch: number,
    readonly pre: string,
    readonly metadata: string,
    readonly original: string,
  ) {}
  Major(): number {
    return this.major;
  }
  Minor(): number {
    return this.minor;
  }
  Patch(): number {
    return this.patch;
  }
  Prerelease(): string {
    return this.pre;
  }
  Metadata(): string {
    return this.metadata;
  }
  Original(): string {
    return this.original;
  }
  String(): string {
    return `${this.major}.${this.minor}.${this.patch}${this.pre ? '-' + this.pre : ''}${this.metadata ? '+' + this.metadata : ''}`;
  }
  Compare(o: SemverVersion): number {
    return compareSemver(this, o);
  }
  LessThan(o: SemverVersion): boolean {
    return compareSemver(this, o) < 0;
  }
  GreaterThan(o: SemverVersion): boolean {
    return compareSemver(this, o) > 0;
  }
  Equal(o: SemverVersion): boolean {
    return compareSemver(this, o) === 0;
  }
}

export function parseSemver(v: string): SemverVersion {
  const m = VERSION_RE.exec(v);
  if (!m) throw new Error('Invalid Semantic Version');
  const num = (s: string | undefined) => (s ? Number(s.replace(/^\./, '')) : 0);
  return new SemverVersion(num(m[1]), num(m[2]), num(m[3]), m[5] ?? '', m[8] ?? '', v);
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^[0-9]+$/.test(x);
    const ny = /^[0-9]+$/.test(y);
    if (nx && ny) return Number(x) < Number(y) ? -1 : 1;
    if (nx) return -1;
    if (ny) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareSemver(a: SemverVersion, b: SemverVersion): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return comparePrerelease(a.pre, b.pre);
}

interface Constraint {
  op: string;
  con: SemverVersion;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const CONSTRAINT_RE = new RegExp(String.raw`^\s*(=|!=|>=|=>|<=|=<|~>|~|\^|>|<|)\s*(${CV})\s*$`);
const RANGE_RE = new RegExp(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`, 'g');
const isX = (s: string | undefined) => s === 'x' || s === 'X' || s === '*';

function parseConstraint(c: string): Constraint {
  const m = CONSTRAINT_RE.exec(c);
  if (!m) throw new Error(`improper constraint: ${c}`);
  const [, op, , major, minorP, patchP, preP] = m;
  const minor = minorP?.slice(1);
  const patch = patchP?.slice(1);
  let ver: string;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isX(major) || !major) {
    ver = `0.0.0${preP ?? ''}`;
    dirty = true;
  } else if (isX(minor) || minor === undefined) {
    ver = `${major}.0.0${preP ?? ''}`;
    dirty = true;
    minorDirty = true;
  } else if (isX(patch) || patch === undefined) {
    ver = `${major}.${minor}.0${preP ?? ''}`;
    dirty = true;
    patchDirty = true;
  } else ver = `${major}.${minor}.${patch}${preP ?? ''}`;
  return { op: op ?? '', con: parseSemver(ver), dirty, minorDirty, patchDirty };
}

function check(v: SemverVersion, c: Constraint): boolean {
  if (v.pre !== '' && c.con.pre === '') return false;
  const cmp = compareSemver(v, c.con);
  const tilde = (): boolean => {
    if (cmp < 0) return false;
    if (c.con.major === 0 && c.con.minor === 0 && c.con.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
    if (v.major !== c.con.major) return false;
    if (v.minor !== c.con.minor && !c.minorDirty) return false;
    return true;
  };
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde() : cmp === 0;
    case '!=':
      if (c.dirty) {
        if (v.major !== c.con.major) return true;
        if (v.minor !== c.con.minor && !c.minorDirty) return true;
        return false;
      }
      return cmp !== 0;
    case '>':
      if (!c.dirty) return cmp > 0;
      if (v.major !== c.con.major) return v.major > c.con.major;
      if (c.minorDirty) return false;
      return v.minor > c.con.minor;
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major > c.con.major) return false;
      if (v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty) return false;
      return true;
    case '~':
    case '~>':
      return tilde();
    case '^': {
      if (cmp < 0) return false;
      if (c.con.major > 0 || c.minorDirty) return v.major === c.con.major;
      if (v.major > 0) return false;
      if (c.con.minor > 0 || c.dirty) return v.minor === c.con.minor;
      if (v.minor > 0) return false;
      return v.patch === c.con.patch;
    }
  }
  return false;
}

const OPS = String.raw`=|!=|>=|=>|<=|=<|~>|~|\^|>|<|`;
const FIND_RE = new RegExp(String.raw`(${OPS})\s*(${CV})`, 'g');
const VALID_RE = new RegExp(String.raw`^(\s*(${OPS})\s*(${CV})\s*)((?:\s+|,\s*)(${OPS})\s*(${CV})\s*)*$`);

/** sprig's semverCompare: does `version` satisfy `constraint`? Throws the library's parse errors. */
export function semverConstraintMatches(constraint: string, version: string): boolean {
  const groups = constraint.split('||').map((raw) => {
    // Hyphen ranges first ("1.2 - 1.4" is ">= 1.2, <= 1.4"), as the library's rewriteRange.
    const g = raw.replace(RANGE_RE, (_all, a: string, ...rest: string[]) => `>= ${a}, <= ${rest[9]}`);
    if (!VALID_RE.test(g)) throw new Error(`improper constraint: ${raw}`);
    return [...g.matchAll(FIND_RE)].map((m) => parseConstraint(m[0]));
  });
  const v = parseSemver(version);
  return groups.some((g) => g.every((c) => check(v, c)));
}
