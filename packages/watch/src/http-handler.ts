// HTTP handlers (Consul's makeHTTPWatchHandler): the result as a JSON body (POST unless configured), Content-Type
// application/json, X-Consul-Index, the configured headers; a timeout (10 s default) bounds the whole request.
// A non-2xx answer or a failed request is logged with the response's first 4 KB; the watch goes on.
import { request as httpsRequest } from 'node:https';
import { encodeConsulJson } from './consul-json.js';
import { nodeHttp, silentLogger, TailBuffer, type Logger } from '@conclave/toolkit';
import type { HttpHandlerConfig } from './watch-definition.js';
import { WATCH_OUTPUT_MAX_BYTES, type WatchHandler } from './watch-handler.js';

export interface HttpHandlerResult {
  /** 0 when no answer arrived. */
  status: number;
  /** Start of the response body (4 KB). */
  body: string;
  error?: Error;
}

/** Sends one result; never rejects. */
export function postToHttpHandler(config: HttpHandlerConfig, index: bigint, data: unknown, signal?: AbortSignal): Promise<HttpHandlerResult> {
  const url = new URL(config.path);
  const payload = Buffer.from(encodeConsulJson(data) + '\n');
  const headers: Record<string, string | string[]> = {};
  for (const [k, values] of Object.entries(config.header)) headers[k] = values;
  headers['Content-Type'] = 'application/json';
  headers['X-Consul-Index'] = index.toString();
  headers['Content-Length'] = String(payload.length);
  const send = url.protocol === 'https:' ? httpsRequest : nodeHttp.request;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: HttpHandlerResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = send(url, { method: config.method, headers, rejectUnauthorized: !config.tlsSkipVerify, agent: false }, (res) => {
      const body = new TailBuffer(WATCH_OUTPUT_MAX_BYTES);
      let kept = 0;
      res.on('data', (d: Buffer) => {
        // Keep the start of the answer; drain the rest.
        if (kept < WATCH_OUTPUT_MAX_BYTES) {
          const part = d.subarray(0, WATCH_OUTPUT_MAX_BYTES - kept);
          body.write(part);
          kept += part.length;
        }
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: body.toString() }));
      res.on('error', (err) => finish({ status: res.statusCode ?? 0, body: body.toString(), error: err }));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${config.timeoutMs} ms`));
    }, config.timeoutMs);
    const onAbort = () => req.destroy(new Error('watch stopped'));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish({ status: 0, body: '', error: err }));
    req.end(payload);
  });
}

export function httpHandler(config: HttpHandlerConfig, options: { logger?: Logger } = {}): WatchHandler {
  const logger = options.logger ?? silentLogger;
  return async (index, data, signal) => {
    const r = await postToHttpHandler(config, index, data, signal);
    if (r.error) logger.error('Failed to invoke http handler', { handler: config.path, error: r.error });
    else if (r.status < 200 || r.status > 299) logger.error('Http watch handler failed with status code', { handler: config.path, status: r.status, output: r.body });
    else logger.trace('Http watch handler output', { handler: config.path, output: r.body });
  };
}
