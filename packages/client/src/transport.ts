// One keep-alive HTTP(S) connection pool to one agent. Knows nothing of Consul's endpoints: method, path, query,
// body in; status, headers, bytes out. Every failure short of an HTTP answer becomes a ConsulConnectionError.
import type * as http from 'node:http';
import { lazyNode, nodeHttp } from '@conclave/toolkit';
import type * as https from 'node:https';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpAddress } from './address.js';
import { ConsulConfigError, ConsulConnectionError } from './errors.js';

export interface TlsOptions {
  caFile?: string;
  /** A directory of CA certificates (every *.pem and *.crt in it). */
  caPath?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  /** CONSUL_HTTP_SSL_VERIFY=false */
  insecureSkipVerify?: boolean;
}

export interface HttpRequest {
  method: string;
  /** Already percent-encoded, starting with `/v1/`. */
  path: string;
  query?: URLSearchParams;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Idle timeout of this request; default the transport's. 0 = none. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Bodies above this are refused rather than buffered without bound. */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

// No cap on open sockets: every blocking query holds one for up to its wait, and a renderer with more watched
// dependencies than a cap would starve the rest. Only the idle pool is bounded.
const POOL: http.AgentOptions = { keepAlive: true, maxFreeSockets: 32 };

export class HttpTransport {
  private readonly agent: http.Agent;
  private readonly tlsOptions: https.RequestOptions = {};

  constructor(
    readonly address: HttpAddress,
    readonly token: string | undefined,
    readonly defaultTimeoutMs: number,
    tls: TlsOptions = {},
  ) {
    if (address.scheme === 'https') {
      try {
        const cas: Buffer[] = [];
        if (tls.caFile) cas.push(readFileSync(tls.caFile));
        if (tls.caPath) {
          for (const name of readdirSync(tls.caPath).sort()) if (/\.(pem|crt)$/.test(name)) cas.push(readFileSync(join(tls.caPath, name)));
        }
        if (cas.length > 0) this.tlsOptions.ca = cas;
        if (tls.certFile) this.tlsOptions.cert = readFileSync(tls.certFile);
        if (tls.keyFile) this.tlsOptions.key = readFileSync(tls.keyFile);
      } catch (err) {
        throw new ConsulConfigError(`Error loading TLS file: ${(err as Error).message}`);
      }
      if (tls.serverName) this.tlsOptions.servername = tls.serverName;
      if (tls.insecureSkipVerify) this.tlsOptions.rejectUnauthorized = false;
      this.agent = new (lazyNode.https().Agent)(POOL);
    } else {
      this.agent = new nodeHttp.Agent(POOL);
    }
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    return this.send(req, undefined);
  }

  /**
   * A request whose 2xx body is handed to `onData` as it arrives instead of kept (GET /v1/agent/monitor); resolves
   * when the agent ends it, with an empty body. Other statuses resolve with their (whole) body as `request` does.
   */
  stream(req: HttpRequest, onData: (chunk: Buffer) => void): Promise<HttpResponse> {
    return this.send({ ...req, timeoutMs: req.timeoutMs ?? 0 }, onData);
  }

  private send(req: HttpRequest, onData: ((chunk: Buffer) => void) | undefined): Promise<HttpResponse> {
    const qs = req.query?.toString();
    const fullPath = qs ? `${req.path}?${qs}` : req.path;
    const url = `${this.address.display}${fullPath}`;
    const headers: Record<string, string> = { ...req.headers };
    if (this.token && !('X-Consul-Token' in headers)) headers['X-Consul-Token'] = this.token;
    let body: Buffer | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
      headers['Content-Length'] = String(body.length);
    } else if (req.method === 'PUT' || req.method === 'POST') {
      headers['Content-Length'] = '0';
    }
    const options: https.RequestOptions = {
      method: req.method,
      path: fullPath,
      headers,
      agent: this.agent,
      ...this.tlsOptions,
    };
    if (this.address.socketPath) options.socketPath = this.address.socketPath;
    else {
      options.host = this.address.host;
      options.port = this.address.port;
    }
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    const lib = this.address.scheme === 'https' ? lazyNode.https() : nodeHttp;

    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (reason: string, code?: string) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(new ConsulConnectionError(req.method, url, reason, code));
      };
      const onAbort = () => {
        fail('request aborted', 'ABORTED');
        request.destroy();
      };
      const cleanup = () => req.signal?.removeEventListener('abort', onAbort);

      const request = lib.request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const status = res.statusCode ?? 0;
        const streaming = onData !== undefined && status >= 200 && status < 300;
        res.on('data', (chunk: Buffer) => {
          if (streaming) {
            onData(chunk);
            return;
          }
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            fail(`response body larger than ${MAX_RESPONSE_BYTES} bytes`, 'TOO_LARGE');
            request.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (err: NodeJS.ErrnoException) => fail(describe(err, this.address), err.code));
        res.on('aborted', () => fail('connection closed before the response ended', 'ECONNRESET'));
      });
      request.on('error', (err: NodeJS.ErrnoException) => fail(describe(err, this.address), err.code));
      if (timeoutMs > 0) {
        request.setTimeout(timeoutMs, () => {
          fail(`timeout after ${timeoutMs}ms awaiting response`, 'ETIMEDOUT');
          request.destroy();
        });
      }
      if (req.signal) {
        if (req.signal.aborted) {
          onAbort();
          return;
        }
        req.signal.addEventListener('abort', onAbort, { once: true });
      }
      request.end(body);
    });
  }

  /** Closes idle pooled sockets so a short-lived process can exit at once. */
  close(): void {
    this.agent.destroy();
  }
}

function describe(err: NodeJS.ErrnoException, address: HttpAddress): string {
  const target = address.socketPath ? `unix ${address.socketPath}` : `tcp ${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial ${target}: connect: connection refused`;
    case 'ENOENT':
      return `dial ${target}: connect: no such file or directory`;
    case 'ENOTFOUND':
      return `dial ${target}: lookup ${address.host}: no such host`;
    case 'ECONNRESET':
      return `read ${target}: connection reset by peer`;
    default:
      return err.message;
  }
}
