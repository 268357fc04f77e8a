// Key/value: folders by `/`, a key's value as text (or base64 when it is not UTF-8), flags, lock session.
// Every write is a check-and-set on the ModifyIndex the editor started from, so a save over someone else's
// change is refused (the agent answers false) and shown as a conflict instead of overwriting it.
import { useState } from 'preact/hooks';
import { useLive } from '../live.js';
import { ErrorBox, Loaded, Page } from '../components.js';
import { kvHref, navigate } from '../router.js';
import { ApiFailure, keyPath, request } from '../api.js';

interface Entry {
  Key: string;
  Value: string | null;
  Flags: number;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

/** The bytes of a base64 value as text, or undefined when they are not valid UTF-8 (shown as base64). */
function decodeValue(b64: string | null): { text?: string; base64: string } {
  const base64 = b64 ?? '';
  const bin = atob(base64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), base64 };
  } catch {
    return { base64 };
  }
}

function encodeBody(value: string, asBase64: boolean): Uint8Array<ArrayBuffer> {
  if (!asBase64) return new TextEncoder().encode(value);
  const bin = atob(value.replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function KvPage({ dc, path, folder }: { dc: string; path: string; folder: boolean }) {
  return folder ? <KvFolder dc={dc} prefix={path === '' || path.endsWith('/') ? path : `${path}/`} /> : <KvKey dc={dc} kvKey={path} />;
}

function Crumbs({ dc, path }: { dc: string; path: string }) {
  const parts = path.split('/').filter((p, i, a) => p !== '' || i < a.length - 1);
  let acc = '';
  return (
    <nav aria-label="Key path" class="crumbs">
      <a href={kvHref(dc, '')}>Key/Value</a>
      {parts.slice(0, -1).map((p) => {
        acc += `${p}/`;
        return (
          <span key={acc}>
            {' / '}
            <a href={kvHref(dc, acc)}>{p}</a>
          </span>
        );
      })}
    </nav>
  );
}

function KvFolder({ dc, prefix }: { dc: string; prefix: string }) {
  const [keys] = useLive<[string[]]>([`/v1/kv/${keyPath(prefix)}?keys&separator=/&dc=${encodeURIComponent(dc)}`]);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [flags, setFlags] = useState('0');
  const [message, setMessage] = useState<{ status: number; text: string }>();
  const create = async (e: Event) => {
    e.preventDefault();
    setMessage(undefined);
    const key = prefix + name;
    try {
      const r = await request('PUT', `/v1/kv/${keyPath(key)}?cas=0&flags=${encodeURIComponent(flags)}&dc=${encodeURIComponent(dc)}`, new TextEncoder().encode(value) as Uint8Array<ArrayBuffer>);
      if (r.body === false) setMessage({ status: 409, text: `The key “${key}” already exists; nothing was changed.` });
      else navigate(kvHref(dc, key));
    } catch (err) {
      const f = err as ApiFailure;
      setMessage({ status: f.status, text: f.message });
    }
  };
  // The folder itself is listed by the agent when it exists as a key; a missing folder answers 404.
  const list = keys.value.error?.status === 404 ? { index: keys.value.index, data: [] as string[] } : keys.value;
  return (
    <Page title={prefix ? `Key/Value: ${prefix}` : 'Key/Value'}>
      <Crumbs dc={dc} path={prefix} />
      <Loaded value={list}>
        {(all) => {
          const children = all.filter((k) => k !== prefix);
          return children.length === 0 ? (
            <p>No keys under this folder.</p>
          ) : (
            <ul class="kv-list">
              {children.map((k) => (
                <li key={k}>
                  <a href={kvHref(dc, k)}>
                    {k.endsWith('/') ? '📁 ' : ''}
                    {k.slice(prefix.length)}
                  </a>
                </li>
              ))}
            </ul>
          );
        }}
      </Loaded>
      <h2>Create a key</h2>
      <form onSubmit={create} class="form">
        <label for="kv-name">Key (under {prefix || 'the root'}; end with / for a folder)</label>
        <input id="kv-name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="kv-value">Value</label>
        <textarea id="kv-value" rows={4} value={value} onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)} />
        <label for="kv-flags">Flags</label>
        <input id="kv-flags" inputMode="numeric" pattern="[0-9]+" value={flags} onInput={(e) => setFlags((e.target as HTMLInputElement).value)} />
        <button type="submit">Create</button>
      </form>
      {message && <ErrorBox error={message} />}
    </Page>
  );
}

