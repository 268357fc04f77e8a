// HTTP/2 sessions with no open stream are closed (GOAWAY) after the keep-alive timeout, as idle HTTP/1.1
// keep-alive connections are. Not node:http2's session timeout: that one counts frames, and a session whose
// streams are all parked blocking queries sends none for up to 10 minutes without being idle.
import type { Http2SecureServer, Http2Session, ServerHttp2Stream } from 'node:http2';

export function closeIdleSessions(server: Http2SecureServer, idleMs: number): void {
  if (idleMs <= 0) return;
  server.on('session', (session: Http2Session) => {
    let open = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      timer = setTimeout(() => {
        if (!session.closed && !session.destroyed) session.close();
      }, idleMs);
      timer.unref();
    };
    arm();
    session.on('stream', (stream: ServerHttp2Stream) => {
      if (open++ === 0) clearTimeout(timer);
      stream.once('close', () => {
        if (--open === 0 && !session.closed && !session.destroyed) arm();
      });
    });
    session.once('close', () => clearTimeout(timer));
  });
}
