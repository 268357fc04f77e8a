// Requests to the agent's HTTP API from the page: same origin only, the ACL token (when one is set on the
// settings page) as X-Consul-Token, and the agent's error text kept for the page to show.
import { signal } from '@preact/signals';

const TOKEN_KEY = 'conclave.token';

/** The ACL token the UI sends; empty for none. The ACL work reads and extends this (403s, hidden pages). */
export const token = signal<string>(readToken());

function readToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(value: string): void {
  token.value = value;
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lives for this tab only.
  }
}

/** An answer the agent gave with an error status, its body text as the message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer {
  status: number;
  index: number;
  body: unknown;
}

export async function request(method: string, path: string, body?: BodyInit): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token.value) headers['X-Consul-Token'] = token.value;
  let r: Response;
  try {
    r = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiFailure(0, `The agent did not answer (${(err as Error).message}).`);
  }
  const text = await r.text();
  if (!r.ok) throw new ApiFailure(r.status, text.trim() || `${r.status} ${r.statusText}`);
  const type = r.headers.get('content-type') ?? '';
  return { status: r.status, index: Number(r.headers.get('x-consul-index') ?? 0), body: type.startsWith('application/json') && text ? JSON.parse(text) : text };
}

/** A path segment of the HTTP API: keys and names may hold `/`, `%`, `?` and `#`. */
export const seg = (s: string): string => encodeURIComponent(s);
/** A KV key in the API path: each `/`-separated part encoded, the separators kept. */
export const keyPath = (key: string): string => key.split('/').map(encodeURIComponent).join('/');
