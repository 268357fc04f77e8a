/**
 * Vivaldi network coordinates as Serf computes them (hashicorp/serf/coordinate): the same defaults
 * (8 dimensions plus a height, error 1.5 at most, ce = cc = 0.25, an adjustment window of 20 samples, a
 * median filter over the last 3 RTTs per peer, gravity 150) and the same update rules, so estimates are
 * comparable with Consul's. Units are seconds, as in Serf's JSON (`Vec`, `Error`, `Adjustment`, `Height`).
 */

export interface CoordinateConfig {
  dimensionality: number;
  vivaldiErrorMax: number;
  vivaldiCE: number;
  vivaldiCC: number;
  adjustmentWindowSize: number;
  /** Seconds. */
  heightMin: number;
  latencyFilterSize: number;
  gravityRho: number;
}

/** serf/coordinate DefaultConfig. */
export function defaultCoordinateConfig(): CoordinateConfig {
  return {
    dimensionality: 8,
    vivaldiErrorMax: 1.5,
    vivaldiCE: 0.25,
    vivaldiCC: 0.25,
    adjustmentWindowSize: 20,
    heightMin: 10.0e-6,
    latencyFilterSize: 3,
    gravityRho: 150.0,
  };
}

/** Serf's coordinate.Coordinate, in its JSON field names. */
export interface Coordinate {
  Vec: number[];
  Error: number;
  Adjustment: number;
  Height: number;
}

const ZERO_THRESHOLD = 1.0e-6;
/** Serf refuses samples above this (seconds). */
const MAX_RTT = 10;

export function newCoordinate(config: CoordinateConfig): Coordinate {
  return { Vec: new Array<number>(config.dimensionality).fill(0), Error: config.vivaldiErrorMax, Adjustment: 0, Height: config.heightMin };
}

export function isValidCoordinate(c: unknown): c is Coordinate {
  if (typeof c !== 'object' || c === null) return false;
  const x = c as Coordinate;
  return (
    Array.isArray(x.Vec) &&
    x.Vec.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    [x.Error, x.Adjustment, x.Height].every((v) => typeof v === 'number' && Number.isFinite(v))
  );
}

export function isCompatible(a: Coordinate, b: Coordinate): boolean {
  return a.Vec.length === b.Vec.length;
}

function magnitude(v: readonly number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

function diff(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x - b[i]!);
}

/** Serf's rawDistanceTo: Euclidean distance plus both heights (seconds). */
function rawDistance(a: Coordinate, b: Coordinate): number {
  return magnitude(diff(a.Vec, b.Vec)) + a.Height + b.Height;
}

/** Serf's DistanceTo in seconds: the raw distance plus both adjustments, unless that would not be positive. */
export function distance(a: Coordinate, b: Coordinate): number {
  const dist = rawDistance(a, b);
  const adjusted = dist + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : dist;
}

/** The unit vector from b to a and the distance between them; a random direction when they coincide. */
function unitVectorAt(a: readonly number[], b: readonly number[], random: () => number): [number[], number] {
  let ret = diff(a, b);
  const mag = magnitude(ret);
  if (mag > ZERO_THRESHOLD) return [ret.map((x) => x / mag), mag];
  ret = ret.map(() => random() - 0.5);
  const m2 = magnitude(ret);
  if (m2 > ZERO_THRESHOLD) return [ret.map((x) => x / m2), 0];
  ret = ret.map((_, i) => (i === 0 ? 1 : 0));
  return [ret, 0];
}

function applyForce(config: CoordinateConfig, c: Coordinate, force: number, other: Coordinate, random: () => number): Coordinate {
  const [unit, mag] = unitVectorAt(c.Vec, other.Vec, random);
  const ret: Coordinate = { Vec: c.Vec.map((x, i) => x + unit[i]! * force), Error: c.Error, Adjustment: c.Adjustment, Height: c.Height };
  if (mag > ZERO_THRESHOLD) {
    ret.Height = ((ret.Height + other.Height) * force) / mag + ret.Height;
    ret.Height = Math.max(ret.Height, config.heightMin);
  }
  return ret;
}

