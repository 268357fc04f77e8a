// One HTTP request on its way through the API: the decoded path remainder, the query, and the ways to
// answer (JSON with the query headers, plain text, empty). Handlers throw ApiError for Consul's error answers.

import { DecodeError, goJsonStringify } from '@conclave/toolkit';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errorAnswer } from './api-error.js';
import type { RequestContext } from './agent-endpoints.js';
import type { ApiBackend, ConsistencyMode } from './backend.js';
import type { ResolvedToken } from './acl-resolver.js';
import { QueryParams } from './query-params.js';
import { dropRequestAfterAnswer } from './drop-request.js';

/** A request body that stops arriving for this long is refused (408) and its connection closed. */
export const BODY_IDLE_MS = 30_000;

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const DEFAULT_JSON_LIMIT = 4 * 1024 * 1024;

/** Whether header name `name` is `lower` (lower case) in any case, without allocating a lower-cased copy. */
function sameHeaderName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c | 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

export class ApiCall {
  /** Set once a response has started; later answers are ignored. */
  answered = false;
  readonly pretty: boolean;
  /** The caller's token once acl-enforce.ts has resolved it (a field, not a WeakMap: it is set on every request
   * with ACLs on, and weak maps cost the garbage collector). */
  aclToken: ResolvedToken | Promise<ResolvedToken> | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly backend: ApiBackend,
    /** The decoded path after the endpoint's prefix, e.g. the key of /v1/kv/<key>. */
    public rest: string,
    readonly query: QueryParams,
    alwaysPretty = false,
  ) {
    this.pretty = alwaysPretty || (!query.empty && query.has('pretty'));
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  /** Answers OPTIONS (200 + Allow) and wrong methods (405 + Allow); true when the handler should go on. */
  allow(...methods: string[]): boolean {
    const m = this.method;
    if (methods.includes(m)) return true;
    const allow = methods.join(',');
    if (m === 'OPTIONS') {
      this.send(200, TEXT_TYPE, '', ['Allow', allow]);
    } else {
      this.send(405, TEXT_TYPE, `method ${m} not allowed`, ['Allow', allow]);
    }
    return false;
  }

  /** ?dc= must name this datacenter. */
  checkDatacenter(): void {
    if (this.query.empty) return;
    const dc = this.query.get('dc');
    if (dc && dc !== this.backend.datacenter) throw new ApiError(500, 'No path to datacenter');
  }

  consistency(): ConsistencyMode {
    if (this.query.empty) return 'leader';
    const stale = this.query.has('stale');
    const consistent = this.query.has('consistent');
    if (stale && consistent) throw new ApiError(400, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
    return stale ? 'stale' : consistent ? 'consistent' : 'leader';
  }

  token(): string {
    const q = this.query.empty ? undefined : this.query.get('token');
    if (q) return q;
    // From rawHeaders, not req.headers: Node builds the headers object on first access, and for a plain KV GET
    // with ACLs on that object (every header lower-cased, copied, and later collected) cost more than the whole
    // ACL check. Only the first X-Consul-Token and Authorization count, as Go's Header.Get in Consul.
    const raw = this.req.rawHeaders;
    let auth: string | undefined;
    let seenToken = false;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (!seenToken && sameHeaderName(name, 'x-consul-token')) {
        if (raw[i + 1]) return raw[i + 1]!;
        seenToken = true;
      } else if (auth === undefined && sameHeaderName(name, 'authorization')) {
        auth = raw[i + 1];
      }
    }
    if (auth !== undefined && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
    return '';
  }

  /** The first value of the request header named `lower` (lower case), from rawHeaders for the reason token()
   * gives: on the KV PUT path, reading Content-Length through req.headers cost 0.1-0.8 us per request. */
  header(lower: string): string | undefined {
    const raw = this.req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) if (sameHeaderName(raw[i]!, lower)) return raw[i + 1];
    return undefined;
  }

  context(): RequestContext {
    return { token: this.token() };
  }

  /** Reads the whole body up to `limit` bytes; over it, answers 413 via `tooLarge(size)`. */
  readBody(limit: number, tooLarge: (size: number) => string): Promise<Buffer> {
    const declared = Number(this.header('content-length') ?? NaN);
    if (declared > limit) return Promise.reject(new ApiError(413, tooLarge(declared)));
    if (declared === 0) return Promise.resolve(Buffer.alloc(0));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const req = this.req;
      // A client that stops sending mid-body (slowloris) is cut off instead of holding the request forever.
      const idleMs = this.backend.limits?.bodyIdleMs ?? BODY_IDLE_MS;
      let idle = setTimeout(() => onIdle(), idleMs);
      const onIdle = () => {
        cleanup();
        dropRequestAfterAnswer(req, this.res);
        reject(new ApiError(408, `Request body not received: nothing arrived for ${idleMs / 1000} s`));
      };
      const onData = (chunk: Buffer) => {
        clearTimeout(idle);
        idle = setTimeout(() => onIdle(), idleMs);
        size += chunk.length;
        if (size > limit) {
          cleanup();
          reject(new ApiError(413, tooLarge(size)));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        clearTimeout(idle);
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
    });
  }

  /**
   * The request body as it arrives, for bodies too large to hold (PUT /v1/snapshot), with readBody's limits:
   * the size (declared or counted, 413) and the idle cut-off (408). One chunk is read ahead at most: the
   * socket is paused until the consumer asks for more, so a slow consumer (the disk) slows the client.
   * Stopping early leaves the rest to be discarded, so the error answer still reaches the client.
   */
  async *bodyStream(limit: number, tooLarge: (size: number) => string): AsyncGenerator<Buffer> {
    const req = this.req;
    const declared = Number(this.header('content-length') ?? NaN);
    if (declared > limit) throw new ApiError(413, tooLarge(declared));
    const idleMs = this.backend.limits?.bodyIdleMs ?? BODY_IDLE_MS;
    const queue: Buffer[] = [];
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const onData = (chunk: Buffer) => {
      queue.push(chunk);
      req.pause();
      wake?.();
    };
    const onEnd = () => {
      ended = true;
      wake?.();
    };
    const onError = (err: Error) => {
      failure = err;
      wake?.();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    let size = 0;
    try {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          size += chunk.length;
          if (size > limit) {
            dropRequestAfterAnswer(req, this.res);
            throw new ApiError(413, tooLarge(size));
          }
          yield chunk;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        req.resume();
        let timer: NodeJS.Timeout | undefined;
        try {
          await new Promise<void>((resolve, reject) => {
            wake = resolve;
            timer = setTimeout(() => reject(new ApiError(408, `Request body not received: nothing arrived for ${idleMs / 1000} s`)), idleMs);
          });
        } catch (err) {
          dropRequestAfterAnswer(req, this.res);
          throw err;
        } finally {
          clearTimeout(timer);
          wake = undefined;
        }
      }
    } finally {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (!ended) req.resume(); // the rest is read and dropped; the answer goes out meanwhile
    }
  }

  /** A JSON body decoded like Go's decodeBody: absent/empty -> undefined; malformed -> 400. `prepare` may rewrite
   * the text first (e.g. quote uint64 fields that a JS number would round). */
  async readJson(prepare?: (text: string) => string): Promise<unknown> {
    const limit = this.backend.limits?.maxJsonBodySize ?? DEFAULT_JSON_LIMIT;
    const body = await this.readBody(limit, (n) => `Request body(${n} bytes) too large, max size: ${limit} bytes.`);
    const text = prepare ? prepare(body.toString('utf8')) : body.toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ApiError(400, `Request decode failed: ${(err as Error).message}`);
    }
  }

  /** JSON answer without query headers (writes, agent endpoints). */
  json(status: number, value: unknown): void {
    this.send(status, JSON_TYPE, this.encode(value));
  }

  /** JSON as Consul writes it (Go's encoding/json: <, >, & escaped): compact, or with ?pretty indented by four
   * spaces plus a final newline. */
  encode(value: unknown): string {
    return this.pretty ? goJsonStringify(value, { indent: '    ' }) + '\n' : goJsonStringify(value);
  }

  /** A pre-encoded JSON body with the query headers of a read. */
  jsonWithMeta(status: number, body: string, index: number, mode: ConsistencyMode): void {
    this.send(status, JSON_TYPE, body, this.metaHeaders(index, mode));
  }

  metaHeaders(index: number, mode: ConsistencyMode): string[] {
    const l = this.backend.leadership();
    return [
      'X-Consul-Index',
      String(index > 0 ? index : 1),
      'X-Consul-KnownLeader',
      l.knownLeader ? 'true' : 'false',
      'X-Consul-LastContact',
      String(Math.max(0, Math.trunc(l.lastContactMs))),
      'X-Consul-Effective-Consistency',
      mode,
    ];
  }

  text(status: number, message: string, headers?: string[]): void {
    this.send(status, TEXT_TYPE, message, headers);
  }

  /** 200 with an empty body (agent PUTs). */
  ok(): void {
    this.send(200, '', '');
  }

  send(status: number, contentType: string, body: string | Uint8Array, headers?: string[]): void {
    if (this.answered) return;
    this.answered = true;
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    const len = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    // `headers` is always a fresh array built for this answer, so it is extended in place.
    const h: string[] = headers ?? [];
    if (contentType) h.push('Content-Type', contentType);
    h.push('Content-Length', String(len));
    res.writeHead(status, h);
    res.end(body);
  }

  /** Answers an error the way Consul does (api-error.ts maps it). */
  fail(err: unknown): void {
    const a = errorAnswer(err);
    this.text(a.status, a.message);
  }
}
