// The HTTP/2 load generator of blocking-scale.mjs --h2: parks many requests on few connections, as a Go or curl
// client of Consul's HTTPS API would (one TLS connection carries up to the server's SETTINGS_MAX_CONCURRENT_STREAMS
// requests, 250 for Consul and Conclave). Records when each request's answer headers arrived.
import http2 from 'node:http2';
import { sleep } from './lib.mjs';

/** Opens sessions to https://127.0.0.1:`port` (trusting `ca`) until `n` requests are open, `perSession` on each;
 * path(i) names request i. Resolves once the server has read every request (a PING answered after them). */
export async function parkH2(port, ca, n, path, perSession = 250) {
  const sessions = [];
  const state = [];
  for (let first = 0; first < n; first += perSession) {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
    session.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      session.once('remoteSettings', resolve);
      session.once('error', reject);
    });
    const max = session.remoteSettings.maxConcurrentStreams;
    if (max < perSession) throw new Error(`the server allows ${max} streams per connection, not ${perSession}`);
    for (let i = first; i < Math.min(n, first + perSession); i++) {
      const st = { path: path(i), answeredAt: 0, status: 0 };
      const stream = session.request({ ':path': st.path });
      stream.on('response', (headers) => {
        st.answeredAt = performance.now();
        st.status = Number(headers[':status']);
      });
      stream.on('error', () => undefined);
      stream.resume();
      state.push(st);
    }
    sessions.push(session);
    // Let the server keep up; a flood of handshakes would only queue in its accept backlog.
    if (sessions.length % 20 === 0) await sleep(5);
  }
  // Frames are read in order: once a session's PING is answered, the server has read the requests before it.
  await Promise.all(sessions.map((s) => new Promise((resolve, reject) => s.ping((err) => (err ? reject(err) : resolve())))));
  return {
    sessions,
    state,
    close() {
      for (const s of sessions) s.destroy();
    },
  };
}
