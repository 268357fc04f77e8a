// Runs an HTTP check the way Consul's Go client does it: one connection per run (no keep-alive, so a stale pooled
// connection never fails a check), redirects followed (at most 10) unless disabled, one deadline for the whole
// exchange. 2xx is passing, 429 Too Many Requests warning (the service is up but shedding load), else critical.

import { lazyNode, nodeHttp, TailBuffer } from '@conclave/toolkit';
import type * as http from 'node:http';
import type * as https from 'node:https';
import { type CheckDefinition, DEFAULT_NETWORK_TIMEOUT_NS } from './check-definition.js';
import { type CheckResult, type ProbeOptions, PROBE_ABORTED_OUTPUT } from './check-result.js';
import { dialErrorText } from './net-error-text.js';

export type HttpCheckSpec = Pick<
  CheckDefinition,
  | 'http'
  | 'method'
  | 'header'
  | 'body'
  | 'timeoutNs'
  | 'outputMaxSize'
  | 'tlsSkipVerify'
  | 'tlsServerName'
  | 'disableRedirects'
>;

/** Consul's User-Agent for HTTP checks. */
export const HTTP_CHECK_USER_AGENT = 'Consul Health Check';
export const HTTP_CHECK_ACCEPT = 'text/plain, text/*, */*';
const MAX_REDIRECTS = 10;

class RunEnded extends Error {
  constructor(readonly why: 'timeout' | 'abort') {
    super(why);
  }
}

export async function runHttpCheck(spec: HttpCheckSpec, opts: ProbeOptions = {}): Promise<CheckResult> {
  const target = spec.http ?? '';
  const method = spec.method || 'GET';
  // Go's url.Error names the operation as "Get", "Post", ...
  const op = method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
  const timeoutNs = spec.timeoutNs > 0 ? spec.timeoutNs : DEFAULT_NETWORK_TIMEOUT_NS;
  if (opts.signal?.aborted) return { status: 'critical', output: PROBE_ABORTED_OUTPUT };

  const ended = new AbortController();
  const timer = setTimeout(
    () => ended.abort(new RunEnded('timeout')),
    Math.max(1, Math.min(timeoutNs / 1e6, 2 ** 31 - 1)),
  );
  const onAbort = (): void => ended.abort(new RunEnded('abort'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let url = target;
  let currentMethod = method;
  let body = spec.body;
  try {
    for (let redirects = 0; ; redirects++) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return { status: 'critical', output: `parse "${url}": invalid URL` };
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        return {
          status: 'critical',
          output: `${op} "${url}": unsupported protocol scheme "${parsed.protocol.replace(/:$/, '')}"`,
        };
      }
      let res: http.IncomingMessage;
      try {
        res = await send(parsed, currentMethod, body, spec, ended.signal);
      } catch (err) {
        if (err instanceof RunEnded && err.why === 'abort') return { status: 'critical', output: PROBE_ABORTED_OUTPUT };
        const detail =
          err instanceof RunEnded
            ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
            : dialErrorText(err as NodeJS.ErrnoException, parsed.host);
        return { status: 'critical', output: `${op} "${url}": ${detail}` };
      }

      const code = res.statusCode ?? 0;
      const location = res.headers.location;
      if (!spec.disableRedirects && isRedirect(code) && location) {
        res.destroy();
        if (redirects + 1 > MAX_REDIRECTS) {
          return { status: 'critical', output: `${op} "${url}": stopped after ${MAX_REDIRECTS} redirects` };
        }
        url = new URL(location, parsed).toString();
        // Go's rules: 301/302/303 turn into a body-less GET (HEAD stays HEAD); 307/308 repeat the request.
        if (code === 301 || code === 302 || code === 303) {
          if (currentMethod !== 'GET' && currentMethod !== 'HEAD') currentMethod = 'GET';
          body = undefined;
        }
        continue;
      }

      const output = await readBody(res, spec.outputMaxSize, ended.signal);
      if (ended.signal.aborted && (ended.signal.reason as RunEnded).why === 'abort') {
        return { status: 'critical', output: PROBE_ABORTED_OUTPUT };
      }
      const statusLine = `${code} ${res.statusMessage || nodeHttp.STATUS_CODES[code] || ''}`.trimEnd();
      const result = `HTTP ${method} ${target}: ${statusLine} Output: ${output}`;
      if (code >= 200 && code <= 299) return { status: 'passing', output: result };
      if (code === 429) return { status: 'warning', output: result };
      return { status: 'critical', output: result };
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function isRedirect(code: number): boolean {
  return code === 301 || code === 302 || code === 303 || code === 307 || code === 308;
}

function send(
  url: URL,
  method: string,
  body: string | undefined,
  spec: HttpCheckSpec,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const headers: Record<string, string | string[]> = {};
  const present = new Set<string>();
  for (const [name, values] of Object.entries(spec.header ?? {})) {
    if (values.length === 0) continue;
    headers[name] = values.length === 1 ? values[0]! : values;
    present.add(name.toLowerCase());
  }
  if (!present.has('user-agent')) headers['User-Agent'] = HTTP_CHECK_USER_AGENT;
  if (!present.has('accept')) headers['Accept'] = HTTP_CHECK_ACCEPT;

  const options: https.RequestOptions = { method, headers, agent: false };
  if (url.protocol === 'https:') {
    options.rejectUnauthorized = !spec.tlsSkipVerify;
    if (spec.tlsServerName) options.servername = spec.tlsServerName;
  }
  // node:https (and TLS) only for an https check: an agent without one never loads them.
  const lib = url.protocol === 'https:' ? lazyNode.https() : nodeHttp;

  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let req: http.ClientRequest;
    try {
      req = lib.request(url, options);
    } catch (err) {
      reject(err);
      return;
    }
    const onEnd = (): void => {
      req.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onEnd, { once: true });
    req.on('response', (res) => {
      signal.removeEventListener('abort', onEnd);
      resolve(res);
    });
    req.on('error', (err) => {
      signal.removeEventListener('abort', onEnd);
      reject(signal.aborted ? signal.reason : err);
    });
    req.end(body);
  });
}

/** Reads the body into a bounded tail buffer; a deadline or broken connection ends it with what arrived, as Go's
 * io.Copy into Consul's circbuf does. */
function readBody(res: http.IncomingMessage, max: number, signal: AbortSignal): Promise<string> {
  const buf = new TailBuffer(max);
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      res.destroy();
      resolve(buf.toString());
    };
    if (signal.aborted) {
      done();
      return;
    }
    signal.addEventListener('abort', done, { once: true });
    res.on('data', (chunk: Buffer) => buf.write(chunk));
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
  });
}
