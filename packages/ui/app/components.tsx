// Shared pieces: health shown as a symbol plus a word (never by colour alone), errors with the agent's text.
import type { ComponentChildren } from 'preact';
import type { LiveValue } from './live.js';
import { href, route } from './router.js';
import { token } from './api.js';

const HEALTH: Record<string, [string, string]> = {
  passing: ['✓', 'passing'],
  warning: ['!', 'warning'],
  critical: ['✕', 'critical'],
};

export function Health({ status, count }: { status: string; count?: number }) {
  const [icon, word] = HEALTH[status] ?? ['?', status || 'unknown'];
  return (
    <span class={`health health-${HEALTH[status] ? status : 'unknown'}`}>
      <span aria-hidden="true">{icon}</span> {count !== undefined ? `${count} ${word}` : word}
    </span>
  );
}

/** The worst of a list of check statuses (critical > warning > passing); 'passing' for none. */
export function worst(statuses: string[]): string {
  if (statuses.includes('critical')) return 'critical';
  if (statuses.includes('warning')) return 'warning';
  return 'passing';
}

/** An error answer with the agent's own text; 409 is the page's word for a refused check-and-set (the agent
 * answered `false`). */
export function ErrorBox({ error }: { error: { status: number; text: string } }) {
  return (
    <div class="error" role="alert">
      <strong>
        {error.status === 403
          ? 'Permission denied (403): the token cannot read this.'
          : error.status === 409
            ? 'Not saved:'
            : `The agent answered ${error.status}:`}
      </strong>
      <pre>{error.text}</pre>
      {error.status === 403 && <Explain403 text={error.text} />}
    </div>
  );
}

/** What a 403 means here: the agent's text names the missing permission; the fix is another token. */
function Explain403({ text }: { text: string }) {
  const lacks = /lacks permission '([^']+)'(?: on "(.*)")?/.exec(text);
  const settings = <a href={href(route.value.dc, 'settings')}>Settings</a>;
  return (
    <p>
      {text.trim() === 'ACL not found'
        ? 'The agent does not know the token this browser sends (deleted or expired?). '
        : lacks
          ? `The token ${token.value ? 'set in this browser' : 'the agent uses for anonymous requests'} lacks ${lacks[1]}${lacks[2] !== undefined ? ` on “${lacks[2]}”` : ''}. `
          : `The ${token.value ? 'token set in this browser' : 'anonymous token'} is not allowed this. `}
      Set a token that may in {settings}.
    </p>
  );
}

/** Lists the agent filtered by ACLs say so, rather than look complete. */
export function FilteredNote({ value }: { value: { filtered?: boolean } }) {
  if (!value.filtered) return null;
  return (
    <p class="muted" role="note">
      Some entries are hidden: the token cannot read them.
    </p>
  );
}

/** Loading, error or the page body once the read answered. */
export function Loaded<T>({ value, children }: { value: LiveValue<T>; children: (data: T) => ComponentChildren }) {
  if (value.error) return <ErrorBox error={value.error} />;
  if (value.data === undefined) return <p aria-busy="true">Loading…</p>;
  return (
    <>
      {children(value.data)}
      <FilteredNote value={value} />
    </>
  );
}

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      {children}
    </>
  );
}
