// `conclave login -type=oidc`: the OIDC authorization code flow from a terminal, as Consul's login command runs
// it. A listener on -oidc-callback-listen-addr (default 127.0.0.1:8550) takes the browser's redirect at
// /oidc/callback; the auth URL is asked for with that redirect URI (http://localhost:<port>/oidc/callback: a
// loopback redirect matches the method's AllowedRedirectURIs on any port) and a random client nonce, printed and,
// where there is a desktop to show it (a DISPLAY or WAYLAND_DISPLAY on Linux, always on macOS and Windows), opened
// in the browser. The code and state the provider sends back go to /v1/acl/oidc/callback with the same nonce.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ConsulClient } from '@conclave/client';
import type { CliIo } from '../cli-io.js';

export const DEFAULT_OIDC_CALLBACK_LISTEN_ADDR = '127.0.0.1:8550';
/** As long as the server holds the login's state. */
const WAIT_MS = 10 * 60_000;

export interface OidcLoginOptions {
  method: string;
  listenAddr: string;
  meta: Record<string, string>;
  io: CliIo;
  out(text: string): void;
}

interface Callback {
  code: string;
  state: string;
}

/** Runs the flow; resolves with the token the callback made, rejects with what to print after `Error logging in: `. */
export async function oidcLogin(client: ConsulClient, opts: OidcLoginOptions): Promise<{ SecretID: string }> {
  const { host, port } = splitHostPort(opts.listenAddr);
  const listener = await listen(host, port);
  try {
    const bound = (listener.server.address() as { port: number }).port;
    const redirectUri = `http://localhost:${bound}/oidc/callback`;
    const clientNonce = randomBytes(20).toString('hex');
    const answer = (await client.write('POST', 'acl/oidc/auth-url', undefined, { AuthMethod: opts.method, RedirectURI: redirectUri, ClientNonce: clientNonce, Meta: opts.meta })) as { AuthURL?: string };
    const authUrl = answer?.AuthURL ?? '';
    if (!authUrl) throw new Error('the server answered no auth URL');
    const open = canOpenBrowser(opts.io.env);
    opts.out(`Complete the login via your OIDC provider. ${open ? 'Launching browser to' : 'Open the following link in your browser'}:\n\n    ${authUrl}\n\n`);
    if (open) openBrowser(authUrl);
    const cb = await listener.next;
    return (await client.write('POST', 'acl/oidc/callback', undefined, { AuthMethod: opts.method, State: cb.state, Code: cb.code, ClientNonce: clientNonce })) as { SecretID: string };
  } finally {
    listener.close();
  }
}

function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid -oidc-callback-listen-addr ${JSON.stringify(addr)}: expected host:port`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]) };
}

const PAGE = (title: string, text: string) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The callback listener: its first well-formed /oidc/callback request settles `next`. */
function listen(host: string, port: number): Promise<{ server: Server; next: Promise<Callback>; close(): void }> {
  let settle!: { resolve(cb: Callback): void; reject(err: Error): void };
  const next = new Promise<Callback>((resolve, reject) => (settle = { resolve, reject }));
  next.catch(() => undefined);
  let done = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' || url.pathname !== '/oidc/callback' || done) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const q = url.searchParams;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    if (q.get('error')) {
      done = true;
      const why = [q.get('error'), q.get('error_description')].filter(Boolean).join(': ');
      res.writeHead(400).end(PAGE('Login failed', escapeHtml(why)));
      settle.reject(new Error(`the OIDC provider refused the login: ${why}`));
      return;
    }
    const code = q.get('code') ?? '';
    const state = q.get('state') ?? '';
    if (!code || !state) {
      res.writeHead(400).end(PAGE('Login failed', 'The provider sent no code or state.'));
      return;
    }
    done = true;
    res.writeHead(200).end(PAGE('Signed in via your OIDC provider', 'You can close this window and return to the terminal.'));
    settle.resolve({ code, state });
  });
  const timer = setTimeout(() => settle.reject(new Error('Timed out waiting for response from provider')), WAIT_MS);
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`Error starting the OIDC callback listener on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () =>
      resolve({
        server,
        next,
        close() {
          clearTimeout(timer);
          server.closeAllConnections();
          server.close();
        },
      }),
    );
  });
}

/** Only where a browser can show: a desktop session on Linux and the BSDs, always on macOS and Windows. */
function canOpenBrowser(env: Record<string, string | undefined>): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The URL is printed: the user can open it.
  }
}
