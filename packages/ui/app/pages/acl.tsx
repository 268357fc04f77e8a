// ACL tokens, policies and roles (docs/acl.md): each kind a live list, and one page per item that shows it and,
// for a token allowed acl:write, edits or deletes it; `<kind>/new` creates one. Links between them by name.
// Lists and reads need acl:read; a token without it sees the agent's 403, explained.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useLive } from '../live.js';
import { ErrorBox, Loaded, Page } from '../components.js';
import { href, navigate } from '../router.js';
import { ApiFailure, request, seg } from '../api.js';

export type AclKind = 'tokens' | 'policies' | 'roles';

interface Link {
  ID: string;
  Name?: string;
}
interface Item {
  AccessorID?: string;
  SecretID?: string;
  ID?: string;
  Name?: string;
  Description?: string;
  Rules?: string;
  Datacenters?: string[];
  Policies?: Link[];
  Roles?: Link[];
  ServiceIdentities?: Array<{ ServiceName: string }>;
  Local?: boolean;
  CreateIndex?: number;
  ModifyIndex?: number;
}

/** What each kind is called, where it lives in the API, and the fields its form edits. */
const KINDS: Record<AclKind, { title: string; one: string; list: string; item: string; id: (x: Item) => string; label: (x: Item) => string; fields: string[] }> = {
  tokens: {
    title: 'Tokens',
    one: 'token',
    list: '/v1/acl/tokens',
    item: '/v1/acl/token',
    id: (x) => x.AccessorID ?? '',
    label: (x) => x.Description || x.AccessorID || '',
    fields: ['Description', 'Policies', 'Roles', 'ServiceIdentities'],
  },
  policies: {
    title: 'Policies',
    one: 'policy',
    list: '/v1/acl/policies',
    item: '/v1/acl/policy',
    id: (x) => x.ID ?? '',
    label: (x) => x.Name ?? '',
    fields: ['Name', 'Description', 'Rules', 'Datacenters'],
  },
  roles: {
    title: 'Roles',
    one: 'role',
    list: '/v1/acl/roles',
    item: '/v1/acl/role',
    id: (x) => x.ID ?? '',
    label: (x) => x.Name ?? '',
    fields: ['Name', 'Description', 'Policies', 'ServiceIdentities'],
  },
};

const LABELS: Record<string, string> = {
  Description: 'Description',
  Name: 'Name',
  Rules: 'Rules (HCL or JSON)',
  Datacenters: 'Datacenters (comma-separated; empty: all)',
  Policies: 'Policies (names, comma-separated)',
  Roles: 'Roles (names, comma-separated)',
  ServiceIdentities: 'Service identities (service names, comma-separated)',
};

const names = (links: Link[] | undefined) => (links ?? []).map((l) => l.Name || l.ID).join(', ');
const split = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

