// Live data for the open page over one push stream per tab (/v1/internal/ui/stream, Server-Sent Events):
// the page names the API reads it shows, the agent sends each again whenever its index moves. Changing page
// replaces the stream (never more than one open); the browser's reconnect resumes by index (the event id).
// Where EventSource is missing or the stream is refused, the same reads run as blocking queries instead.
import { signal, type Signal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { token } from './api.js';

export interface LiveValue<T> {
  /** Undefined until the first answer. */
  data?: T;
  index: number;
  /** The agent's error text for a failed read (status ≥ 400), shown as it is. */
  error?: { status: number; text: string };
  /** The agent left out what the token may not read (X-Consul-Results-Filtered-By-ACLs). */
  filtered?: boolean;
}

/** True while the agent cannot be reached: the page shows a retrying banner. */
export const offline = signal(false);

interface StreamEvent {
  w: number;
  s: number;
  i: number;
  f?: number;
  b?: unknown;
  t?: string;
}

let current: { close(): void } | undefined;

/** The reads of `paths`, live. Pass a stable list (same strings) to keep the stream open across renders. */
export function useLive<T extends unknown[]>(paths: string[]): { [K in keyof T]: Signal<LiveValue<T[K]>> } {
  const key = paths.join('\n');
  const values = useMemo(() => paths.map(() => signal<LiveValue<unknown>>({ index: 0 })), [key]);
  useEffect(() => {
    if (paths.length === 0) return;
    const conn = typeof EventSource === 'function' ? openStream(paths, values) : openBlocking(paths, values);
    current?.close();
    current = conn;
    return () => {
      conn.close();
      if (current === conn) current = undefined;
    };
  }, [key, token.value]);
  return values as never;
}

function apply(values: Signal<LiveValue<unknown>>[], e: StreamEvent): void {
  const v = values[e.w];
  if (!v) return;
  if (e.s === 0) {
    offline.value = true;
    return;
  }
  offline.value = false;
  if (e.s >= 200 && e.s < 300) v.value = { data: e.b ?? e.t, index: e.i, filtered: e.f === 1 };
  else v.value = { ...v.value, index: e.i, error: { status: e.s, text: (e.t ?? JSON.stringify(e.b)).trim() } };
}

function openStream(paths: string[], values: Signal<LiveValue<unknown>>[]): { close(): void } {
  let closed = false;
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refused = 0;
  const qs = () => {
    const q = new URLSearchParams();
    for (const p of paths) q.append('watch', p);
    if (token.value) q.set('token', token.value);
    const idx = values.map((v) => v.value.index);
    if (idx.some((i) => i > 0)) q.set('index', idx.join(','));
    return q.toString();
  };
  let fallback: { close(): void } | undefined;
  const open = () => {
    source = new EventSource(`/v1/internal/ui/stream?${qs()}`);
    source.onopen = () => {
      offline.value = false;
      refused = 0;
    };
    source.onmessage = (m) => apply(values, JSON.parse(m.data) as StreamEvent);
    source.onerror = () => {
      if (closed || !source) return;
      offline.value = true;
      // CONNECTING: the browser reconnects by itself, sending Last-Event-ID. CLOSED: the agent answered
      // with an error or something else than a stream; open again later (with the indexes we have), and
      // after a few refusals use blocking queries instead.
      if (source.readyState === EventSource.CLOSED) {
        source = undefined;
        if (++refused >= 5) fallback = openBlocking(paths, values);
        else timer = setTimeout(open, 1000 * refused);
      }
    };
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
      fallback?.close();
    },
  };
}

/** The fallback: one blocking-query loop per read (Consul's ?index=&wait=). */
function openBlocking(paths: string[], values: Signal<LiveValue<unknown>>[]): { close(): void } {
  const abort = new AbortController();
  paths.forEach(async (path, w) => {
    let failures = 0;
    while (!abort.signal.aborted) {
      const index = values[w]!.value.index;
      const sep = path.includes('?') ? '&' : '?';
      try {
        const headers: Record<string, string> = token.value ? { 'X-Consul-Token': token.value } : {};
        const r = await fetch(`${path}${sep}index=${index}&wait=60s`, { headers, signal: abort.signal });
        const text = await r.text();
        const i = Number(r.headers.get('x-consul-index') ?? 0);
        const json = (r.headers.get('content-type') ?? '').startsWith('application/json') && text !== '';
        const f = r.headers.get('x-consul-results-filtered-by-acls') === 'true' ? 1 : 0;
        if (i === 0 || i !== index || !r.ok) apply(values, { w, s: r.status, i, f, ...(json ? { b: JSON.parse(text) } : { t: text }) });
        failures = r.ok && i > 0 ? 0 : failures + 1;
      } catch {
        if (abort.signal.aborted) return;
        apply(values, { w, s: 0, i: index });
        failures++;
      }
      if (failures > 0) await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** failures)));
    }
  });
  return { close: () => abort.abort() };
}
