// HTTP/2 sessions with no open request are closed (GOAWAY) after the keep-alive timeout, as idle HTTP/1.1
// keep-alive connections are. Not node:http2's session timeout: that one counts frames, and a session whose
// streams are all parked blocking queries sends none for up to 10 minutes without being idle.
import type { IncomingMessage } from 'node:http';
import type { Http2SecureServer, Http2Session } from 'node:http2';
import { requestSession } from './request-connection.js';

/** A session's open requests and its idle timer, shared by its requests. */
interface SessionIdle {
  session: Http2Session;
  open: number;
  timer: NodeJS.Timeout | undefined;
  idleMs: number;
}

const IDLE = Symbol('conclave.session-idle');

/** Starts the idle close on `server`'s sessions; returns what to call with each HTTP/2 request. */
export function closeIdleSessions(server: Http2SecureServer, idleMs: number): (req: IncomingMessage) => void {
  if (idleMs <= 0) return () => {};
  server.on('session', (session: Http2Session) => {
    const idle: SessionIdle = { session, open: 0, timer: undefined, idleMs };
    (session as unknown as Record<symbol, SessionIdle>)[IDLE] = idle;
    arm(idle);
    session.once('close', () => clearTimeout(idle.timer));
  });
  return (req) => {
    const session = requestSession(req);
    const idle = session && (session as unknown as Record<symbol, SessionIdle | undefined>)[IDLE];
    if (idle === undefined) return;
    if (idle.open++ === 0) clearTimeout(idle.timer);
    // A field and one shared listener on the request, which has no other 'close' listener: no closure and no
    // listener array per request (a session may hold 250 parked queries, an agent 100,000; docs/benchmarks.md).
    (req as unknown as Record<symbol, SessionIdle>)[IDLE] = idle;
    req.on('close', onRequestClose);
  };
}

function onRequestClose(this: IncomingMessage): void {
  const idle = (this as unknown as Record<symbol, SessionIdle | undefined>)[IDLE];
  if (idle !== undefined && --idle.open === 0 && !idle.session.closed && !idle.session.destroyed) arm(idle);
}

function arm(idle: SessionIdle): void {
  idle.timer = setTimeout(closeIdle, idle.idleMs, idle);
  idle.timer.unref();
}

function closeIdle(idle: SessionIdle): void {
  if (!idle.session.closed && !idle.session.destroyed) idle.session.close();
}