function KvKey({ dc, kvKey }: { dc: string; kvKey: string }) {
  const dcq = `dc=${encodeURIComponent(dc)}`;
  const [entry] = useLive<[Entry[]]>([`/v1/kv/${keyPath(kvKey)}?${dcq}`]);
  const [draft, setDraft] = useState<{ value: string; flags: string; base64: boolean; from: number }>();
  const [message, setMessage] = useState<{ status: number; text: string }>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const current = entry.value.data?.[0];
  const shown = current ? decodeValue(current.Value) : undefined;
  const edit = () => {
    if (!current || !shown) return;
    setMessage(undefined);
    setDraft({ value: shown.text ?? shown.base64, flags: String(current.Flags), base64: shown.text === undefined, from: current.ModifyIndex });
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    setMessage(undefined);
    try {
      const body = encodeBody(draft.value, draft.base64);
      const r = await request('PUT', `/v1/kv/${keyPath(kvKey)}?cas=${draft.from}&flags=${encodeURIComponent(draft.flags)}&${dcq}`, body);
      if (r.body === false) {
        setMessage({
          status: 409,
          text: `Conflict: “${kvKey}” was changed by someone else after you started editing (you edited index ${draft.from}, it is now at ${current?.ModifyIndex ?? 'deleted'}). Your text is kept below; copy it, then cancel to see the current value.`,
        });
      } else setDraft(undefined);
    } catch (err) {
      const f = err as ApiFailure;
      setMessage({ status: f.status, text: f.message });
    }
  };
  const remove = async () => {
    if (!current) return;
    try {
      const r = await request('DELETE', `/v1/kv/${keyPath(kvKey)}?cas=${current.ModifyIndex}&${dcq}`);
      if (r.body === false) setMessage({ status: 409, text: 'Conflict: the key changed since it was shown; nothing was deleted.' });
      else navigate(kvHref(dc, kvKey.includes('/') ? kvKey.slice(0, kvKey.lastIndexOf('/') + 1) : ''));
    } catch (err) {
      const f = err as ApiFailure;
      setMessage({ status: f.status, text: f.message });
    }
    setConfirmDelete(false);
  };
  return (
    <Page title={`Key ${kvKey}`}>
      <Crumbs dc={dc} path={kvKey} />
      {entry.value.error?.status === 404 ? (
        <p role="alert">The key “{kvKey}” does not exist (or was deleted).</p>
      ) : (
        <Loaded value={entry.value}>
          {() =>
            current && shown ? (
              <>
                <dl>
                  <dt>Flags</dt>
                  <dd>{current.Flags}</dd>
                  <dt>Modify index</dt>
                  <dd data-testid="modify-index">{current.ModifyIndex}</dd>
                  <dt>Lock</dt>
                  <dd>{current.Session ? <code>{current.Session}</code> : 'not locked'}</dd>
                  <dt>Value ({shown.text === undefined ? 'binary, shown as base64' : 'text'})</dt>
                  <dd>
                    <pre class="value" data-testid="kv-value">
                      {shown.text ?? shown.base64}
                    </pre>
                  </dd>
                </dl>
                {!draft && (
                  <div class="actions">
                    <button type="button" onClick={edit}>
                      Edit
                    </button>
                    {confirmDelete ? (
                      <>
                        <button type="button" class="danger" onClick={remove}>
                          Confirm delete
                        </button>
                        <button type="button" onClick={() => setConfirmDelete(false)}>
                          Keep it
                        </button>
                      </>
                    ) : (
                      <button type="button" onClick={() => setConfirmDelete(true)}>
                        Delete
                      </button>
                    )}
                  </div>
                )}
              </>
            ) : null
          }
        </Loaded>
      )}
      {draft && (
        <form onSubmit={save} class="form">
          <label for="kv-edit">New value</label>
          <textarea id="kv-edit" rows={8} value={draft.value} onInput={(e) => setDraft({ ...draft, value: (e.target as HTMLTextAreaElement).value })} />
          <label>
            <input type="checkbox" checked={draft.base64} onChange={(e) => setDraft({ ...draft, base64: (e.target as HTMLInputElement).checked })} /> Value is base64
            (binary)
          </label>
          <label for="kv-edit-flags">Flags</label>
          <input id="kv-edit-flags" inputMode="numeric" pattern="[0-9]+" value={draft.flags} onInput={(e) => setDraft({ ...draft, flags: (e.target as HTMLInputElement).value })} />
          <div class="actions">
            <button type="submit">Save</button>
            <button type="button" onClick={() => setDraft(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {message && <ErrorBox error={message} />}
    </Page>
  );
}
