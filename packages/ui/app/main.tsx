// The app shell: skip link, navigation, the datacenter picker, the retrying banner, and the page for the URL.
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { effect, signal } from '@preact/signals';
import { offline } from './live.js';
import { href, navigate, route } from './router.js';
import { ApiFailure, request, setToken, token } from './api.js';
import { ErrorBox, Page } from './components.js';
import { ServicesPage } from './pages/services.js';
import { ServicePage } from './pages/service.js';
import { NodesPage } from './pages/nodes.js';
import { NodePage } from './pages/node.js';
import { KvPage } from './pages/kv.js';
import { MembersPage, RaftPage } from './pages/cluster.js';
import { AclItemPage, AclListPage, type AclKind } from './pages/acl.js';

/** The datacenters, read once at load for the picker (they rarely change; a reload reads them again). */
const dcList = signal<string[]>([]);
void fetch('/v1/catalog/datacenters')
  .then((r) => (r.ok ? r.json() : []))
  .then(
    (l: string[]) => (dcList.value = l),
    () => undefined,
  );

const PAGES: Array<[string, string]> = [
  ['services', 'Services'],
  ['nodes', 'Nodes'],
  ['kv', 'Key/Value'],
  ['members', 'Members'],
  ['raft', 'Raft'],
  ['settings', 'Settings'],
];
/** Shown when the agent has ACLs on (its /v1/acl endpoints do not answer 401 `ACL support disabled`). */
const ACL_PAGES: Array<[string, string]> = [
  ['tokens', 'Tokens'],
  ['policies', 'Policies'],
  ['roles', 'Roles'],
];

/** Who the token is (GET /v1/acl/token/self): null while unknown, 'off' with ACLs disabled. */
const self = signal<{ status: number; body: Record<string, unknown> | string } | 'off' | null>(null);
function readSelf(): void {
  request('GET', '/v1/acl/token/self').then(
    (r) => (self.value = { status: r.status, body: r.body as Record<string, unknown> }),
    (e: ApiFailure) => (self.value = e.status === 401 ? 'off' : { status: e.status, body: e.message }),
  );
}
effect(() => {
  // Again whenever the token changes (the Settings page sets it).
  void token.value;
  readSelf();
});

function App() {
  const r = route.value;
  // `/ui/` alone: go to the first datacenter's services (the agent's own is first in its list).
  const first = dcList.value[0];
  useEffect(() => {
    if (!r.dc && first) navigate(href(first, 'services'), true);
  }, [r.dc, first]);
  useEffect(() => {
    const page = [...PAGES, ...ACL_PAGES].find(([p]) => p === r.page)?.[1] ?? 'Conclave';
    document.title = `${r.name ? `${r.name} · ` : ''}${page} · ${r.dc} · Conclave`;
  }, [r]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">Conclave</span>
        <nav aria-label="Main">
          <ul>
            {[...PAGES, ...(self.value === 'off' || self.value === null ? [] : ACL_PAGES)].map(([p, label]) => (
              <li key={p}>
                <a href={href(r.dc, p)} aria-current={r.page === p ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {r.dc && <DatacenterPicker dc={r.dc} />}
      </header>
      {offline.value && (
        <div class="banner" role="alert">
          The agent is not answering. Retrying…
        </div>
      )}
      <main id="main">{r.dc ? <Routed /> : <p aria-busy="true">Loading…</p>}</main>
    </>
  );
}

function DatacenterPicker({ dc }: { dc: string }) {
  return (
    <form class="dc" onSubmit={(e) => e.preventDefault()}>
      <label for="dc-picker">Datacenter</label>
      <DcSelect dc={dc} />
    </form>
  );
}

function DcSelect({ dc }: { dc: string }) {
  // Read once per page (datacenters rarely change) without a live stream of its own.
  const list = dcList.value.includes(dc) ? dcList.value : [dc, ...dcList.value];
  return (
    <select
      id="dc-picker"
      value={dc}
      onChange={(e) => {
        const r = route.value;
        navigate(href((e.target as HTMLSelectElement).value, r.page || 'services'));
      }}
    >
      {list.map((d) => (
        <option key={d} value={d}>
          {d}
        </option>
      ))}
    </select>
  );
}


function Routed() {
  const r = route.value;
  switch (r.page) {
    case 'services':
      return r.name ? <ServicePage key={r.name} dc={r.dc} name={r.name} /> : <ServicesPage dc={r.dc} />;
    case 'nodes':
      return r.name ? <NodePage key={r.name} dc={r.dc} name={r.name} /> : <NodesPage dc={r.dc} />;
    case 'kv':
      return <KvPage key={r.name} dc={r.dc} path={r.name} folder={r.folder} />;
    case 'members':
      return <MembersPage dc={r.dc} />;
    case 'raft':
      return <RaftPage dc={r.dc} />;
    case 'settings':
      return <Settings />;
    case 'tokens':
    case 'policies':
    case 'roles':
      return r.name ? <AclItemPage key={`${r.page}/${r.name}`} dc={r.dc} kind={r.page as AclKind} id={r.name} /> : <AclListPage key={r.page} dc={r.dc} kind={r.page as AclKind} />;
    default:
      return (
        <Page title="Not found">
          <p>
            There is no page here. <a href={href(r.dc, 'services')}>Go to the services</a>.
          </p>
        </Page>
      );
  }
}

/** The ACL token the UI sends (X-Consul-Token); the ACL work adds login and what a token may see. */
function Settings() {
  return (
    <Page title="Settings">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          setToken(((e.currentTarget as HTMLFormElement).elements.namedItem('token') as HTMLInputElement).value.trim());
        }}
      >
        <label for="token">ACL token (sent as X-Consul-Token; kept in this browser only)</label>
        <input id="token" name="token" type="password" autoComplete="off" value={token.value} />
        <button type="submit">Save token</button>
      </form>
      <p>{token.value ? 'A token is set.' : 'No token is set: requests use the agent\'s default token.'}</p>
      <WhoAmI />
    </Page>
  );
}

/** The token's own description and policies (what it may do), or why it is refused. */
function WhoAmI() {
  const s = self.value;
  if (s === null) return null;
  if (s === 'off') return <p>ACLs are disabled on this agent: every request is allowed.</p>;
  if (typeof s.body === 'string') return <ErrorBox error={{ status: s.status, text: s.body }} />;
  const t = s.body as { AccessorID?: string; Description?: string; Policies?: Array<{ Name: string }>; Roles?: Array<{ Name: string }> };
  return (
    <dl>
      <dt>Accessor ID</dt>
      <dd>
        <code>{t.AccessorID}</code>
      </dd>
      <dt>Description</dt>
      <dd>{t.Description || 'none'}</dd>
      <dt>Policies</dt>
      <dd>{(t.Policies ?? []).map((p) => p.Name).join(', ') || 'none'}</dd>
      <dt>Roles</dt>
      <dd>{(t.Roles ?? []).map((p) => p.Name).join(', ') || 'none'}</dd>
    </dl>
  );
}

// A first load keeps the browser's focus (the skip link comes first); navigations move it to the heading.
render(<App />, document.getElementById('app')!);
