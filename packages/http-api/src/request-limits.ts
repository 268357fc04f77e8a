// Consul's `limits.request_limits`: a global read rate and write rate for the requests this agent answers from
// its own state (a client agent's are counted on the server that answers them). `enforcing` refuses what is
// over the rate — a read with 429 "rate limit exceeded, try a different server" (another server may have room),
// a write with 503 "rate limit exceeded, try again later" (only the leader can take it); `permissive` lets it
// through and reports it; `disabled` (the default) counts nothing.
import { TokenBucket } from '@conclave/toolkit';

export type RequestLimitsMode = 'disabled' | 'permissive' | 'enforcing';

export interface RequestLimitsConfig {
  mode: RequestLimitsMode;
  /** Requests per second; negative or Infinity: unlimited (Consul's -1). */
  readRate: number;
  writeRate: number;
}

export interface LimitVerdict {
  status: number;
  message: string;
}

const READ = new Set(['GET', 'HEAD', 'OPTIONS']);

export class RequestLimits {
  private readonly read: TokenBucket;
  private readonly write: TokenBucket;

  constructor(
    private readonly config: RequestLimitsConfig,
    /** Told about every request over the rate (permissive and enforcing), for the log. */
    private readonly onExceeded: (kind: 'read' | 'write', method: string, path: string) => void = () => {},
    now?: () => number,
  ) {
    // Consul's limiter allows a burst of one second's worth.
    this.read = new TokenBucket(config.readRate, Math.max(1, config.readRate), now);
    this.write = new TokenBucket(config.writeRate, Math.max(1, config.writeRate), now);
  }

  /** Undefined to go on; the answer to give when the request is refused. */
  check(method: string, path: string): LimitVerdict | undefined {
    if (this.config.mode === 'disabled') return undefined;
    const kind = READ.has(method) ? 'read' : 'write';
    if ((kind === 'read' ? this.read : this.write).take()) return undefined;
    this.onExceeded(kind, method, path);
    if (this.config.mode !== 'enforcing') return undefined;
    return kind === 'read'
      ? { status: 429, message: 'rate limit exceeded, try a different server' }
      : { status: 503, message: 'rate limit exceeded, try again later' };
  }
}
