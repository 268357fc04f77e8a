// The URL is the state: `<content path><dc>/<page>/<name>`, each segment percent-encoded so names holding `/`,
// `%`, `?` or `#` stay one segment. Links are real <a href>s (open in a new tab, copy, reload all work); a click
// on one is turned into history.pushState, and back/forward re-read the location.
import { signal } from '@preact/signals';

/** The UI's base path, from where index.html loaded the app (ui_config.content_path). */
export const base: string = (() => {
  const src = (document.querySelector('script[type=module][src*="assets/"]') as HTMLScriptElement | null)?.getAttribute('src');
  return src ? src.slice(0, src.indexOf('assets/')) : '/ui/';
})();

export interface Route {
  dc: string;
  page: string;
  /** The rest of the path, decoded segment by segment, joined by `/` (a KV key, a service or node name). */
  name: string;
  /** True when the path ended with `/` after the page (a KV folder). */
  folder: boolean;
  query: URLSearchParams;
}

export function parseLocation(): Route {
  let path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : '';
  const parts = path.split('/');
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const dc = dec(parts[0] ?? '');
  const page = dec(parts[1] ?? '');
  const rest = parts.slice(2);
  path = rest.map(dec).join('/');
  return { dc, page, name: path, folder: rest.length === 0 || rest[rest.length - 1] === '', query: new URLSearchParams(location.search) };
}

export const route = signal<Route>(parseLocation());

/** A link into the UI: dc, page and the segments of a name, each encoded. */
export function href(dc: string, page: string, ...names: string[]): string {
  return `${base}${encodeURIComponent(dc)}/${page}${names.length ? '/' + names.map(encodeURIComponent).join('/') : ''}`;
}

/** A KV path: the key's `/`s stay separators (folders). */
export function kvHref(dc: string, key: string): string {
  return `${base}${encodeURIComponent(dc)}/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  route.value = parseLocation();
  if (!replace) focusMain();
}

/** After a navigation, keyboard and screen-reader users land on the new page's heading. */
export function focusMain(): void {
  requestAnimationFrame(() => (document.querySelector('main h1') as HTMLElement | null)?.focus());
}

addEventListener('popstate', () => {
  route.value = parseLocation();
});

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(base)) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