export function AclListPage({ dc, kind }: { dc: string; kind: AclKind }) {
  const k = KINDS[kind];
  const [list] = useLive<[Item[]]>([`${k.list}?dc=${encodeURIComponent(dc)}`]);
  return (
    <Page title={`ACL ${k.title.toLowerCase()}`}>
      <p>
        <a href={href(dc, kind, 'new')}>Create a {k.one}</a>
      </p>
      <Loaded value={list.value}>
        {(items) =>
          items.length === 0 ? (
            <p>No {kind}.</p>
          ) : (
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{kind === 'tokens' ? 'Token' : 'Name'}</th>
                  <th scope="col">{kind === 'tokens' ? 'Accessor ID' : 'Description'}</th>
                  {kind !== 'policies' && <th scope="col">Policies</th>}
                </tr>
              </thead>
              <tbody>
                {items.map((x) => (
                  <tr key={k.id(x)}>
                    <td>
                      <a href={href(dc, kind, k.id(x))}>{k.label(x) || '(no description)'}</a>
                    </td>
                    <td>{kind === 'tokens' ? <code>{x.AccessorID}</code> : x.Description}</td>
                    {kind !== 'policies' && <td>{names(x.Policies) || 'none'}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Page>
  );
}

export function AclItemPage({ dc, kind, id }: { dc: string; kind: AclKind; id: string }) {
  const k = KINDS[kind];
  const creating = id === 'new';
  const q = `?dc=${encodeURIComponent(dc)}`;
  const [item] = useLive<[Item]>(creating ? [] : [`${k.item}/${seg(id)}${q}`]);
  const [failure, setFailure] = useState<ApiFailure>();
  const [saved, setSaved] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);

  const save = async (form: HTMLFormElement, old: Item | undefined) => {
    setFailure(undefined);
    setSaved('');
    const v = (n: string) => ((form.elements.namedItem(n) as HTMLInputElement | HTMLTextAreaElement | null)?.value ?? '').trim();
    const body: Record<string, unknown> = {};
    for (const f of k.fields) {
      if (f === 'Policies' || f === 'Roles') body[f] = split(v(f)).map((Name) => ({ Name }));
      else if (f === 'ServiceIdentities') body[f] = split(v(f)).map((ServiceName) => ({ ServiceName }));
      else if (f === 'Datacenters') body[f] = split(v(f));
      else body[f] = v(f);
    }
    if (kind === 'tokens' && creating) body.Local = (form.elements.namedItem('Local') as HTMLInputElement).checked;
    try {
      const r = await request('PUT', `${k.item}${creating ? '' : `/${seg(k.id(old!))}`}${q}`, JSON.stringify(body));
      const made = r.body as Item;
      if (creating) navigate(href(dc, kind, k.id(made)));
      else setSaved(`Saved (index ${made.ModifyIndex ?? ''}).`);
    } catch (e) {
      setFailure(e as ApiFailure);
    }
  };
  const remove = async (x: Item) => {
    setFailure(undefined);
    if (!confirmDelete) return setConfirmDelete(true);
    try {
      await request('DELETE', `${k.item}/${seg(k.id(x))}${q}`);
      navigate(href(dc, kind));
    } catch (e) {
      setFailure(e as ApiFailure);
    }
  };

  const form = (x: Item | undefined) => (
    <form
      class="form"
      key={x?.ModifyIndex ?? 'new'}
      onSubmit={(e) => {
        e.preventDefault();
        void save(e.currentTarget as HTMLFormElement, x);
      }}
    >
      {k.fields.map((f) => {
        const value =
          f === 'Policies' || f === 'Roles'
            ? names(x?.[f])
            : f === 'ServiceIdentities'
              ? (x?.ServiceIdentities ?? []).map((s) => s.ServiceName).join(', ')
              : f === 'Datacenters'
                ? (x?.Datacenters ?? []).join(', ')
                : ((x as unknown as Record<string, unknown> | undefined)?.[f] as string | undefined) ?? '';
        const fid = `acl-${f}`;
        // Uncontrolled (defaultValue): a re-render (a status line, an error) must not undo what was typed.
        return (
          <Fragment key={f}>
            <label for={fid}>{LABELS[f]}</label>
            {f === 'Rules' ? <textarea id={fid} name={f} rows={10} defaultValue={value} /> : <input id={fid} name={f} type="text" defaultValue={value} />}
          </Fragment>
        );
      })}
      {kind === 'tokens' && creating && (
        <label>
          <input name="Local" type="checkbox" /> Local to this datacenter
        </label>
      )}
      <div class="actions">
        <button type="submit">{creating ? `Create ${k.one}` : 'Save'}</button>
        {x && (
          <button type="button" class="danger" onClick={() => void remove(x)}>
            {confirmDelete ? `Really delete this ${k.one}?` : `Delete ${k.one}`}
          </button>
        )}
      </div>
    </form>
  );

  return (
    <Page title={creating ? `New ACL ${k.one}` : `ACL ${k.one} ${item.value.data ? k.label(item.value.data) : id}`}>
      <p>
        <a href={href(dc, kind)}>All {kind}</a>
      </p>
      {failure && <ErrorBox error={{ status: failure.status, text: failure.message }} />}
      {saved && <p role="status">{saved}</p>}
      {creating ? (
        form(undefined)
      ) : (
        <Loaded value={item.value}>
          {(x) => (
            <>
              <dl>
                {kind === 'tokens' ? (
                  <>
                    <dt>Accessor ID</dt>
                    <dd>
                      <code>{x.AccessorID}</code>
                    </dd>
                    <dt>Secret ID</dt>
                    <dd>
                      <code>{x.SecretID}</code>
                    </dd>
                    <dt>Local</dt>
                    <dd>{x.Local ? 'yes' : 'no'}</dd>
                  </>
                ) : (
                  <>
                    <dt>ID</dt>
                    <dd>
                      <code>{x.ID}</code>
                    </dd>
                  </>
                )}
                {kind !== 'policies' && (
                  <>
                    <dt>Policies</dt>
                    <dd>
                      {(x.Policies ?? []).length
                        ? (x.Policies ?? []).map((p) => (
                            <a class="tag" key={p.ID} href={href(dc, 'policies', p.ID)}>
                              {p.Name || p.ID}
                            </a>
                          ))
                        : 'none'}
                    </dd>
                  </>
                )}
              </dl>
              <h2>Edit</h2>
              {form(x)}
            </>
          )}
        </Loaded>
      )}
    </Page>
  );
}