export class CoordinateError extends Error {
  override name = 'CoordinateError';
}

/** Serf's coordinate.Client: this node's coordinate, updated from RTT observations of other nodes. */
export class CoordinateClient {
  private coord: Coordinate;
  private readonly origin: Coordinate;
  private readonly adjustmentSamples: number[];
  private adjustmentIndex = 0;
  private readonly latencySamples = new Map<string, number[]>();
  /** Updates that reset an invalid coordinate (Serf's stats.Resets). */
  resets = 0;

  constructor(
    readonly config: CoordinateConfig = defaultCoordinateConfig(),
    private readonly random: () => number = Math.random,
  ) {
    this.coord = newCoordinate(config);
    this.origin = newCoordinate(config);
    this.adjustmentSamples = new Array<number>(config.adjustmentWindowSize).fill(0);
  }

  getCoordinate(): Coordinate {
    return { ...this.coord, Vec: [...this.coord.Vec] };
  }

  /** Forgets a node's RTT samples (it left). */
  forgetNode(node: string): void {
    this.latencySamples.delete(node);
  }

  distanceTo(other: Coordinate): number {
    return distance(this.coord, other);
  }

  /** Serf's Update: one RTT observation (seconds) of `node`, whose coordinate is `other`. */
  update(node: string, other: Coordinate, rttSeconds: number): Coordinate {
    if (!isValidCoordinate(other) || !isCompatible(this.coord, other)) throw new CoordinateError('dimensions aren\'t compatible');
    if (!(rttSeconds >= 0 && rttSeconds <= MAX_RTT)) throw new CoordinateError(`round trip time not in valid range, duration ${rttSeconds}s is not a positive value less than ${MAX_RTT}s`);
    const rtt = this.latencyFilter(node, rttSeconds);
    this.updateVivaldi(other, rtt);
    this.updateAdjustment(other, rtt);
    this.updateGravity();
    if (!isValidCoordinate(this.coord)) {
      this.resets++;
      this.coord = newCoordinate(this.config);
    }
    return this.getCoordinate();
  }

  private latencyFilter(node: string, rtt: number): number {
    let samples = this.latencySamples.get(node) ?? [];
    samples.push(rtt);
    if (samples.length > this.config.latencyFilterSize) samples = samples.slice(1);
    this.latencySamples.set(node, samples);
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  private updateVivaldi(other: Coordinate, rttIn: number): void {
    const c = this.config;
    const dist = distance(this.coord, other);
    const rtt = Math.max(rttIn, ZERO_THRESHOLD);
    const wrongness = Math.abs(dist - rtt) / rtt;
    const totalError = Math.max(this.coord.Error + other.Error, ZERO_THRESHOLD);
    const weight = this.coord.Error / totalError;
    this.coord.Error = Math.min(c.vivaldiCE * weight * wrongness + this.coord.Error * (1 - c.vivaldiCE * weight), c.vivaldiErrorMax);
    const force = c.vivaldiCC * weight * (rtt - dist);
    this.coord = applyForce(c, this.coord, force, other, this.random);
  }

  private updateAdjustment(other: Coordinate, rtt: number): void {
    const window = this.config.adjustmentWindowSize;
    if (window === 0) return;
    // The raw distance: the adjustment term measures what the Euclidean model misses.
    this.adjustmentSamples[this.adjustmentIndex] = rtt - rawDistance(this.coord, other);
    this.adjustmentIndex = (this.adjustmentIndex + 1) % window;
    let sum = 0;
    for (const s of this.adjustmentSamples) sum += s;
    this.coord.Adjustment = sum / (2.0 * window);
  }

  private updateGravity(): void {
    const dist = distance(this.origin, this.coord);
    const force = -1.0 * Math.pow(dist / this.config.gravityRho, 2.0);
    this.coord = applyForce(this.config, this.coord, force, this.origin, this.random);
  }
}
