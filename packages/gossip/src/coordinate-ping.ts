/**
 * Serf's ping delegate: every direct ack carries this node's Vivaldi coordinate, and every direct probe's round
 * trip updates it from the target's coordinate (Serf's pingDelegate), which is also cached per member (Serf's
 * coordCache) so that the application can estimate the RTT to any member it has probed or been probed by.
 */
import { Packr } from 'msgpackr';
import type { PingDelegate } from './gossip-core.js';
import { CoordinateClient, isCompatible, isValidCoordinate, type Coordinate } from './coordinate.js';

/** Serf's PingVersion: the first byte of the payload, so a future format can be told apart. */
const PING_VERSION = 1;
const packr = new Packr({ useRecords: false });

export class CoordinatePing implements PingDelegate {
  readonly client = new CoordinateClient();
  private readonly cache = new Map<string, Coordinate>();
  /** Payloads that did not decode to a usable coordinate (a peer's bad data is counted, never thrown). */
  rejected = 0;

  constructor(private readonly self: string) {}

  ackPayload(): Uint8Array {
    const body = packr.pack(this.client.getCoordinate());
    const out = new Uint8Array(body.length + 1);
    out[0] = PING_VERSION;
    out.set(body, 1);
    return out;
  }

  notifyPingComplete(node: string, rttMs: number, payload: Uint8Array): void {
    if (payload.length < 2 || payload[0] !== PING_VERSION) {
      this.rejected++;
      return;
    }
    let other: unknown;
    try {
      other = packr.unpack(payload.subarray(1));
    } catch {
      this.rejected++;
      return;
    }
    if (!isValidCoordinate(other) || !isCompatible(other, this.client.getCoordinate())) {
      this.rejected++;
      return;
    }
    try {
      const mine = this.client.update(node, other, rttMs / 1000);
      this.cache.set(this.self, mine);
    } catch {
      this.rejected++;
      return;
    }
    this.cache.set(node, { Vec: [...other.Vec], Error: other.Error, Adjustment: other.Adjustment, Height: other.Height });
  }

  coordinate(): Coordinate {
    return this.client.getCoordinate();
  }

  /** The last coordinate seen for a member (this node's own included once it has one). */
  cached(name: string): Coordinate | undefined {
    return name === this.self ? this.client.getCoordinate() : this.cache.get(name);
  }

  forget(name: string): void {
    this.cache.delete(name);
    this.client.forgetNode(name);
  }
}
