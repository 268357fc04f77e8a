// Answering a request through another agent without holding it: the caller's body is piped to the other
// agent as it arrives and the answer is piped back as it comes (a snapshot save or restore of any size, as
// Consul's client agents stream theirs over the snapshot RPC). Back-pressure runs end to end: a slow reader
// slows the server's writer, not this agent's memory. A failure before the answer starts is answered as
// forward() answers it; one after can only cut the answer short, which the caller sees as a truncated body.
import type * as http from 'node:http';
import { errorAnswer } from './api-error.js';
import type { ForwardedRequest } from './backend.js';
import { dropRequestAfterAnswer } from './drop-request.js';

/** Headers of the other agent's answer passed on (its framing headers are this agent's to choose). */
const CARRIED_RESPONSE = /^(content-type|x-consul-.*)$/;

export function forwardStreamed(
  forwardStream: (request: Omit<ForwardedRequest, 'body'>, body: http.IncomingMessage) => Promise<http.IncomingMessage>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  done: (() => void) | undefined,
  headers: Record<string, string>,
  onError?: (err: unknown, method: string, url: string) => void,
): void {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  forwardStream({ method, url, headers }, req).then(
    (answer) => {
      if (res.destroyed) {
        answer.destroy();
        return;
      }
      res.writeHead(answer.statusCode ?? 500, pickHeaders(answer.rawHeaders, CARRIED_RESPONSE));
      answer.on('error', () => res.destroy());
      res.on('close', () => {
        done?.();
        if (!answer.complete) answer.destroy();
      });
      answer.pipe(res);
    },
    (err: unknown) => {
      done?.();
      if (res.headersSent || res.destroyed) return;
      const a = errorAnswer(err);
      if (!a.expected) onError?.(err, method, url);
      // The caller may still be sending a body nobody will read.
      if (!req.complete) dropRequestAfterAnswer(req, res);
      res.writeHead(a.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(a.message);
    },
  );
}

/** The headers (raw, in the sender's spelling) whose lower-case names match, as a flat name/value list. */
export function pickHeaders(rawHeaders: string[], names: RegExp): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const k = rawHeaders[i]!;
    if (names.test(k.toLowerCase())) out.push(k, rawHeaders[i + 1]!);
  }
  return out;
}
